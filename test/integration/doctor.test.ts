// `rlvr doctor` checks the real backend, sandbox and math checker: on a machine set up by
// .ci/run all of them must pass, and a forced backend that cannot load must fail loudly.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../../daemon/data/fixtures.js';

const rlvr = path.join(PROJECT_ROOT, 'bin', 'rlvr.js');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-doctor-'));

function doctor(...args: string[]) {
  return spawnSync(process.execPath, [rlvr, 'doctor', '--data-dir', dataDir, ...args], { encoding: 'utf8', timeout: 120_000 });
}

test('rlvr doctor --json reports a working backend, math checker and sandbox', () => {
  const r = doctor('--json');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] };
  assert.equal(report.ok, true);
  const byName = new Map(report.checks.map((c) => [c.name, c]));
  for (const name of ['backend', 'math verifier', 'code sandbox']) assert.equal(byName.get(name)?.ok, true, `${name}: ${byName.get(name)?.detail}`);
  assert.match(byName.get('backend')!.detail, /^(wasm|cpu|tensorflow|webgpu)/);
});

test('rlvr doctor fails with the reason when a forced backend cannot load', () => {
  const r = doctor('--backend', 'tensorflow-gpu');
  assert.equal(r.status, 1);
  assert.match(r.stdout, /FAIL\s+backend\s+backend 'tensorflow-gpu'/);
});

// `rlvr train` and `rlvr eval` as a user runs them: a child process, real files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { PROJECT_ROOT } from '../../daemon/data/fixtures.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function rlvr(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin/rlvr.js'), ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('rlvr train on the tiny config ends with the summary JSON line and OUT/summary.json', () => {
  const out = path.join(dir, 'out');
  const r = rlvr('train', '--config', path.join(PROJECT_ROOT, 'test/configs/tiny.yaml'), '--data-dir', dir, '--out', out);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n');
  const summary = JSON.parse(lines.at(-1)!);
  assert.deepEqual(Object.keys(summary), ['backend', 'wall_s', 'evals']);
  assert.deepEqual(summary.evals.map((e: { after: string }) => e.after), ['init', 'math-short', 'code']);
  for (const e of summary.evals) assert.ok(typeof e.math === 'number' && typeof e.code === 'number');
  assert.deepEqual(JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')), summary);
  assert.match(r.out, /^backend: \w+/m);
  assert.match(r.out, /^after\s+math\s+code$/m);
  assert.ok(existsSync(path.join(out, 'checkpoints', '01-code-step00002', 'policy', 'manifest.json')));

  // The final checkpoint evaluates with rlvr eval.
  const e = rlvr('eval', '--checkpoint', path.join(out, 'checkpoints', '01-code-step00002'), '--dataset', 'embedded:math', '--k', '2', '--problems', '4', '--max-tokens', '24');
  assert.equal(e.code, 0, e.err);
  const res = JSON.parse(e.out.trim().split('\n').at(-1)!);
  assert.equal(res.k, 2);
  assert.equal(res.problems, 4);
  assert.ok(res.avg_at_k >= 0 && res.pass_at_k >= res.avg_at_k);
});

test('a bad config fails in one line per error with file, line and field', () => {
  const bad = path.join(dir, 'bad.yaml');
  writeFileSync(bad, 'stages:\n  - name: a\n    kind: math\n    dataset: embedded:math\n    max_response_length: 8\n    group_size: eight\n    prompts_per_step: 2\n    learning_rate: 0.001\n    steps: 1\n');
  const r = rlvr('train', '--config', bad, '--data-dir', dir);
  assert.equal(r.code, 1);
  assert.equal(r.err.trim(), `rlvr train: ${bad}:6: stages[0].group_size: expected an integer >= 2, got "eight"`);
});

test('--save-dtype is for Hugging Face models: a bad value or a char-model config is one clear line', () => {
  const bad = rlvr('train', '--config', path.join(PROJECT_ROOT, 'test/configs/tiny.yaml'), '--data-dir', dir, '--save-dtype', 'fp8');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /--save-dtype: expected one of source, f32, bf16, got 'fp8'/);
  const charModel = rlvr('train', '--config', path.join(PROJECT_ROOT, 'test/configs/tiny.yaml'), '--data-dir', dir, '--save-dtype', 'bf16');
  assert.equal(charModel.code, 1);
  assert.match(charModel.err, /--save-dtype applies to Hugging Face models; this config's model is the embedded model from scratch/);
});

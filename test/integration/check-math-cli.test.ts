// `rlvr check math` through the built CLI, as a user runs it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { PROJECT_ROOT } from '../../daemon/data/fixtures.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rlvr-check-math-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function rlvr(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin/rlvr.js'), 'check', 'math', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('--gold/--pred prints one verdict; exit 0 when correct, 1 when not', () => {
  const ok = rlvr('--gold', '\\frac{3}{4}', '--pred', 'so the answer is \\boxed{0.75}');
  assert.equal(ok.code, 0, ok.err);
  const v = JSON.parse(ok.out);
  assert.equal(v.reward, 1);
  assert.equal(v.verdict, 'correct');
  assert.deepEqual(Object.keys(v.details).sort(), ['extracted', 'kind', 'normalizedGold', 'normalizedPred', 'rule']);

  const bare = rlvr('--gold', '2^{-100}', '--pred', '2^{-101}');
  assert.equal(bare.code, 1);
  assert.equal(JSON.parse(bare.out).verdict, 'wrong');
});

test('a pathological answer ends as a timeout verdict within the deadline', () => {
  const t0 = Date.now();
  const r = rlvr('--gold', '1', '--pred', '60000! - 60001! + 60002!', '--deadline-ms', '500');
  assert.equal(r.code, 1);
  assert.equal(JSON.parse(r.out).verdict, 'timeout');
  assert.ok(Date.now() - t0 < 30_000);
});

test('--cases prints {total, agree, disagreements}', () => {
  const file = path.join(dir, 'cases.json');
  writeFileSync(
    file,
    JSON.stringify([
      { gold: '$\\frac{1}{2}$', pred: 'The final answer is $0.5$. I hope it is correct.' },
      { gold: '$(1,2)$', pred: '$(2,1)$', expected: false },
      { gold: '$3$', pred: 'so $\\boxed{4}$', expected: true },
      { gold: '$\\frac{1}{3}$', pred: '0.3333$', options: { precision: 4 } },
    ]),
  );
  const r = rlvr('--cases', file);
  assert.equal(r.code, 1, 'one case disagrees');
  const out = JSON.parse(r.out);
  assert.equal(out.total, 4);
  assert.equal(out.agree, 3);
  assert.equal(out.disagreements.length, 1);
  assert.equal(out.disagreements[0].index, 2);
  assert.equal(out.disagreements[0].expected, true);
  assert.equal(out.disagreements[0].got, false);
});

test('bad input names the file, the record and the field', () => {
  const file = path.join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify([{ gold: '1', pred: '1' }, { gold: 1, pred: '1' }]));
  const r = rlvr('--cases', file);
  assert.equal(r.code, 1);
  assert.match(r.err, /bad\.json: record 1: field "gold" must be a string/);
  const both = rlvr('--gold', '1');
  assert.match(both.err, /--gold and --pred go together/);
});

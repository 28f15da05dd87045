// `rlvr curate` end to end, as a user runs it: a real process, real files out.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { PROJECT_ROOT } from '../../daemon/data/fixtures.js';
import { optionalFixture } from '../fixtures.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rlvr-curate-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const bin = path.join(PROJECT_ROOT, 'bin/rlvr.js');

function rlvr(...args: string[]) {
  return spawnSync(process.execPath, [bin, 'curate', ...args], { encoding: 'utf8', timeout: 60_000 });
}

const readJsonl = (f: string) => readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

test('curate writes kept.jsonl, dropped.jsonl with filter and reason, report.json, and a table', () => {
  const aime = optionalFixture('math/aime24.jsonl');
  const aimeProblem = aime ? JSON.parse(readFileSync(aime, 'utf8').split('\n')[0]).problem : null;
  const input = path.join(dir, 'train.jsonl');
  const lines = [
    { problem: 'A rectangle has perimeter 30 and its length is twice its width. What is its area?', answer: '50' },
    { question: 'Compute the sum $1 + 2 + \\cdots + 20$.', solution: 'Pair terms: $10 \\cdot 21 = \\boxed{210}$.' },
    { problem: 'A rectangle has perimeter 30 and its length is twice its width.  What is its AREA?', answer: '50' },
    { problem: 'Prove that the square root of 2 is irrational.', answer: 'proof' },
    ...(aimeProblem ? [{ problem: aimeProblem, answer: '204' }] : []),
  ].map((r) => JSON.stringify(r));
  lines.splice(2, 0, '{"problem": "unterminated');
  writeFileSync(input, lines.join('\n') + '\n');
  const out = path.join(dir, 'out');

  const r = rlvr('--input', input, '--out', out, '--kind', 'math');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^filter\s+seen\s+dropped/m);
  assert.match(r.stdout, /exact-duplicate\s+\d+\s+1/);

  const kept = readJsonl(path.join(out, 'kept.jsonl'));
  assert.deepEqual(kept.map((k) => k.answer), ['50', '210']);
  assert.equal(kept[1].source, `${input}:2`);

  const dropped = readJsonl(path.join(out, 'dropped.jsonl'));
  const byFilter = Object.fromEntries(dropped.map((d) => [d.filter, d]));
  assert.equal(byFilter.read.source, `${input}:3`);
  assert.match(byFilter.read.reason, /invalid JSON/);
  assert.match(byFilter['exact-duplicate'].reason, /^same text as train\.jsonl:1/);
  assert.equal(byFilter.proof.filter, 'proof');
  if (aimeProblem) assert.match(byFilter.contamination.reason, /9-gram overlap .* with aime24\.jsonl:1$/);
  for (const d of dropped) assert.ok(d.reason && d.filter, JSON.stringify(d));

  const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
  assert.equal(report.rows, lines.length);
  assert.equal(report.kept, 2);
  assert.equal(report.read_errors, 1);
  assert.equal(report.dropped, lines.length - 2);
  const counts = Object.fromEntries(report.filters.map((f: { name: string; dropped: number }) => [f.name, f.dropped]));
  assert.equal(counts['exact-duplicate'], 1);
  assert.equal(counts.proof, 1);
});

test('user errors are one clear line and exit code 1', () => {
  const r = rlvr('--out', dir);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), 'rlvr curate: --input FILE... is required');
  const m = rlvr('--input', path.join(dir, 'x.jsonl'), '--out', dir, '--map', 'question=q');
  assert.match(m.stderr, /--map: unknown field 'question'/);
  const missing = rlvr('--input', path.join(dir, 'absent.jsonl'), '--out', dir);
  assert.equal(missing.stderr.trim(), `rlvr curate: --input: ${path.join(dir, 'absent.jsonl')}: no such file`);
  const k = rlvr('--input', 'a.jsonl', '--out', dir, '--k', '4');
  assert.match(k.stderr, /need --checkpoint/);
});

// The pass-rate book behind the "Pass rate: n/k" lens: keyed by a problem's content (a
// record moved to another line or file keeps its measurement; an edited prompt or reference
// loses it), persisted to a JSONL file that a cut-short last line does not spoil.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { ProblemPassRate } from '../../../shared/protocol.js';
import { PassRateBook, problemKey } from '../../../daemon/data/curate/pass-rates.js';
import { toProblem, type Problem } from '../../../daemon/data/records/record.js';
import { datasetCodeLenses } from '../../../daemon/server/lsp.js';

const problem = (rec: Record<string, unknown>, file = 'a.jsonl', line = 1) => toProblem(rec, file, line) as Problem;

const measured = (p: Problem, passed: number): ProblemPassRate => ({
  problemKey: problemKey(p),
  passed,
  k: 8,
  checkpoint: '/ck',
  checkpointLabel: 'ck',
  measuredAt: new Date(0).toISOString(),
  samples: [{ response: '\\boxed{5}', reward: 1, verdict: 'correct' }],
});

test('the key follows the content: same problem elsewhere, same key; another answer or prompt, another key', () => {
  const p = problem({ problem: '7-2=?', answer: '5' });
  assert.equal(problemKey(problem({ problem: '7-2=?', answer: '5' }, 'b.jsonl', 40)), problemKey(p));
  assert.notEqual(problemKey(problem({ problem: '7-2=?', answer: '6' })), problemKey(p));
  assert.notEqual(problemKey(problem({ problem: '7-3=?', answer: '5' })), problemKey(p));
  const code = problem({ question: 'print n', tests: [{ input: '1\n', output: '1\n' }] });
  assert.notEqual(problemKey(problem({ question: 'print n', tests: [{ input: '2\n', output: '2\n' }] })), problemKey(code));
});

test('measurements persist, the latest wins, and a torn last line is skipped', () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'rlvr-pass-rates-')), 'curation', 'pass-rates.jsonl');
  const p = problem({ problem: '7-2=?', answer: '5' });
  const q = problem({ problem: '8-5=?', answer: '3' });
  const book = new PassRateBook(file);
  const seen: number[] = [];
  book.onRecord((m) => seen.push(m.passed));
  book.record(measured(p, 3));
  book.record(measured(p, 5));
  assert.deepEqual(seen, [3, 5]);
  assert.equal(book.get(p)?.passed, 5);
  assert.equal(book.get(q), undefined);
  assert.ok(readFileSync(file, 'utf8').split('\n').filter(Boolean).every((l) => JSON.parse(l).samples.length === 0), 'samples stay out of the file');

  appendFileSync(file, '{"problemKey": "abc", "pas');
  const reopened = new PassRateBook(file);
  assert.equal(reopened.get(p)?.passed, 5);
  reopened.record(measured(q, 2)); // on a line of its own, not glued to the torn one
  assert.equal(new PassRateBook(file).get(q)?.passed, 2);
  assert.equal(new PassRateBook(null).get(p), undefined);
});

test('the lens says when the verifier failed on samples, and shows no rate when it failed on all', () => {
  const text = JSON.stringify({ problem: 'Print the sum of a and b.', tests: [{ input: '1 2\n', output: '3\n' }] });
  const p = problem(JSON.parse(text), 'c.jsonl', 1);
  const titles = (m: ProblemPassRate) => {
    const book = new PassRateBook(null);
    book.record(m);
    return datasetCodeLenses(text, 'c.jsonl', { passRates: book, sampleK: 8 }).map((l) => l.command?.title ?? '');
  };
  assert.ok(titles(measured(p, 3)).includes('Pass rate: 3/8'));
  assert.ok(titles({ ...measured(p, 3), verifierFailed: 2 }).includes('Pass rate: 3/8 (verifier failed on 2)'));
  const all = titles({ ...measured(p, 0), verifierFailed: 8 });
  assert.ok(all.includes('Verifier failed on 8/8 samples'), JSON.stringify(all));
  assert.ok(!all.some((t) => t.startsWith('Pass rate')), 'no 0/8 when nothing was judged');
});

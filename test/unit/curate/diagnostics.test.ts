// diagnoseDataset(): what the editor shows on an open dataset file.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { datasetProblems, diagnoseDataset } from '../../../daemon/data/curate/diagnostics.js';
import { optionalFixture } from '../../fixtures.js';

test('parse errors, missing fields, unverifiable answers and duplicates, each on its line', () => {
  const text = [
    JSON.stringify({ problem: 'A train travels 120 km in 2 hours. What is its average speed in km per hour?', answer: '60' }),
    '{"problem": oops}',
    JSON.stringify({ problem: 'Find the number of positive divisors of 360.' }),
    JSON.stringify({ problem: 'Find the value of $x$ such that $2x + 3 = 11$ holds.', answer: 'x^2+' }),
    JSON.stringify({ problem: 'A train travels 120 km in 2 hours.  What is its average speed in km per hour?', answer: '60' }),
  ].join('\n');
  const d = diagnoseDataset(text, '/tmp/train.jsonl');
  const at = (line: number) => d.filter((x) => x.line === line);
  assert.deepEqual(at(1), []);
  assert.equal(at(2)[0].severity, 'error');
  assert.match(at(2)[0].message, /^invalid JSON/);
  assert.equal(at(3)[0].field, 'answer');
  assert.match(at(3)[0].message, /^no answer/);
  assert.equal(at(4)[0].field, 'answer');
  assert.match(at(4)[0].message, /cannot parse/);
  assert.equal(at(5).length, 1);
  assert.equal(at(5)[0].severity, 'warning');
  assert.match(at(5)[0].message, /^duplicate: same text as line 1$/);
});

test('rule filter findings and contamination hits are warnings', () => {
  const aime = optionalFixture('math/aime24.jsonl');
  const rows = [
    { problem: 'Prove that the sum of two odd integers is always even.', answer: '0' },
    { question: 'Sort the list.', tests: [] },
  ];
  if (aime) rows.push({ problem: JSON.parse(readFileSync(aime, 'utf8').split('\n')[0]).problem, answer: '204' });
  const d = diagnoseDataset(rows.map((r) => JSON.stringify(r)).join('\n'), 'x.jsonl');
  assert.ok(d.some((x) => x.line === 1 && x.source === 'proof' && x.severity === 'warning'));
  assert.ok(d.some((x) => x.line === 2 && x.source === 'no-tests' && x.field === 'tests'));
  if (aime) assert.ok(d.some((x) => x.line === 3 && x.source === 'contamination' && /aime24\.jsonl:1$/.test(x.message)));
});

test('a JSON array file is diagnosed by element line, and problems are listed for code lenses', () => {
  const text = '[\n  {"problem": "What is 7 times 8, exactly?", "answer": "56"},\n  {"problem": "What is 9 times 8, exactly?", "answer": "}{"}\n]';
  const d = diagnoseDataset(text, 'set.json');
  assert.deepEqual(d.map((x) => [x.line, x.field]), [[3, 'answer']]);
  assert.deepEqual(datasetProblems(text, 'set.json').map((p) => [p.line, p.problem.answer]), [[2, '56'], [3, '}{']]);
});

test('a .json file that is one settings object is not a dataset; one problem object is', () => {
  const pkg = JSON.stringify({ name: 'x', version: '1.0.0', scripts: { test: 'node --test' } }, null, 2);
  assert.deepEqual(diagnoseDataset(pkg, '/repo/package.json'), []);
  const one = JSON.stringify({ problem: 'Compute the value of $2^{10}$.', answer: '}{' }, null, 2);
  assert.deepEqual(diagnoseDataset(one, 'one.json').map((d) => [d.line, d.field]), [[1, 'answer']]);
});

// Our problems as verl rows: a code problem that carries reference programs (LeetCode-style
// `solutions`) keeps one in extra_info.solution, as a response that reads back as our solution.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toVerlRow } from '../../../daemon/data/formats/verl-rows.js';
import { verlProblemOf } from '../../../daemon/verl/curate-adapter.js';
import type { Problem } from '../../../shared/problem.js';

const code: Problem = { id: 'two-sum', kind: 'code', prompt: 'Add two numbers.', tests: [{ input: '1 2', output: '3' }], solutions: ['print(sum(map(int, input().split())))'], source: { file: 'lc.jsonl', line: 1 } };

test('a code problem with reference programs keeps the first as a fenced response', () => {
  const row = toVerlRow(verlProblemOf(code), 0);
  assert.equal(row.extra_info.solution, '```python\nprint(sum(map(int, input().split())))\n```');
});

test('a given solution wins; a problem with neither has none', () => {
  assert.equal(toVerlRow(verlProblemOf({ ...code, solution: 'worked' }), 0).extra_info.solution, 'worked');
  assert.equal(toVerlRow(verlProblemOf({ ...code, solutions: undefined }), 0).extra_info.solution, null);
  const math: Problem = { id: 'm', kind: 'math', prompt: 'What is 2+2?', answer: '4', source: { file: 'm.jsonl', line: 1 } };
  assert.equal(toVerlRow(verlProblemOf(math), 0).extra_info.solution, null);
});

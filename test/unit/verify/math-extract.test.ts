// The \boxed extractor: the same boxes as brace counting from each box, found in one pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractAllBoxed, extractLastBoxed, findBoxes } from '../../../shared/boxed.js';

test('nested, escaped, unbalanced and brace-less boxes', () => {
  assert.equal(extractLastBoxed('so \\boxed{\\frac{1}{2}} done'), '\\frac{1}{2}');
  assert.equal(extractLastBoxed('\\boxed{a \\{ b} and \\boxed{c}'), 'c');
  assert.equal(extractLastBoxed('\\boxed{\\{1,2\\}}'), '\\{1,2\\}');
  assert.equal(extractLastBoxed('\\boxed{1} then \\boxed{2'), '1', 'an unbalanced box is not an answer');
  assert.equal(extractLastBoxed('\\boxed 5 ok'), '5');
  assert.equal(extractLastBoxed('\\boxed  {7}'), '7');
  assert.equal(extractLastBoxed('\\boxedx{7}'), null);
  assert.equal(extractLastBoxed('<think>\\boxed{1}</think> \\fbox{2}'), '2');
  assert.deepEqual(extractAllBoxed('\\boxed{1} and \\boxed{2}'), ['1', '2']);
  assert.deepEqual(
    findBoxes('\\boxed{a{b}c} x \\boxed{d}').map((b) => [b.content, b.start, b.end]),
    [['a{b}c', 0, 13], ['d', 16, 25]],
  );
});

test('60,000 unbalanced \\boxed{ (420 KB) with one closed box at the end: that box', () => {
  const text = '\\boxed{'.repeat(60_000) + ' \\boxed{42}';
  // Every earlier box is unbalanced (its brace never closes): only the last one is an answer.
  assert.equal(extractLastBoxed(text), '42');
  assert.equal(findBoxes('\\boxed{'.repeat(60_000)).length, 0);
});

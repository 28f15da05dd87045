// The rule filters, one by one: what each drops, and what it must leave alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { figure, multiPart, multipleChoice, nonEnglish, proof, tooShort, answerShapeProblem, unverifiableReason } from '../../../daemon/data/curate/filters/math-rules.js';
import { interactive, noTests, specialJudge, weakTests } from '../../../daemon/data/curate/filters/code-rules.js';
import type { Problem } from '../../../daemon/data/records/record.js';

const src = { file: 't.jsonl', line: 1 };
const math = (prompt: string, answer = '3'): Problem => ({ id: 'm', kind: 'math', prompt, answer, source: src });
const code = (prompt: string, tests: Problem['tests']): Problem => ({ id: 'c', kind: 'code', prompt, tests, source: src });

test('multi-part: labelled sub-questions go, function arguments and equation numbers stay', () => {
  assert.match(multiPart.check(math('Let $f(x)=x^2$. (a) Find $f(2)$. (b) Find $f(3)$.'))!, /\(a\) and \(b\)/);
  assert.ok(multiPart.check(math('Given the sequence below.\n(1) Find the general term.\n(2) Find the sum of the first n terms.')));
  assert.equal(multiPart.check(math('Let $f(a) = 2$ and $g(b) = 3$. Find $f(a) + g(b)$.')), null);
  assert.equal(multiPart.check(math('Using (1) and (2), find $x + y$ where x and y solve the system.')), null);
});

test('multiple-choice: options, letter answers and yes/no go', () => {
  assert.ok(multipleChoice.check(math('Which is prime? $\\textbf{(A)}\\ 4 \\qquad \\textbf{(B)}\\ 6 \\qquad \\textbf{(C)}\\ 7$', '\\text{(C)}')));
  assert.ok(multipleChoice.check(math('Pick one.\nA. 1\nB. 2\nC. 3\nD. 4', 'B')));
  assert.match(multipleChoice.check(math('Is 91 a prime number? Answer carefully please.', 'No'))!, /yes\/no answer/);
  assert.ok(multipleChoice.check(math('True or false: every even number greater than 2 is a sum of two primes.', '1')));
  assert.equal(multipleChoice.check(math('In triangle $ABC$, $AB = 3$, $BC = 4$ and $CA = 5$. Find the area.', '6')), null);
  assert.equal(multipleChoice.check(math('Points [asy]dot(A); dot(B); dot(C); label("(A)", A);[/asy] form a triangle. Find its area.', '6')), null);
});

test('proof, figure, language, length', () => {
  assert.ok(proof.check(math('Prove that there are infinitely many primes.')));
  assert.ok(proof.check(math('Show that for all positive reals $a, b$ we have $a^2 + b^2 \\ge 2ab$.')));
  assert.equal(proof.check(math('Find the smallest positive integer $n$ such that $n!$ ends in 10 zeros.')), null);
  assert.ok(figure.check(math('In the figure below, the shaded area is 12. Find the radius of the circle.')));
  assert.equal(figure.check(math('The diagram shows a square. [asy]draw((0,0)--(1,0)--(1,1)--(0,1)--cycle);[/asy] Find its area.')), null);
  assert.equal(figure.check(math('Find the image of the point $(1, 2)$ under the matrix $\\begin{pmatrix} 0 & 1 \\\\ 1 & 0 \\end{pmatrix}$.')), null);
  assert.match(nonEnglish.check(math('求方程 $x^2 - 5x + 6 = 0$ 的所有实数根之和。'))!, /not Latin script/);
  assert.ok(nonEnglish.check(math('Soit $f$ une fonction définie sur les réels telle que pour tout réel, calculer sa valeur minimale sur cet intervalle donné ici.')));
  assert.equal(nonEnglish.check(math('Compute $\\dbinom{31}{28}$.')), null);
  assert.ok(tooShort.check(math('Solve $x$.')));
  assert.equal(tooShort.check(math('Compute $\\dbinom{31}{28}$.')), null);
});

test('answer shape: empty, unbalanced, worked solutions', () => {
  assert.equal(answerShapeProblem('\\frac{3}{4}'), null);
  assert.match(answerShapeProblem('\\frac{3}{4')!, /unbalanced/);
  assert.match(answerShapeProblem(' ')!, /empty/);
  assert.match(answerShapeProblem('x'.repeat(300))!, /worked solution/);
  assert.match(unverifiableReason('x^2+')!, /cannot parse/);
  for (const ok of ['\\frac{3}{4}', '(1,2]', 'x = 3', '\\text{Monday}', '5\\%']) assert.equal(unverifiableReason(ok), null, ok);
});

test('code rules: no tests, interactive, special judge, weak tests', () => {
  assert.ok(noTests.check(code('Sum two numbers given on one line.', [])));
  assert.ok(noTests.check(code('Sum two numbers given on one line.', { functional: 'def check(candidate):\n    pass\n' })));
  assert.ok(interactive.check(code('This is an interactive problem. After each query flush the output.', [{ input: '1', output: '2' }])));
  assert.ok(specialJudge.check(code('Print any permutation. If there are multiple answers, print any of them.', [{ input: '3', output: '1 2 3' }])));
  assert.ok(specialJudge.check(code('Print the area; your answer is accepted if its absolute or relative error is at most 1e-6.', [{ input: '1', output: '3.14' }])));
  // Assert-style checks judge the answer themselves.
  assert.equal(specialJudge.check(code('Return any of them.', { functional: 'def check(candidate):\n    assert candidate(1) in (1, 2)\n' })), null);
  assert.match(weakTests.check(code('Decide.', [{ input: '1', output: 'YES' }, { input: '2', output: 'YES\n' }]))!, /expect 'YES'/);
  assert.match(weakTests.check(code('Print nothing.', [{ input: '1', output: '' }]))!, /empty/);
  assert.match(weakTests.check(code('Copy.', [{ input: 'ab', output: 'ab' }, { input: 'cd', output: 'cd' }]))!, /echoes/);
  assert.ok(weakTests.check(code('Check.', { functional: 'def check(candidate):\n    assert candidate(1) == True\n    assert candidate(2)\n\ncheck(f)' })));
  assert.equal(weakTests.check(code('Double.', [{ input: '1', output: '2' }, { input: '2', output: '4' }])), null);
  assert.equal(weakTests.check(code('Sum.', { functional: 'def check(candidate):\n    assert candidate([1]) == 6\n    assert candidate([2]) == 6\n' })), null);
});

// The math verifier's decisions: extraction, normalisation, exactness traps, structured answers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { equivalent, extractLastBoxed, normalizeAnswer, verifyMath } from '../../../daemon/verify/math/index.js';

describe('extraction', () => {
  test('the last box after </think>, nested braces kept', () => {
    assert.equal(extractLastBoxed('<think>try \\boxed{1}</think> so \\boxed{\\frac{1}{2}} and \\boxed{\\frac{\\sqrt{3}}{2}}.'), '\\frac{\\sqrt{3}}{2}');
    assert.equal(extractLastBoxed('<think>I guess \\boxed{7}</think> no box here'), null);
    assert.equal(extractLastBoxed('<think>still thinking \\boxed{7}'), null, 'reasoning cut off: no answer');
    assert.equal(extractLastBoxed('\\fbox{42}'), '42');
    assert.equal(extractLastBoxed('\\boxed 5.'), '5.');
    assert.equal(extractLastBoxed('\\boxed{\\{1, 2\\}}'), '\\{1, 2\\}');
    assert.equal(extractLastBoxed('\\boxed{unbalanced'), null);
    assert.equal(extractLastBoxed('plain 42'), null);
  });

  test('no box -> no_answer, reward 0, with the normalised reference shown', () => {
    const r = verifyMath({ kind: 'math', answer: '\\dfrac{1}{2}' }, 'The answer is 1/2.');
    assert.equal(r.verdict, 'no_answer');
    assert.equal(r.reward, 0);
    assert.deepEqual(r.details, { kind: 'math', extracted: null, normalizedPred: null, normalizedGold: '\\frac{1}{2}', rule: 'no-boxed-answer' });
  });

  test('details carry the extracted answer, both normal forms and the rule', () => {
    const r = verifyMath({ kind: 'math', answer: '\\frac{3}{4}' }, 'so \\boxed{0.75}');
    assert.equal(r.reward, 1);
    assert.equal(r.verdict, 'correct');
    assert.deepEqual(r.details, { kind: 'math', extracted: '0.75', normalizedPred: '0.75', normalizedGold: '\\frac{3}{4}', rule: 'exact-rational' });
  });
});

describe('normaliser', () => {
  const cases: [string, string][] = [
    ['\\left( 3, \\dfrac{\\pi}{2} \\right)', '( 3, \\frac{\\pi}{2} )'],
    ['1{,}000', '1000'],
    ['7,425,000', '7425000'],
    ['11,\\! 111,\\! 100', '11111100'],
    ['90^\\circ', '90'],
    ['15\\text{ cm}^2', '15'],
    ['\\$16386.17', '16386.17'],
    ['x \\leq 5', 'x <= 5'],
    ['\\frac94', '\\frac{9}{4}'],
    ['\\text{(C)}', '(C)'],
  ];
  for (const [raw, want] of cases) test(`${raw} -> ${want}`, () => assert.equal(normalizeAnswer(raw).text, want));
  test('percent is remembered', () => assert.deepEqual(normalizeAnswer('28\\%'), { text: '28', percent: true }));
});

function eq(gold: string, pred: string): boolean {
  return equivalent(gold, pred).equal;
}

describe('exactness first: tolerance never makes these equal', () => {
  test('1/2004! vs 1/2006!', () => assert.equal(eq('\\frac{1}{2004!}', '\\frac{1}{2006!}'), false));
  test('2^{-100} vs 2^{-101}', () => assert.equal(eq('2^{-100}', '2^{-101}'), false));
  test('18-digit integers one apart', () => assert.equal(eq('123456789012345678', '123456789012345679'), false));
  test('10^{20}+1 vs 10^{20}', () => assert.equal(eq('10^{20}+1', '10^{20}'), false));
  test('irrational values far below 1e-9 in absolute size', () => assert.equal(eq('\\sqrt{2}\\cdot 2^{-100}', '\\sqrt{2}\\cdot 2^{-101}'), false));
  test('rounded decimals are not the fraction at the default precision', () => assert.equal(eq('\\frac{1}{3}', '0.33'), false));
  test('but the same exact value decides equal', () => {
    assert.deepEqual([equivalent('\\frac{1}{2004!}', '\\frac{2005 \\cdot 2006}{2006!}').equal, equivalent('2^{-100}', '\\frac{1}{2^{100}}').rule], [true, 'exact-rational']);
  });
});

describe('equivalences', () => {
  const equal: [string, string][] = [
    ['1000', '1,000'],
    ['007', '7'],
    ['-\\frac{3}{4}', '\\frac{-3}{4}'],
    ['-\\frac{3}{4}', '\\frac{3}{-4}'],
    ['\\frac94', '2.25'],
    ['\\tfrac{9}{4}', '9/4'],
    ['\\frac{1}{3}', '0.333333'],
    ['2\\frac{1}{2}', '\\frac52'],
    ['\\sqrt{8}', '2\\sqrt{2}'],
    ['\\frac{\\sqrt{3}}{2}', '\\frac{1}{2}\\sqrt{3}'],
    ['2\\pi', '\\frac{4\\pi}{2}'],
    ['\\binom{5}{2}', '10'],
    ['5!', '120'],
    ['\\log_2 8', '3'],
    ['(x-1)(x+1)', 'x^2-1'],
    ['\\sum_{k=1}^{n} k', '\\frac{n(n+1)}{2}'],
    ['\\text{No}', 'no'],
    ['2i', '(1+i)^2'],
    ['0.6+0.8i', '\\frac{3+4i}{5}'],
    ['6 - 5i', '-5i + 6'],
    ['\\tan^2(y)+1', '\\sec^2(y)'],
    ['x = 3', '3'],
    ['3', 'k = 3'],
    ['\\{1,2,3\\}', '\\{3,2,1\\}'],
    ['1, 2, 3', '3, 2, 1'],
    ['(1, \\frac{9}{2})', '(1, 4.5)'],
    ['[-1, 2) \\cup (3, \\infty)', '(3, +\\infty) \\cup [-1, 2)'],
    ['\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}', '\\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}'],
    ['50\\%', '50'],
    ['50\\%', '0.5'],
    ['90^\\circ', '90'],
    ['125\\text{ miles}', '125'],
    ['\\text{(C)}', 'C'],
    ['\\infty', '\\infty'],
    ['1 \\pm \\sqrt{2}', '\\{1+\\sqrt{2}, 1-\\sqrt{2}\\}'],
    ['\\{1\\pm\\sqrt{5},-2\\}', '\\{-2, 1+\\sqrt5, 1-\\sqrt5\\}'],
    ['x \\ge 2', '[2, \\infty)'],
    ['2x + 4y - 3 = 0', 'y = -\\frac{1}{2}x + \\frac{3}{4}'],
  ];
  for (const [g, p] of equal) test(`${g} = ${p}`, () => assert.equal(eq(g, p), true, JSON.stringify(equivalent(g, p))));

  const different: [string, string][] = [
    ['(1, 2)', '(2, 1)'],
    ['[1, 2)', '(1, 2)'],
    ['(1, 2)', '\\{1, 2\\}'],
    ['\\{1, 2\\}', '\\{1, 2, 3\\}'],
    ['x^2', 'y^2'],
    ['x', '|x|'],
    ['6 - 5i', '6 + 5i'],
    ['a^2 - b^2', '(a - b)^2'],
    ['7 = 11a + c', '11a + c'],
    ['x > 5', 'x < 5'],
    ['\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}', '\\begin{pmatrix}1&2\\\\3&5\\end{pmatrix}'],
    ['\\pm 2021', '2021'],
    ['4', '4\\sqrt{2}'],
    ['\\text{Evelyn}', '\\text{Carla}'],
  ];
  for (const [g, p] of different) test(`${g} != ${p}`, () => assert.equal(eq(g, p), false, JSON.stringify(equivalent(g, p))));
});

describe('pathological input in-thread', () => {
  test('beyond the exact-arithmetic budget is a timeout verdict, decided at once', () => {
    for (const pred of ['9^{9^9}', '100000!']) {
      const r = verifyMath({ kind: 'math', answer: '1' }, `\\boxed{${pred}}`);
      assert.equal(r.verdict, 'timeout', pred);
      assert.equal(r.reward, 0);
      assert.equal(r.details.kind === 'math' && r.details.rule, 'budget');
    }
  });
});

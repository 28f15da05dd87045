// Agreement with HuggingFace Math-Verify on the cases of its own test suite
// (../shared/fixtures/math/mathverify_cases.json, with the options each case used).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fixturePath } from '../../../daemon/data/fixtures.js';
import { compareAnswers, type MathVerifyOptions } from '../../../daemon/verify/math/index.js';
import { skipUnlessFixtures } from '../../fixtures.js';

interface Case {
  gold: string;
  pred: string;
  expected: boolean;
  source: string;
  options: MathVerifyOptions;
}

const FIXTURE = 'math/mathverify_cases.json';

// Cases where Math-Verify's answer is not the mathematics; disagreeing on them is right.
const MATH_VERIFY_MISTAKES: Record<number, string> = {
  265: '1 - 1/e vs 1 + 1/e: Math-Verify says equal (test_yujianll string extraction); they differ by 2/e',
};

test('agrees with Math-Verify on >= 95% of its cases, and on all but its own mistakes', { skip: skipUnlessFixtures(FIXTURE) }, () => {
  const cases = JSON.parse(readFileSync(fixturePath(FIXTURE)!, 'utf8')) as Case[];
  const disagreements: string[] = [];
  const unexpected: number[] = [];
  cases.forEach((c, i) => {
    const v = compareAnswers(c.gold, c.pred, c.options);
    if (v.equal === c.expected) return;
    const known = MATH_VERIFY_MISTAKES[i];
    disagreements.push(
      `#${i} (${c.source.split('::')[1]}) expected ${c.expected}, got ${v.equal} by ${v.rule}; gold ${JSON.stringify(v.gold)} pred ${JSON.stringify(v.pred)}${known ? ` [known: ${known}]` : ''}`,
    );
    if (!known) unexpected.push(i);
  });
  for (const d of disagreements) console.log(`disagreement: ${d}`);
  const agree = cases.length - disagreements.length;
  console.log(`agreement with Math-Verify: ${agree}/${cases.length} (${((100 * agree) / cases.length).toFixed(1)}%)`);
  assert.ok(agree / cases.length >= 0.95, `agreement ${agree}/${cases.length} is below 95%`);
  assert.deepEqual(unexpected, [], 'disagreements beyond the known Math-Verify mistakes');
});

test('options change the verdict where Math-Verify says they do', () => {
  assert.equal(compareAnswers('$\\frac{1}{3}$', '0.3333$', { precision: 4 }).equal, true);
  assert.equal(compareAnswers('$\\frac{1}{3}$', '0.3333$', { precision: 6 }).equal, false);
  assert.equal(compareAnswers('$f(x)$', '$f(y)$', { strict: true }).equal, false);
  assert.equal(compareAnswers('$f(x)$', '$f(y)$', { strict: false }).equal, true);
  assert.equal(compareAnswers('$x \\in [-2,7]$', '$-2 \\le x \\le 7$', { match_types: ['latex'], allow_set_relation_comp: false }).equal, false);
  assert.equal(compareAnswers('$x \\in [-2,7]$', '$-2 \\le x \\le 7$', { match_types: ['latex'], allow_set_relation_comp: true }).equal, true);
  // A relation in the reference may always be answered by its set.
  assert.equal(compareAnswers('$-2 \\le x \\le 7$', '$x \\in [-2,7]$', { match_types: ['latex'] }).equal, true);
  // `expr` alone reads plain numbers in prose; `latex` alone does not.
  assert.equal(compareAnswers('1000.99', 'which is 1,000.99€', { match_types: ['expr'] }).equal, true);
  assert.equal(compareAnswers('$1000.99$', 'which is 1,000.99€', { match_types: ['latex'] }).equal, false);
});

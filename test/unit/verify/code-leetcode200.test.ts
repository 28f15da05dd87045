// The 200 LeetCode problems of ../shared/fixtures/code/leetcode200.json: every reference
// solution earns reward 1 against its own checks, and reward 0 against a different
// problem's checks (all 200 solutions, each as is and renamed to the other problem's
// method). Slow on a busy machine (~600 sandboxed runs): one file for all of it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { fixturePath } from '../../../daemon/data/fixtures.js';
import { runProgram, SandboxPool } from '../../../daemon/verify/code/index.js';
import type { VerifyResult } from '../../../shared/verify.js';
import { skipUnlessFixtures } from '../../fixtures.js';

const file = fixturePath('code/leetcode200.json');
const skip = skipUnlessFixtures('code/leetcode200.json');
const problems: { solutions: string; tests: { functional: string } }[] = file ? JSON.parse(readFileSync(file, 'utf8')) : [];
const pool = new SandboxPool();
after(() => pool.close());

const describe = (i: number, r: VerifyResult) =>
  `#${i}: ${r.verdict} ${JSON.stringify(r.details.kind === 'code' ? r.details.tests.find((t) => t.verdict !== 'passed') ?? r.details.message : '')}`;

test('all 200 reference solutions pass their own checks (reward 1)', { skip }, async () => {
  assert.equal(problems.length, 200);
  const results = await Promise.all(problems.map((p) => runProgram({ kind: 'code', tests: p.tests }, p.solutions, { pool })));
  const failed = results.flatMap((r, i) => (r.reward === 1 ? [] : [describe(i, r)]));
  assert.deepEqual(failed, [], `reference solutions that failed:\n${failed.join('\n')}`);
});

/** The method a problem's checks call: `check(Solution().name)`. */
const entryPoint = (i: number) => /check\(Solution\(\)\.(\w+)\)\s*$/.exec(problems[i].tests.functional)?.[1] ?? assert.fail(`problem ${i}: no entry point`);

/** The next problem with a different entry point: problems that share one are variants of one task (I / II). */
function otherProblem(i: number): number {
  for (let k = 1; k < problems.length; k++) {
    const j = (i + k) % problems.length;
    if (entryPoint(j) !== entryPoint(i)) return j;
  }
  return assert.fail('all problems share one entry point');
}

test("each solution against a different problem's checks gets reward 0, even renamed to that problem's method", { skip }, async () => {
  const pairs = problems.map((p, i) => {
    const j = otherProblem(i);
    const renamed = p.solutions.replace(new RegExp(`def ${entryPoint(i)}\\(`), `def ${entryPoint(j)}(`);
    assert.notEqual(renamed, p.solutions, `solution ${i} does not define ${entryPoint(i)}`);
    return { i, j, renamed };
  });
  const results = await Promise.all(
    pairs.flatMap(({ i, j, renamed }) => [
      runProgram({ kind: 'code', tests: problems[j].tests, time_limit_s: 2 }, problems[i].solutions, { pool }),
      runProgram({ kind: 'code', tests: problems[j].tests, time_limit_s: 2 }, renamed, { pool }),
    ]),
  );
  const passed = results.flatMap((r, k) => (r.reward === 0 ? [] : [`solution ${pairs[k >> 1].i}${k & 1 ? ' (renamed)' : ''} passed the checks of ${pairs[k >> 1].j}`]));
  assert.deepEqual(passed, []);
  // They fail for the right reasons, never a sandbox fault: as is, the method is missing;
  // renamed, the checks run and reject the answers.
  for (const [k, r] of results.entries()) {
    const expected = k & 1 ? ['wrong_answer', 'runtime_error', 'time_limit_exceeded'] : ['runtime_error'];
    assert.ok(expected.includes(r.verdict), describe(pairs[k >> 1].i, r));
  }
  // Most renamed calls fail on keyword names (TypeError); some must reach an assert, which
  // shows the checks themselves ran and rejected the answer.
  const wrongAnswers = results.filter((r, k) => k & 1 && r.verdict === 'wrong_answer').length;
  assert.ok(wrongAnswers >= 5, `only ${wrongAnswers} renamed solutions reached a failing assert`);
});

// One problem at a time, the two measurements the editor's code lenses offer on a dataset
// line ("Verify", "Sample k rollouts" -> "Pass rate: 3/8"), the same ones the pipeline's
// filters make, so the lens and `rlvr curate` never disagree.
import type { VerifyResult } from '../../../shared/verify.js';
import type { VerifyFn } from './filter.js';
import type { SampleFn } from './filters/difficulty.js';
import { taskOf, type Problem } from './problem.js';

/**
 * The reference through the verifier: a math answer boxed and checked against itself,
 * a code problem's first reference solution run on its tests. Null when a code problem
 * has no reference solution.
 */
export async function verifyReference(p: Problem, verify: VerifyFn): Promise<VerifyResult | null> {
  if (p.kind === 'math') return verify(taskOf(p), `The answer is $\\boxed{${p.answer ?? ''}}$.`);
  const solution = p.solutions?.[0];
  if (!solution) return null;
  return verify(taskOf(p), '```python\n' + solution.replace(/\s+$/, '') + '\n```');
}

/** k sampled responses, each with the verifier's result. */
export async function sampleAndVerify(p: Problem, k: number, sample: SampleFn, verify: VerifyFn): Promise<{ responses: string[]; results: VerifyResult[]; passed: number }> {
  const responses = await sample(p, k);
  const results = await Promise.all(responses.map((r) => verify(taskOf(p), r)));
  return { responses, results, passed: results.filter((r) => r.reward === 1).length };
}

/** How many of k sampled responses the verifier accepts. */
export async function passCount(p: Problem, k: number, sample: SampleFn, verify: VerifyFn): Promise<number> {
  return (await sampleAndVerify(p, k, sample, verify)).passed;
}

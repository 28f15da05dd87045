// The reference check the editor's "Verify" lens and curation's reference-fails filter both
// make. ("Sample k rollouts" -> "Pass rate: 3/8" is engine/pass-rates.ts's measurement, the
// one the difficulty filter makes.)
import type { VerifyResult } from '../../../shared/verify.js';
import type { VerifyFn } from './filter.js';
import { taskOf, type Problem } from '../records/record.js';

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

// The engine's view of the verifiers (daemon/verify): one batched call that resolves in input
// order, and a close() for the sandbox pool. Rewards live with the tasks, not in the trainer.
// Training only needs the reward, so code stops at its first failing test. Programs are
// deterministic, so identical (task, program) pairs - frequent once the policy sharpens, and
// across the k samples of an evaluation - are run once and their verdict reused.
import type { VerifyResult, VerifyTask } from '../../shared/verify.js';
import { extractProgram, verifyCode } from '../verify/code/index.js';
import { closeVerifiers, verify as verifyOne } from '../verify/index.js';
import type { VerifyBatch } from './rollouts.js';

/** Cached code verdicts kept at most; the oldest go first. */
const CACHE_LIMIT = 20000;

export async function openVerifier(): Promise<{ verify: VerifyBatch; close: () => Promise<void>; stats: { runs: number; hits: number } }> {
  const cache = new Map<string, Promise<VerifyResult>>();
  const stats = { runs: 0, hits: 0 };
  const codeVerdict = (task: VerifyTask & { kind: 'code' }, response: string): Promise<VerifyResult> => {
    const program = extractProgram(response);
    if (program === null) return verifyCode(task, response);
    const key = `${JSON.stringify(task)}\u0000${program}`;
    const hit = cache.get(key);
    if (hit) {
      stats.hits++;
      return hit;
    }
    stats.runs++;
    const p = verifyCode(task, response, { stopOnFailure: true });
    cache.set(key, p);
    // A failure of the verifier itself is not a property of the program: never reuse it.
    p.then((r) => r.verdict === 'sandbox_error' || r.verdict === 'verifier_error' ? cache.delete(key) : undefined, () => cache.delete(key));
    if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    return p;
  };
  const verify: VerifyBatch = (items) =>
    // Math goes through the worker pool: off the training thread, with a hard deadline per answer.
    Promise.all(items.map(({ task, response }) => (task.kind === 'math' ? verifyOne(task, response) : codeVerdict(task, response))));
  return { verify, close: closeVerifiers, stats };
}

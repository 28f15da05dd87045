// The engine's view of the verifiers (daemon/verify): one batched call that resolves in input
// order, and a close() for the sandbox pool. Rewards live with the tasks, not in the trainer.
// Training only needs the reward, so code stops at its first failing test.
import type { VerifyResult } from '../../shared/verify.js';
import { closeDefaultPools, verifyCode } from '../verify/code/index.js';
import { verifyMath } from '../verify/math/index.js';
import type { VerifyBatch } from './rollouts.js';

export async function openVerifier(): Promise<{ verify: VerifyBatch; close: () => Promise<void> }> {
  const verify: VerifyBatch = (items) =>
    Promise.all(
      items.map(async ({ task, response }): Promise<VerifyResult> => {
        if (task.kind === 'math') return verifyMath(task, response);
        return verifyCode(task, response, { stopOnFailure: true });
      }),
    );
  return { verify, close: closeDefaultPools };
}

// "Sample k rollouts" on the server's own thread, as the daemon did before it had a sampler
// thread: the before/after benchmark's baseline (RLVR_BENCH_ENGINE_ON_SERVER_THREAD=1), with
// the old turns of the event loop between batches of four rows so the socket was answered.
import { CheckpointSampler, type SampledProblem, type SampleProblemJob, type VerifyOne } from '../sample-problem.js';
import type { ProblemSamplerHost } from './sampler-thread.js';

/** Two turns: vscode-jsonrpc reads a message in the poll phase and handles it on a setImmediate of its own. */
async function yieldToSocket(): Promise<void> {
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
}

export class SamplerOnThisThread implements ProblemSamplerHost {
  private readonly sampler = new CheckpointSampler();

  sample(job: SampleProblemJob, verify: VerifyOne): Promise<SampledProblem> {
    return this.sampler.sample({ ...job, rowsPerCall: 4 }, verify, yieldToSocket);
  }

  dispose(): void {
    this.sampler.dispose();
  }
}

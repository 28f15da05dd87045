// Runs "Sample k rollouts" in a worker thread (sampler-worker.ts): loading a checkpoint and
// generating k responses no longer hold the server's thread, so every other client is
// answered meanwhile (before, the sampler yielded to the socket between batches of four
// rows). Responses are verified here, with the server's verifier. A thread that dies (out of
// memory, a crash) fails its job with a typed error and the next job starts a fresh one.
import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { ErrorCodes } from '../../../shared/protocol.js';
import { RlvrError } from '../../../shared/errors.js';
import type { SampledProblem, SampleProblemJob, VerifyOne } from '../sample-problem.js';
import { fromErrorPayload, toErrorPayload } from './error-payload.js';
import type { FromSampler, ToSampler } from './sampler-messages.js';

/** Where "Sample k rollouts" runs: its own thread here; the server's for the benchmark's baseline. */
export interface ProblemSamplerHost {
  /** One job at a time: the caller queues them. */
  sample(job: SampleProblemJob, verify: VerifyOne): Promise<SampledProblem>;
  /** Lets go of the loaded checkpoint (and the thread). */
  dispose(): void;
}

export class SamplerThread implements ProblemSamplerHost {
  private worker: Worker | null = null;
  private current: { resolve: (v: SampledProblem) => void; reject: (e: Error) => void; verify: VerifyOne } | null = null;

  sample(job: SampleProblemJob, verify: VerifyOne): Promise<SampledProblem> {
    if (this.current) return Promise.reject(new RlvrError(ErrorCodes.Internal, 'the sampler thread is busy: jobs must be queued'));
    const w = (this.worker ??= this.start());
    return new Promise<SampledProblem>((resolve, reject) => {
      this.current = { resolve, reject, verify };
      w.postMessage({ kind: 'sample', job } satisfies ToSampler);
    });
  }

  private start(): Worker {
    const w = new Worker(new URL('./sampler-worker.js', import.meta.url), {
      // As large as the server's own heap, stated so that running out ends the thread, not the daemon.
      resourceLimits: { maxOldGenerationSizeMb: Math.ceil(getHeapStatistics().heap_size_limit / 2 ** 20) },
    });
    w.unref(); // an idle sampler never holds the daemon open
    const settle = (fn: (c: NonNullable<SamplerThread['current']>) => void) => {
      const c = this.current;
      this.current = null;
      if (c) fn(c);
    };
    w.on('message', (m: FromSampler) => {
      if (m.kind === 'verify') {
        const verify = this.current?.verify;
        if (!verify) return;
        verify(m.task, m.response).then(
          (result) => w.postMessage({ kind: 'verified', id: m.id, result } satisfies ToSampler),
          (err: unknown) => w.postMessage({ kind: 'verifyFailed', id: m.id, error: toErrorPayload(err) } satisfies ToSampler),
        );
      } else if (m.kind === 'sampled') settle((c) => c.resolve(m.value));
      else settle((c) => c.reject(fromErrorPayload(m.error)));
    });
    let crash: Error | undefined;
    w.on('error', (err) => (crash = err));
    w.on('exit', (code) => {
      if (this.worker === w) this.worker = null;
      settle((c) => c.reject(new RlvrError(ErrorCodes.Internal, crash ? `the sampler thread died: ${crash.message}` : `the sampler thread exited with code ${code}`)));
    });
    return w;
  }

  dispose(): void {
    const w = this.worker;
    this.worker = null;
    void w?.terminate();
  }
}

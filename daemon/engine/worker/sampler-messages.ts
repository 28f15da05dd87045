// What crosses between the server thread and the sampler thread (sampler-thread.ts starts it,
// sampler-worker.ts runs in it): a job in, verify calls out and their results back, then the
// measurement or a typed error. Types only: both threads import this.
import type { VerifyResult, VerifyTask } from '../../../shared/verify.js';
import type { SampledProblem, SampleProblemJob } from '../sample-problem.js';
import type { ErrorPayload } from './messages.js';

export type ToSampler = { kind: 'sample'; job: SampleProblemJob } | { kind: 'verified'; id: number; result: VerifyResult } | { kind: 'verifyFailed'; id: number; error: ErrorPayload };

export type FromSampler =
  | { kind: 'verify'; id: number; task: VerifyTask; response: string }
  | { kind: 'sampled'; value: SampledProblem }
  | { kind: 'failed'; error: ErrorPayload };

// "Sample k rollouts" on a dataset line: k responses from a policy checkpoint, each through
// the real verifiers, the count recorded for the problem's "Pass rate: n/k" lens. The count is
// engine/pass-rates.ts's measurement, the one curation and held-out evaluation make.
// The policy runs in a thread of its own (engine/worker/sampler-thread.ts), so other clients
// are answered while it loads and samples; requests go one at a time, the response budget
// is capped, and the checkpoint is let go when unused.
import path from 'node:path';
import { ErrorCodes, type ProblemPassRate, type SampleProblemParams } from '../../shared/protocol.js';
import { RlvrError } from '../../shared/errors.js';
import type { VerifyResult, VerifyTask } from '../../shared/verify.js';
import { CURATE_TEMPERATURE, CURATE_TOP_P } from '../data/curate/policy-sampler.js';
import { problemKey, type PassRateBook } from '../data/curate/pass-rates.js';
import { isFieldError, toProblem } from '../data/records/record.js';
import type { ProblemSamplerHost } from '../engine/worker/sampler-thread.js';
import { modelFolderKind } from '../model/load.js';
import type { RunStore } from '../store/index.js';
import { ENGINE_ON_SERVER_THREAD_ENV } from './runs.js';

export const DEFAULT_SAMPLE_K = 8;
export const MAX_SAMPLE_K = 64;
export const DEFAULT_MAX_NEW_TOKENS = 256;

export interface SamplerDeps {
  store: RunStore;
  book: PassRateBook;
  verify: (task: VerifyTask, response: string) => Promise<VerifyResult>;
}

export interface CheckpointChoice {
  dir: string;
  label: string;
}

/** A policy unused this long is let go: a large checkpoint should not sit in the daemon's memory. */
const IDLE_UNLOAD_MS = 5 * 60_000;

// Loaded on first use: the thread host is small; the same-thread baseline pulls in TensorFlow.js.
async function startHost(): Promise<ProblemSamplerHost> {
  if (process.env[ENGINE_ON_SERVER_THREAD_ENV] === '1') {
    const { SamplerOnThisThread } = await import('../engine/worker/sampler-same-thread.js');
    return new SamplerOnThisThread();
  }
  const { SamplerThread } = await import('../engine/worker/sampler-thread.js');
  return new SamplerThread();
}

export class ProblemSampler {
  private host: Promise<ProblemSamplerHost> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private idleTimer: NodeJS.Timeout | null = null;
  private pending = 0;

  constructor(private readonly deps: SamplerDeps) {}

  /** The latest checkpoint of the most recent run that has one, else the shipped warm start. */
  async defaultCheckpoint(): Promise<CheckpointChoice> {
    for (const run of this.deps.store.listRuns({ limit: 50 })) {
      if (run.readOnly) continue;
      const ck = this.deps.store.lastCheckpoint(run.id);
      const dir = ck ? path.join(ck.path, 'policy') : null;
      if (dir && modelFolderKind(dir)) return { dir, label: `${run.name} · ${path.basename(ck!.path)}` };
    }
    const { WARMSTART_DIR } = await import('../engine/run.js');
    return { dir: WARMSTART_DIR, label: 'warm start' };
  }

  sample(p: SampleProblemParams): Promise<ProblemPassRate> {
    // One at a time: they share the loaded policy, and the machine.
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.pending += 1;
    const next = this.queue.then(() => this.run(p)).finally(() => {
      this.pending -= 1;
      if (this.pending === 0) this.idleTimer = setTimeout(() => this.dispose(), IDLE_UNLOAD_MS).unref();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async run(p: SampleProblemParams): Promise<ProblemPassRate> {
    const problem = toProblem(p.record, p.file, p.line);
    if (isFieldError(problem)) {
      throw new RlvrError(ErrorCodes.InvalidParams, `${p.file}:${p.line}: ${problem.field}: ${problem.reason}`, { file: p.file, line: p.line, field: problem.field });
    }
    const k = p.k ?? DEFAULT_SAMPLE_K;
    if (k > MAX_SAMPLE_K) throw new RlvrError(ErrorCodes.InvalidParams, `invalid params: params.k must be at most ${MAX_SAMPLE_K}, got ${k}`, { field: 'params.k' });
    const choice = p.checkpoint ? { dir: path.resolve(p.checkpoint), label: path.basename(p.checkpoint) } : await this.defaultCheckpoint();
    // Curation's sampling settings (temperature 0.6, top_p 0.95), the request's budget and
    // seed: the same count as `rlvr curate --seed S` and `rlvr eval --seed S` give for this
    // checkpoint and problem.
    const sampling = { maxNewTokens: p.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS, temperature: CURATE_TEMPERATURE, topP: CURATE_TOP_P, seed: p.seed ?? 0 };
    const host = await (this.host ??= startHost());
    const m = await host.sample({ dir: choice.dir, label: choice.label, problem, k, sampling }, this.deps.verify);
    const measured: ProblemPassRate = {
      problemKey: problemKey(problem),
      passed: m.passed,
      k,
      verifierFailed: m.verifierFailed,
      checkpoint: choice.dir,
      checkpointLabel: choice.label,
      measuredAt: new Date().toISOString(),
      samples: m.samples,
    };
    this.deps.book.record(measured);
    return measured;
  }

  dispose(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const host = this.host;
    this.host = null;
    void host?.then((h) => h.dispose());
  }
}

// "Sample k rollouts" on a dataset line: k responses from a policy checkpoint, each through
// the real verifiers, the count recorded for the problem's "Pass rate: n/k" lens. The count is
// engine/pass-rates.ts's measurement, the one curation and held-out evaluation make.
// The policy runs in the daemon's own process, beside the socket: requests go one at a
// time, the response budget is capped, and the k samples are drawn a few rows at a time
// with a turn of the event loop between, so other clients are answered while it samples.
import path from 'node:path';
import { ErrorCodes, type ProblemPassRate, type SampleProblemParams } from '../../shared/protocol.js';
import { RlvrError } from '../../shared/errors.js';
import type { VerifyResult, VerifyTask } from '../../shared/verify.js';
import { CURATE_TEMPERATURE, CURATE_TOP_P } from '../data/curate/policy-sampler.js';
import { problemKey, type PassRateBook } from '../data/curate/pass-rates.js';
import { isFieldError, toProblem } from '../data/records/record.js';
import { measurePassRates, responseRoom, verifyEach } from '../engine/pass-rates.js';
import type { LanguageModel } from '../model/language-model.js';
import { modelFolderKind } from '../model/load.js';
import type { RunStore } from '../store/index.js';

export const DEFAULT_SAMPLE_K = 8;
export const MAX_SAMPLE_K = 64;
export const DEFAULT_MAX_NEW_TOKENS = 256;
/** Rows per generate() call: the longest stretch the socket waits is one such batch. */
const ROWS_PER_CALL = 4;

export interface SamplerDeps {
  store: RunStore;
  book: PassRateBook;
  verify: (task: VerifyTask, response: string) => Promise<VerifyResult>;
  /** Activates the tfjs backend (the server's backend report does it once). */
  initBackend: () => Promise<unknown>;
}

export interface CheckpointChoice {
  dir: string;
  label: string;
}

/**
 * Lets requests that arrived meanwhile be answered. Two turns: vscode-jsonrpc reads a message
 * in the poll phase and handles it on a setImmediate of its own, which runs after ours.
 */
async function yieldToSocket(): Promise<void> {
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
}

/** A policy unused this long is let go: a large checkpoint should not sit in the daemon's memory. */
const IDLE_UNLOAD_MS = 5 * 60_000;

export class ProblemSampler {
  private loaded: { dir: string; model: LanguageModel } | null = null;
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
    const model = await this.model(choice.dir);
    const room = responseRoom(model, [problem]);
    if (room < 1) {
      throw new RlvrError(ErrorCodes.InvalidParams, `${p.file}:${p.line}: the prompt does not fit the policy's context (${model.contextLength} tokens) of ${choice.label}`, {
        file: p.file,
        line: p.line,
      });
    }
    // Curation's sampling settings (temperature 0.6, top_p 0.95), the request's budget and seed,
    // a few rows per generate() call with the socket answered between: the same count as
    // `rlvr curate --seed S` and `rlvr eval --seed S` give for this checkpoint and problem.
    const [m] = await measurePassRates(
      model,
      verifyEach(this.deps.verify),
      [problem],
      k,
      { maxNewTokens: Math.min(p.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS, room), temperature: CURATE_TEMPERATURE, topP: CURATE_TOP_P, seed: p.seed ?? 0 },
      { rowsPerCall: ROWS_PER_CALL, beforeCall: yieldToSocket, keepSamples: true },
    );
    const measured: ProblemPassRate = {
      problemKey: problemKey(problem),
      passed: m.passed,
      k,
      verifierFailed: m.verifierFailed,
      checkpoint: choice.dir,
      checkpointLabel: choice.label,
      measuredAt: new Date().toISOString(),
      samples: m.samples!.map(({ response, result }) => ({ response, reward: result.reward, verdict: result.verdict })),
    };
    this.deps.book.record(measured);
    return measured;
  }

  private async model(dir: string): Promise<LanguageModel> {
    if (this.loaded?.dir === dir) return this.loaded.model;
    const { loadModel } = await import('../model/load.js');
    if (!modelFolderKind(dir)) {
      throw new RlvrError(ErrorCodes.InvalidParams, `not a model checkpoint (no manifest.json or config.json): ${dir}`, { file: dir });
    }
    await this.deps.initBackend();
    const model = await loadModel(dir);
    this.loaded?.model.dispose();
    this.loaded = { dir, model };
    return model;
  }

  dispose(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.loaded?.model.dispose();
    this.loaded = null;
  }
}

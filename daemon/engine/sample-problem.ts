// "Sample k rollouts" for one dataset problem, the engine's side: a checkpoint loaded once and
// kept, k samples drawn and verified by engine/pass-rates.ts's measurement (the one curation
// and held-out evaluation make), the responses kept for the lens. The daemon runs this in a
// thread of its own (worker/sampler-thread.ts); the verifier stays on the server's side.
import { ErrorCodes } from '../../shared/protocol.js';
import { RlvrError } from '../../shared/errors.js';
import type { Verdict, VerifyResult, VerifyTask } from '../../shared/verify.js';
import type { Problem } from '../data/records/record.js';
import type { LanguageModel } from '../model/language-model.js';
import { measurePassRates, responseRoom, verifyEach, type PassRateSampling } from './pass-rates.js';

export interface SampleProblemJob {
  /** The checkpoint folder, and how to name it in messages. */
  dir: string;
  label: string;
  problem: Problem;
  k: number;
  /** The caller's sampling settings; maxNewTokens is cut to what the prompt leaves of the context. */
  sampling: PassRateSampling;
  /** Rows per generate() call (the default bounds memory). */
  rowsPerCall?: number;
}

export interface SampledProblem {
  passed: number;
  verifierFailed: number;
  samples: { response: string; reward: number; verdict: Verdict }[];
}

export type VerifyOne = (task: VerifyTask, response: string) => Promise<VerifyResult>;

export class CheckpointSampler {
  private loaded: { dir: string; model: LanguageModel } | null = null;

  /** `beforeCall`: awaited before each generate() call (only the same-thread baseline needs it). */
  async sample(job: SampleProblemJob, verify: VerifyOne, beforeCall?: () => Promise<void>): Promise<SampledProblem> {
    const model = await this.model(job.dir);
    const { problem } = job;
    const room = responseRoom(model, [problem]);
    if (room < 1) {
      throw new RlvrError(ErrorCodes.InvalidParams, `${problem.source.file}:${problem.source.line}: the prompt does not fit the policy's context (${model.contextLength} tokens) of ${job.label}`, {
        file: problem.source.file,
        line: problem.source.line,
      });
    }
    const [m] = await measurePassRates(model, verifyEach(verify), [problem], job.k, { ...job.sampling, maxNewTokens: Math.min(job.sampling.maxNewTokens, room) }, {
      rowsPerCall: job.rowsPerCall,
      beforeCall,
      keepSamples: true,
    });
    return { passed: m.passed, verifierFailed: m.verifierFailed, samples: m.samples!.map(({ response, result }) => ({ response, reward: result.reward, verdict: result.verdict })) };
  }

  private async model(dir: string): Promise<LanguageModel> {
    if (this.loaded?.dir === dir) return this.loaded.model;
    const { loadModel, modelFolderKind } = await import('../model/load.js');
    if (!modelFolderKind(dir)) {
      throw new RlvrError(ErrorCodes.InvalidParams, `not a model checkpoint (no manifest.json or config.json): ${dir}`, { file: dir });
    }
    const { initBackend } = await import('../model/backend.js');
    await initBackend();
    const model = await loadModel(dir);
    this.loaded?.model.dispose();
    this.loaded = { dir, model };
    return model;
  }

  dispose(): void {
    this.loaded?.model.dispose();
    this.loaded = null;
  }
}

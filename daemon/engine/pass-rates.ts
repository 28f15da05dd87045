// "Sample k, verify, count": the one measurement behind held-out evaluation, the easy-prompt
// filter, curation's difficulty filter and the editor's "Pass rate: n/k" lens, so their numbers
// agree by construction. Each sample's seed derives from the caller's seed, the problem's
// content (problemKey) and the sample's index, never from its place in a batch, so the same
// checkpoint, problem, sampling settings and seed give the same count whoever asks and
// however the problems are batched. Samples the verifier itself failed on (sandbox error,
// verifier error, checker timeout) are counted apart: they say nothing about the policy.
import type { VerifyResult, VerifyTask } from '../../shared/verify.js';
import { isVerifierFailure } from '../../shared/verify.js';
import { problemKey, taskOf, type Problem } from '../data/records/record.js';
import { fnv1a, streamSeed } from '../util/random.js';
import type { LanguageModel } from '../model/language-model.js';
import { promptIds } from './prompt.js';
import { endAtStop, type VerifyBatch } from './rollouts.js';

/** The sampling settings of a measurement: every caller states its own. */
export interface PassRateSampling {
  /** Response budget; every prompt plus this must fit the policy's context. */
  maxNewTokens: number;
  temperature: number;
  topP: number;
  seed: number;
}

export interface PassRateOptions {
  /** Rows per generate() call (default 256: bounds memory, keeps the batch large). */
  rowsPerCall?: number;
  /** Awaited before each generate() call (the daemon lets its socket answer there). */
  beforeCall?: () => Promise<void>;
  /** Keep every response and verdict (the lens shows them). */
  keepSamples?: boolean;
}

export interface MeasuredPassRate {
  problem: Problem;
  k: number;
  /** Samples the verifier accepted. */
  passed: number;
  /** Samples the verifier could not judge (isVerifierFailure): neither right nor wrong. */
  verifierFailed: number;
  samples?: { response: string; result: VerifyResult }[];
}

const DEFAULT_ROWS_PER_CALL = 256;

/** A one-at-a-time verify (daemon/verify's verify()) as the batched call measurements make. */
export function verifyEach(verify: (task: VerifyTask, response: string) => Promise<VerifyResult>): VerifyBatch {
  return (items) => Promise.all(items.map((it) => verify(it.task, it.response)));
}

/** The longest response every one of `problems` leaves room for in the policy's context. */
export function responseRoom(policy: LanguageModel, problems: readonly Problem[]): number {
  return problems.reduce((room, p) => Math.min(room, policy.contextLength - promptIds(policy.tokenizer, p).length), policy.contextLength);
}

/** Sample j of a problem: a stream of its own, the same in any batch (GenerateOptions.rowSeeds). */
export function sampleSeed(seed: number, p: Problem, j: number): number {
  return streamSeed(streamSeed(seed >>> 0, fnv1a(problemKey(p))), j);
}

export async function measurePassRates(
  policy: LanguageModel,
  verify: VerifyBatch,
  problems: readonly Problem[],
  k: number,
  sampling: PassRateSampling,
  opts: PassRateOptions = {},
): Promise<MeasuredPassRate[]> {
  if (!Number.isInteger(k) || k < 1) throw new Error(`measurePassRates: k must be an integer >= 1, got ${k}`);
  const tok = policy.tokenizer;
  const ids = problems.map((p) => {
    const prompt = promptIds(tok, p);
    if (prompt.length + sampling.maxNewTokens > policy.contextLength) {
      throw new Error(`${p.source.file}:${p.source.line}: the prompt (${prompt.length} tokens) plus ${sampling.maxNewTokens} response tokens exceeds the policy's context (${policy.contextLength})`);
    }
    return prompt;
  });
  const out: MeasuredPassRate[] = problems.map((problem) => ({ problem, k, passed: 0, verifierFailed: 0, ...(opts.keepSamples ? { samples: [] } : {}) }));
  const rows = problems.flatMap((_, p) => Array.from({ length: k }, (_, j) => ({ p, j })));
  const perCall = Math.max(1, opts.rowsPerCall ?? DEFAULT_ROWS_PER_CALL);
  for (let start = 0; start < rows.length; start += perCall) {
    const chunk = rows.slice(start, start + perCall);
    await opts.beforeCall?.();
    const gens = await policy.generate(chunk.map((r) => ids[r.p]), {
      maxNewTokens: sampling.maxNewTokens,
      temperature: sampling.temperature,
      topP: sampling.topP,
      seed: sampling.seed,
      rowSeeds: chunk.map((r) => sampleSeed(sampling.seed, problems[r.p], r.j)),
      stopIds: tok.stopIds,
    });
    const texts = gens.map((g) => tok.decode(endAtStop(g, tok.stopIds).tokens));
    const results = await verify(texts.map((response, i) => ({ task: taskOf(problems[chunk[i].p]), response })));
    results.forEach((result, i) => {
      const m = out[chunk[i].p];
      if (result.reward === 1) m.passed++;
      else if (isVerifierFailure(result.verdict)) m.verifierFailed++;
      m.samples?.push({ response: texts[i], result });
    });
  }
  return out;
}

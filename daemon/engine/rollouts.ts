// Sample responses for a batch of problems and score them: the trainer's rollouts. Held-out
// evaluation and the filters measure pass rates through pass-rates.ts, with the same prompt
// framing (prompt.ts), stop handling (endAtStop) and verifiers.
import type { VerifyResult, VerifyTask } from '../../shared/verify.js';
import { taskOf, type Problem } from '../../shared/problem.js';
import type { Generation, LanguageModel } from '../model/language-model.js';
import { promptIds } from './prompt.js';

/** Scores many responses; resolves in input order. */
export type VerifyBatch = (items: { task: VerifyTask; response: string }[]) => Promise<VerifyResult[]>;

export interface Rollout {
  problem: Problem;
  /** Index within the problem's group. */
  sampleIndex: number;
  promptIds: number[];
  /** Sampled ids, ending with eos unless truncated (eos is trained on: it teaches stopping). */
  responseIds: number[];
  text: string;
  truncated: boolean;
  /** Sampling-time log-probs and entropies, one per response id. */
  logProbs: number[];
  entropy: number[];
  result: VerifyResult;
}

export interface SampleOptions {
  groupSize: number;
  maxNewTokens: number;
  temperature: number;
  topP: number;
  seed: number;
}

export interface ScoredBatch {
  rollouts: Rollout[];
  sampleSeconds: number;
  verifySeconds: number;
  /** Response tokens sampled. */
  tokens: number;
}

/** A response ends at its first stop token: nothing after it is the policy's answer (nor trained on). */
export function endAtStop(g: Generation, stops: readonly number[]): Generation {
  const i = g.tokens.findIndex((t) => stops.includes(t));
  if (i < 0 || i === g.tokens.length - 1) return g;
  return { tokens: g.tokens.slice(0, i + 1), truncated: false, logProbs: g.logProbs.slice(0, i + 1), entropy: g.entropy.slice(0, i + 1) };
}

/** Row r*G + i is sample i of problems[r]; one batched generate() call for all of them. */
export async function sampleAndScore(model: LanguageModel, verify: VerifyBatch, problems: Problem[], o: SampleOptions): Promise<ScoredBatch> {
  const prompts = problems.flatMap((p) => {
    const ids = promptIds(model.tokenizer, p);
    return Array.from({ length: o.groupSize }, () => ids);
  });
  const t0 = performance.now();
  const stops = model.tokenizer.stopIds;
  const gens = (await model.generate(prompts, { maxNewTokens: o.maxNewTokens, temperature: o.temperature, topP: o.topP, seed: o.seed, stopIds: stops }))
    .map((g) => endAtStop(g, stops));
  const t1 = performance.now();
  const texts = gens.map((g) => model.tokenizer.decode(g.tokens));
  const results = await verify(texts.map((response, i) => ({ task: taskOf(problems[Math.floor(i / o.groupSize)]), response })));
  const t2 = performance.now();
  const rollouts = gens.map((g, i) => ({
    problem: problems[Math.floor(i / o.groupSize)],
    sampleIndex: i % o.groupSize,
    promptIds: prompts[i],
    responseIds: g.tokens,
    text: texts[i],
    truncated: g.truncated,
    logProbs: g.logProbs,
    entropy: g.entropy,
    result: results[i],
  }));
  return {
    rollouts,
    sampleSeconds: (t1 - t0) / 1000,
    verifySeconds: (t2 - t1) / 1000,
    tokens: gens.reduce((a, g) => a + g.tokens.length, 0),
  };
}

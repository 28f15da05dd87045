// Held-out evaluation as the paper reports it: k samples per problem at temperature 0.6 /
// top-p 0.95 (by default), avg@k = mean pass rate, pass@k by the unbiased estimator.
import type { EvalConfig } from '../../shared/config.js';
import type { Domain, Problem } from '../data/embedded/index.js';
import type { Policy } from '../model/policy.js';
import { aggregate } from './estimators.js';
import { sampleAndScore, type VerifyBatch } from './rollouts.js';

export interface DomainEval {
  domain: Domain;
  avgAtK: number;
  passAtK: number;
  k: number;
  problems: number;
  /** Correct samples per problem, in problem order. */
  correct: number[];
  seconds: number;
}

/** Problems per generate() call: bounds memory while keeping the batch large. */
const EVAL_CHUNK_ROWS = 256;

export async function evaluateProblems(
  policy: Policy,
  verify: VerifyBatch,
  domain: Domain,
  problems: Problem[],
  cfg: Pick<EvalConfig, 'k' | 'temperature' | 'top_p'> & { maxNewTokens: number },
  seed: number,
): Promise<DomainEval> {
  const t0 = performance.now();
  const correct: number[] = [];
  const perChunk = Math.max(1, Math.floor(EVAL_CHUNK_ROWS / cfg.k));
  for (let start = 0; start < problems.length; start += perChunk) {
    const chunk = problems.slice(start, start + perChunk);
    const { rollouts } = await sampleAndScore(policy, verify, chunk, {
      groupSize: cfg.k,
      maxNewTokens: cfg.maxNewTokens,
      temperature: cfg.temperature,
      topP: cfg.top_p,
      // The same seed for every evaluation of a run: differences come from the policy.
      seed: seed + start,
    });
    for (let p = 0; p < chunk.length; p++) {
      correct.push(rollouts.slice(p * cfg.k, (p + 1) * cfg.k).reduce((a, r) => a + r.result.reward, 0));
    }
  }
  const { avgAtK, passAtK } = aggregate(correct.map((c) => ({ n: cfg.k, c })), cfg.k);
  return { domain, avgAtK, passAtK, k: cfg.k, problems: problems.length, correct, seconds: (performance.now() - t0) / 1000 };
}

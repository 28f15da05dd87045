// Held-out evaluation as the paper reports it: k samples per problem at temperature 0.6 /
// top-p 0.95 (by default), avg@k = mean pass rate, pass@k by the unbiased estimator.
import type { EvalConfig } from '../../shared/config.js';
import type { Domain, Problem } from '../data/embedded/index.js';
import type { LanguageModel } from '../model/language-model.js';
import { aggregate } from './estimators.js';
import { correctPerProblem, type VerifyBatch } from './rollouts.js';

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

export async function evaluateProblems(
  model: LanguageModel,
  verify: VerifyBatch,
  domain: Domain,
  problems: Problem[],
  cfg: Pick<EvalConfig, 'k' | 'temperature' | 'top_p'> & { maxNewTokens: number },
  seed: number,
): Promise<DomainEval> {
  const t0 = performance.now();
  const sampling = { maxNewTokens: cfg.maxNewTokens, temperature: cfg.temperature, topP: cfg.top_p };
  // The same seeds for every evaluation of a run: differences come from the policy.
  const correct = await correctPerProblem(model, verify, problems, cfg.k, sampling, (start) => seed + start);
  const { avgAtK, passAtK } = aggregate(correct.map((c) => ({ n: cfg.k, c })), cfg.k);
  return { domain, avgAtK, passAtK, k: cfg.k, problems: problems.length, correct, seconds: (performance.now() - t0) / 1000 };
}

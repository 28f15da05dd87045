// Held-out evaluation as the paper reports it: k samples per problem at temperature 0.6 /
// top-p 0.95 (by default), avg@k = mean pass rate, pass@k by the unbiased estimator.
// Samples the verifier failed on (sandbox or verifier error, checker timeout) are counted
// apart and reported: a domain whose samples all failed there is not a 0% policy.
import type { EvalConfig } from '../../shared/config.js';
import type { VerifierFailures } from '../../shared/eval-report.js';
import type { Problem, ProblemKind } from '../../shared/problem.js';
import type { LanguageModel } from '../model/language-model.js';
import { aggregate } from './estimators.js';
import { measurePassRates } from './pass-rates.js';
import type { VerifyBatch } from './rollouts.js';

export interface DomainEval {
  domain: ProblemKind;
  avgAtK: number;
  passAtK: number;
  k: number;
  problems: number;
  /** Correct samples per problem, in problem order. */
  correct: number[];
  /** Samples (of problems * k) the verifier could not judge. */
  verifierFailed: number;
  seconds: number;
}

export async function evaluateProblems(
  model: LanguageModel,
  verify: VerifyBatch,
  domain: ProblemKind,
  problems: Problem[],
  cfg: Pick<EvalConfig, 'k' | 'temperature' | 'top_p'> & { maxNewTokens: number },
  seed: number,
): Promise<DomainEval> {
  const t0 = performance.now();
  // The evaluation's own settings (eval: in the config, or rlvr eval's flags); the same seed at
  // every evaluation of a run, so differences come from the policy.
  const measured = await measurePassRates(model, verify, problems, cfg.k, { maxNewTokens: cfg.maxNewTokens, temperature: cfg.temperature, topP: cfg.top_p, seed });
  const correct = measured.map((m) => m.passed);
  const verifierFailed = measured.reduce((a, m) => a + m.verifierFailed, 0);
  const { avgAtK, passAtK } = aggregate(correct.map((c) => ({ n: cfg.k, c })), cfg.k);
  return { domain, avgAtK, passAtK, k: cfg.k, problems: problems.length, correct, verifierFailed, seconds: (performance.now() - t0) / 1000 };
}

/** The failures as the reports count them: failed samples out of problems * k. */
export function verifierFailures(e: Pick<DomainEval, 'verifierFailed' | 'problems' | 'k'>): VerifierFailures {
  return { failed: e.verifierFailed, samples: e.problems * e.k };
}

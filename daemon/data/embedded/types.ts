import type { VerifyTask } from '../../../shared/verify.js';

export type Domain = 'math' | 'code';

/** One training or evaluation problem: what the policy sees, what a verifier checks. */
export interface Problem {
  /** Stable within its dataset, e.g. `math:train:42` (the pass-rate map keys on it). */
  id: string;
  domain: Domain;
  /** Difficulty rung, 1 (easiest) upward. */
  level: number;
  prompt: string;
  /** A reference response (worked solution ending in \boxed{}, or a ```python block): SFT targets. */
  solution: string;
  /** Code: a function header to start from (LeetCode style), shown to chat models. */
  starterCode?: string;
  task: VerifyTask;
}

/** What a generator returns for one draw; the dataset adds the id. */
export type Draft = Omit<Problem, 'id' | 'domain'>;

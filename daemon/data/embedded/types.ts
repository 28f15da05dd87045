import type { VerifyTask } from '../../../shared/verify.js';

export type { Problem, ProblemKind } from '../../../shared/problem.js';

/** What a generator returns for one draw; the dataset turns it into a Problem with an id. */
export interface Draft {
  /** Difficulty rung, 1 (easiest) upward. */
  level: number;
  prompt: string;
  /** A reference response (worked solution ending in \boxed{}, or a ```python block): SFT targets. */
  solution: string;
  task: VerifyTask;
}

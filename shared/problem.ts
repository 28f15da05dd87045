// One problem, whoever holds it: the trainer, held-out evaluation, the easy-prompt filter,
// curation and the editor's dataset lenses. `kind` says how it is verified (math: a
// reference answer; code: tests run in the sandbox). Runtime-free, like verify.ts.
import type { CodeTask, FunctionalTests, IoTest, MathTask, VerifyTask } from './verify.js';

export type ProblemKind = 'math' | 'code';

export interface Problem {
  /** Stable within its dataset, e.g. `math:train:42` or `file.jsonl:7` (pass-rate maps key on it). */
  id: string;
  kind: ProblemKind;
  /** The statement shown to the policy. */
  prompt: string;
  /** Math: the reference answer. */
  answer?: string;
  /** Code: stdin/stdout or call tests, or an assert-style check(candidate) block. */
  tests?: IoTest[] | FunctionalTests;
  fn_name?: string;
  /** Code: a function header to start from (LeetCode style), shown to chat models. */
  starterCode?: string;
  /** A reference response (worked solution ending in \boxed{}, or a ```python block): SFT targets. */
  solution?: string;
  /** Code: reference programs (Python source), run by curation's reference check. */
  solutions?: string[];
  /** Difficulty rung of the embedded generators, 1 (easiest) upward. */
  level?: number;
  /** Where it came from: a dataset file and 1-based line (embedded: `embedded:math`, its index + 1). */
  source: { file: string; line: number };
}

/** What the verifier checks a response against. */
export function taskOf(p: Problem): VerifyTask {
  if (p.kind === 'math') return { kind: 'math', answer: p.answer ?? '' } satisfies MathTask;
  const task: CodeTask = { kind: 'code', tests: p.tests ?? [] };
  if (p.fn_name) task.fn_name = p.fn_name;
  return task;
}

// The one shape every reward goes through: verify(task, response) -> VerifyResult.
// Runtime-free (no Node, no vscode) so the daemon, the extension and the webview share it.

export interface MathTask {
  kind: 'math';
  /** The reference answer, LaTeX or plain text (e.g. "\\frac{3}{4}", "-12", "(1, 2)"). */
  answer: string;
}

/** One stdin/stdout test, or, with `fn_name`, one call: `input` holds one JSON argument per line. */
export interface IoTest {
  input: string;
  output: string;
}

/** Assert-style checks, as in LeetCode / HumanEval: a `def check(candidate)` block. */
export interface FunctionalTests {
  functional: string;
}

export interface CodeTask {
  kind: 'code';
  tests: IoTest[] | FunctionalTests;
  /** Call-based tests: the function (or `Solution` method) to call. */
  fn_name?: string;
  time_limit_s?: number;
  memory_limit_mb?: number;
}

export type VerifyTask = MathTask | CodeTask;

export type MathVerdict = 'correct' | 'wrong' | 'no_answer' | 'timeout' | 'verifier_error';

export type TestVerdict =
  | 'passed'
  | 'wrong_answer'
  | 'runtime_error'
  | 'time_limit_exceeded'
  | 'memory_limit_exceeded'
  | 'syntax_error';

export type CodeVerdict = TestVerdict | 'no_code' | 'timeout' | 'sandbox_error' | 'verifier_error';

export type Verdict = MathVerdict | CodeVerdict;

/**
 * Verdicts that say the verifier could not judge (not that the answer was wrong).
 * The trainer stops a run whose rewards are all 0 for these reasons.
 */
export const VERIFIER_FAILURE_VERDICTS: readonly Verdict[] = ['timeout', 'sandbox_error', 'verifier_error'];

export function isVerifierFailure(verdict: Verdict): boolean {
  return VERIFIER_FAILURE_VERDICTS.includes(verdict);
}

export interface MathDetails {
  kind: 'math';
  /** The answer taken from the response (last \boxed{} after </think>), or null. */
  extracted: string | null;
  normalizedPred: string | null;
  normalizedGold: string;
  /** The rule that decided, e.g. "exact-integer", "rational", "set", "cas-symbolic". */
  rule: string;
  message?: string;
}

export interface TestResult {
  verdict: TestVerdict;
  input?: string;
  expected?: string;
  actual?: string;
  /** First line where expected and actual differ (1-based), for wrong_answer. */
  firstDiffLine?: number;
  stderrTail?: string;
  wallMs?: number;
  cpuMs?: number;
  peakMemoryKb?: number;
  /** Why, in a few words (e.g. "limit 6s CPU", "exited with code 0 before the test finished"). */
  message?: string;
}

export interface CodeDetails {
  kind: 'code';
  /** The program taken from the response (last ```python block), or null. */
  program: string | null;
  tests: TestResult[];
  message?: string;
}

export interface VerifyResult {
  reward: 0 | 1;
  verdict: Verdict;
  details: MathDetails | CodeDetails;
}

// Every message between the dashboard webview and the extension, as one discriminated
// union per direction. Runtime-free: the webview bundle imports it too.
import type { PassRateCell, RolloutRecord, RunSummary, StepMetrics, EvalResult } from './protocol.js';
import type { Verdict } from './verify.js';

/** The rollout table's filters, as the webview sets them. */
export interface RolloutFilter {
  stage?: string;
  step?: number;
  verdict?: Verdict;
  failedOnly?: boolean;
  truncatedOnly?: boolean;
  offset?: number;
  limit?: number;
}

export type ToWebview =
  /** Everything the dashboard draws for one run; sent on open and when the run changes. */
  | {
      type: 'snapshot';
      run: RunSummary;
      metrics: StepMetrics[];
      passRates: PassRateCell[];
      evals: EvalResult[];
      rollouts: { total: number; rollouts: RolloutRecord[]; filter: RolloutFilter };
    }
  /** One more step of a live run. */
  | { type: 'stepMetrics'; metrics: StepMetrics }
  | { type: 'run'; run: RunSummary }
  | { type: 'passRates'; cells: PassRateCell[] }
  | { type: 'rollouts'; total: number; rollouts: RolloutRecord[]; filter: RolloutFilter }
  | { type: 'error'; message: string };

export type FromWebview =
  | { type: 'ready' }
  | { type: 'openRollout'; id: number }
  | { type: 'queryRollouts'; filter: RolloutFilter };

export function isFromWebview(value: unknown): value is FromWebview {
  if (typeof value !== 'object' || value === null) return false;
  const t = (value as { type?: unknown }).type;
  return t === 'ready' || t === 'openRollout' || t === 'queryRollouts';
}

// Every verdict, for filter pickers in the Runs view and the dashboard. A Record over the
// Verdict union makes the compiler reject a list that misses or invents one.
const VERDICT_KEYS: Record<Verdict, true> = {
  correct: true,
  wrong: true,
  no_answer: true,
  passed: true,
  wrong_answer: true,
  runtime_error: true,
  time_limit_exceeded: true,
  memory_limit_exceeded: true,
  syntax_error: true,
  no_code: true,
  timeout: true,
  sandbox_error: true,
  verifier_error: true,
};
export const ALL_VERDICTS = Object.keys(VERDICT_KEYS) as Verdict[];

// Row shapes as SQLite returns them, and their mapping to and from the protocol's records:
// the one place that knows a column's snake_case name (run-store.ts and verl.ts use these).
import type { EvalResult, RolloutRecord, RunStatus, StageKind, StageSummary, StepMetrics } from '../../shared/protocol.js';
import type { CodeDetails, TestResult, Verdict, VerifyResult } from '../../shared/verify.js';
import type { NewRollout } from './sink.js';

export interface RunRow {
  id: string;
  name: string;
  status: RunStatus;
  created_at: string;
  config_path: string | null;
  config_json: string | null;
  seed: number;
  read_only: number;
  error: string | null;
}

export interface StageRow {
  run_id: string;
  idx: number;
  name: string;
  kind: StageKind;
  status: StageSummary['status'];
  steps_done: number;
  steps_planned: number;
}

export interface RolloutRow {
  id: number;
  run_id: string;
  stage_index: number;
  stage: string;
  step: number;
  global_step: number;
  problem_id: string;
  sample_index: number;
  kind: StageKind;
  prompt: string;
  response: string;
  gold: string;
  reward: number;
  advantage: number;
  verdict: Verdict;
  extracted_answer: string | null;
  prompt_tokens: number;
  response_tokens: number;
  truncated: number;
  verify_json: string | null;
}

export interface TestRow {
  rollout_id: number;
  idx: number;
  verdict: TestResult['verdict'];
  input: string | null;
  expected: string | null;
  actual: string | null;
  first_diff_line: number | null;
  stderr_tail: string | null;
  wall_ms: number | null;
  cpu_ms: number | null;
  peak_memory_kb: number | null;
}

export interface EvalRow {
  run_id: string;
  after: string;
  domain: EvalResult['domain'];
  avg_at_k: number;
  pass_at_k: number;
  k: number;
  problems: number;
  verifier_failed: number;
}

export function stageFromRow(r: StageRow): StageSummary {
  return {
    index: r.idx,
    name: r.name,
    kind: r.kind,
    status: r.status,
    stepsDone: r.steps_done,
    stepsPlanned: r.steps_planned,
  };
}

export function rolloutFromRow(r: RolloutRow): RolloutRecord {
  return {
    id: r.id,
    runId: r.run_id,
    stage: r.stage,
    step: r.step,
    problemId: r.problem_id,
    sampleIndex: r.sample_index,
    kind: r.kind,
    prompt: r.prompt,
    response: r.response,
    gold: r.gold,
    reward: r.reward,
    advantage: r.advantage,
    verdict: r.verdict,
    extractedAnswer: r.extracted_answer,
    promptTokens: r.prompt_tokens,
    responseTokens: r.response_tokens,
    truncated: r.truncated !== 0,
  };
}

/** The row a new rollout is stored as; its test results go to their own table (testToRow). */
export function rolloutToRow(r: NewRollout, at: { runId: string; stageIndex: number; globalStep: number }): Omit<RolloutRow, 'id'> {
  return {
    run_id: at.runId,
    stage_index: at.stageIndex,
    stage: r.stage,
    step: r.step,
    global_step: at.globalStep,
    problem_id: r.problemId,
    sample_index: r.sampleIndex,
    kind: r.kind,
    prompt: r.prompt,
    response: r.response,
    gold: r.gold,
    reward: r.reward,
    advantage: r.advantage,
    verdict: r.verdict,
    extracted_answer: r.extractedAnswer,
    prompt_tokens: r.promptTokens,
    response_tokens: r.responseTokens,
    truncated: r.truncated ? 1 : 0,
    verify_json: r.verify ? JSON.stringify(withoutTests(r.verify)) : null,
  };
}

function withoutTests(v: VerifyResult): VerifyResult {
  if (v.details.kind !== 'code') return v;
  const { tests: _tests, ...rest } = v.details;
  return { ...v, details: { ...rest, tests: [] } as CodeDetails };
}

export function testToRow(rolloutId: number, idx: number, t: TestResult): TestRow {
  return {
    rollout_id: rolloutId,
    idx,
    verdict: t.verdict,
    input: t.input ?? null,
    expected: t.expected ?? null,
    actual: t.actual ?? null,
    first_diff_line: t.firstDiffLine ?? null,
    stderr_tail: t.stderrTail ?? null,
    wall_ms: t.wallMs ?? null,
    cpu_ms: t.cpuMs ?? null,
    peak_memory_kb: t.peakMemoryKb ?? null,
  };
}

/** Drops the columns SQLite stored as NULL, so a record reads back as it was written. */
export function testFromRow(r: TestRow): TestResult {
  const t: TestResult = { verdict: r.verdict };
  if (r.input !== null) t.input = r.input;
  if (r.expected !== null) t.expected = r.expected;
  if (r.actual !== null) t.actual = r.actual;
  if (r.first_diff_line !== null) t.firstDiffLine = r.first_diff_line;
  if (r.stderr_tail !== null) t.stderrTail = r.stderr_tail;
  if (r.wall_ms !== null) t.wallMs = r.wall_ms;
  if (r.cpu_ms !== null) t.cpuMs = r.cpu_ms;
  if (r.peak_memory_kb !== null) t.peakMemoryKb = r.peak_memory_kb;
  return t;
}

export function evalFromRow(r: EvalRow): EvalResult {
  return {
    runId: r.run_id,
    after: r.after,
    domain: r.domain,
    avgAtK: r.avg_at_k,
    passAtK: r.pass_at_k,
    k: r.k,
    problems: r.problems,
    verifierFailed: r.verifier_failed,
  };
}

export function metricsFromJson(json: string): StepMetrics {
  return JSON.parse(json) as StepMetrics;
}

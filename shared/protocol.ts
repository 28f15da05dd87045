// Every daemon method and notification, declared once. The server registers handlers
// with these constants and the extension calls them with the same constants: nobody
// types a method string by hand. Runtime-free: the webview imports this file too.

import type { VerifyResult, VerifyTask, Verdict, TestResult } from './verify.js';

export interface RequestType<P, R> {
  readonly method: string;
  /** Phantom fields: carry the parameter and result types, never set. */
  readonly _params?: P;
  readonly _result?: R;
}

export interface NotificationType<P> {
  readonly method: string;
  readonly _params?: P;
}

function request<P, R>(method: `rlvr/${string}`): RequestType<P, R> {
  return { method };
}

function notification<P>(method: `rlvr/${string}`): NotificationType<P> {
  return { method };
}

// ---- data types -----------------------------------------------------------

export type StageKind = 'sft' | 'math' | 'code';
export type RunStatus = 'running' | 'paused' | 'finished' | 'failed' | 'stopped' | 'imported';

export interface BackendReport {
  /** tfjs backend name actually in use: 'webgpu' | 'tensorflow' | 'wasm' | 'cpu'. */
  name: string;
  /** The package that provided it, e.g. '@tensorflow/tfjs-backend-wasm'. */
  package: string;
  /** GPU adapter name, when there is one. */
  adapter?: string;
  /** True when the adapter is a software rasteriser (e.g. lavapipe) rather than a GPU. */
  softwareFallback?: boolean;
  /** WASM: threads its XNNPACK kernels (matMul) run on, the calling thread included. */
  threads?: number;
  /** WASM: why fewer threads run than were asked for, when that is so. */
  threadsNote?: string;
  /** Why earlier choices in the preference order were not taken. */
  skipped?: { name: string; reason: string }[];
}

export interface RunSummary {
  id: string;
  name: string;
  status: RunStatus;
  createdAt: string;
  configPath: string | null;
  stages: StageSummary[];
  readOnly: boolean;
  error?: string;
}

export interface StageSummary {
  index: number;
  name: string;
  kind: StageKind;
  status: 'pending' | 'running' | 'done' | 'failed' | 'stopped';
  stepsDone: number;
  stepsPlanned: number;
}

export interface StepMetrics {
  runId: string;
  stage: string;
  stageIndex: number;
  step: number;
  /** Global step across stages, for plotting one continuous x axis. */
  globalStep: number;
  meanReward: number;
  accuracy: number;
  entropy: number;
  meanResponseLength: number;
  maxResponseLength: number;
  truncatedShare: number;
  zeroVarianceShare: number;
  verifierFailureShare: number;
  tokensPerSecond: number;
  sampleSeconds: number;
  verifySeconds: number;
  updateSeconds: number;
  loss: number;
  /** Held-out accuracy, on steps where an evaluation ran. */
  heldOutAccuracy?: number;
}

export interface RolloutRecord {
  id: number;
  runId: string;
  stage: string;
  step: number;
  problemId: string;
  /** Index of this response within its group. */
  sampleIndex: number;
  kind: StageKind;
  prompt: string;
  response: string;
  gold: string;
  reward: number;
  advantage: number;
  verdict: Verdict;
  extractedAnswer: string | null;
  promptTokens: number;
  responseTokens: number;
  truncated: boolean;
}

export interface RolloutDetail extends RolloutRecord {
  verify: VerifyResult | null;
  tests: TestResult[];
}

export interface RolloutQuery {
  runId: string;
  stage?: string;
  step?: number;
  problemId?: string;
  verdict?: Verdict;
  reward?: number;
  truncated?: boolean;
  offset?: number;
  limit?: number;
}

export interface PassRateCell {
  problemId: string;
  /** The global step (StepMetrics.globalStep), so cells line up with the metric series across stages. */
  step: number;
  passed: number;
  total: number;
}

export interface EvalResult {
  runId: string;
  after: string;
  domain: 'math' | 'code';
  avgAtK: number;
  passAtK: number;
  k: number;
  problems: number;
  /**
   * Samples (of problems * k) the verifier could not judge: sandbox or verifier error, checker
   * timeout. They count as unsolved in avgAtK/passAtK; shown beside them, never hidden.
   */
  verifierFailed?: number;
}

export interface ServerStatus {
  version: string;
  pid: number;
  backend: BackendReport | null;
  node: string;
  tfjs: string;
  activeRun: { runId: string; stage: string; step: number; status: RunStatus } | null;
  clients: number;
}

// ---- requests ------------------------------------------------------------

export interface StartRunParams {
  /** Absolute path of a stage config (YAML); omitted = the embedded default. */
  configPath?: string;
  /** Run only these stages (by name), in config order; omitted = all. */
  stages?: string[];
  /** Override the step budget of every stage (small demos and tests). */
  maxStepsPerStage?: number;
  name?: string;
  seed?: number;
  /** Continue this (stopped or interrupted) run from its last checkpoint; the other fields are ignored. */
  resumeRunId?: string;
}

/** A problem of a dataset file, as its code lens carries it (see daemon/server/lsp.ts). */
export interface SampleProblemParams {
  /** Absolute path of the dataset file, and the 1-based line of the problem's record. */
  file: string;
  line: number;
  /** The record in any shape the curation reads (the lens sends the normalised one). */
  record: Record<string, unknown>;
  /** Responses to sample (default 8, at most 64). */
  k?: number;
  /** Response budget in tokens (default: 256, or less when the policy's context is shorter). */
  maxNewTokens?: number;
  /** A policy checkpoint folder; omitted: the latest checkpoint of the most recent run, else the shipped warm start. */
  checkpoint?: string;
  seed?: number;
}

/** What "Sample k rollouts" measured for one problem: the verifiers' verdicts on k samples. */
export interface ProblemPassRate {
  /** Identifies the problem's content (prompt and reference), whatever file or line it is on. */
  problemKey: string;
  passed: number;
  k: number;
  /** Samples the verifier could not judge (sandbox or verifier error, checker timeout); counted as not passed. */
  verifierFailed?: number;
  /** The policy folder sampled, and how to name it to a user. */
  checkpoint: string;
  checkpointLabel: string;
  measuredAt: string;
  samples: { response: string; reward: number; verdict: Verdict }[];
}

/** The problem a stored rollout answered (rebuilt from its run's stage config and seed). */
export interface RolloutProblem {
  problemId: string;
  /** What the verifier checks: for code, every test case, with expected outputs. */
  task: VerifyTask;
  /** The run's latest policy checkpoint folder and its name, or null when it saved none. */
  checkpoint: { dir: string; label: string } | null;
}

export const Methods = {
  startRun: request<StartRunParams, { runId: string }>('rlvr/startRun'),
  stopRun: request<{ runId: string }, { stopped: boolean }>('rlvr/stopRun'),
  pauseRun: request<{ runId: string }, { paused: boolean }>('rlvr/pauseRun'),
  resumeRun: request<{ runId: string }, { resumed: boolean }>('rlvr/resumeRun'),
  listRuns: request<{ offset?: number; limit?: number }, RunSummary[]>('rlvr/listRuns'),
  getRun: request<{ runId: string }, RunSummary>('rlvr/getRun'),
  queryRollouts: request<RolloutQuery, { total: number; rollouts: RolloutRecord[] }>('rlvr/queryRollouts'),
  getRollout: request<{ id: number }, RolloutDetail>('rlvr/getRollout'),
  metricSeries: request<{ runId: string }, StepMetrics[]>('rlvr/metricSeries'),
  passRates: request<{ runId: string; stage?: string }, PassRateCell[]>('rlvr/passRates'),
  evalResults: request<{ runId: string }, EvalResult[]>('rlvr/evalResults'),
  verify: request<{ task: VerifyTask; response: string }, VerifyResult>('rlvr/verify'),
  importVerlRun: request<{ dir: string; name?: string }, { runId: string }>('rlvr/importVerlRun'),
  exportVerlRun: request<{ runId: string; dir: string }, { files: number }>('rlvr/exportVerlRun'),
  /** Follow a live verl job's rollout_data_dir (and file logger) as a run; kept across daemon restarts. */
  watchVerlRun: request<{ rolloutDir: string; metricsFile?: string; name?: string }, { runId: string }>('rlvr/watchVerlRun'),
  status: request<Record<string, never>, ServerStatus>('rlvr/status'),
  /** Start receiving notifications for a run (or every run when runId is omitted). */
  subscribe: request<{ runId?: string }, { subscribed: true }>('rlvr/subscribe'),
  /** Samples k responses to one dataset problem from a policy checkpoint and verifies them; the problem's code lens then shows the pass rate. */
  sampleProblem: request<SampleProblemParams, ProblemPassRate>('rlvr/sampleProblem'),
  /** A rollout's problem with its test cases, so its program (or a new sample) can run them again. */
  rolloutProblem: request<{ id: number }, RolloutProblem>('rlvr/rolloutProblem'),
} as const;

// ---- notifications ---------------------------------------------------------

export interface ProgressParams {
  runId: string;
  stage: string;
  stageIndex: number;
  step: number;
  stepsPlanned: number;
  phase: 'sample' | 'verify' | 'update' | 'eval' | 'checkpoint' | 'filter';
  message?: string;
}

export const Notifications = {
  progress: notification<ProgressParams>('rlvr/progress'),
  stepMetrics: notification<StepMetrics>('rlvr/stepMetrics'),
  rollouts: notification<{ runId: string; step: number; rollouts: RolloutRecord[] }>('rlvr/rollouts'),
  stageChanged: notification<{ runId: string; stage: StageSummary }>('rlvr/stageChanged'),
  runChanged: notification<RunSummary>('rlvr/runChanged'),
  log: notification<{ runId?: string; level: 'info' | 'warn' | 'error'; message: string }>('rlvr/log'),
  error: notification<{ runId?: string; code: ErrorCode; message: string }>('rlvr/error'),
} as const;

// ---- errors are data -------------------------------------------------------

export const ErrorCodes = {
  InvalidParams: -32602,
  MethodNotFound: -32601,
  ParseError: -32700,
  RunNotFound: -33001,
  RunAlreadyActive: -33002,
  ConfigInvalid: -33003,
  ReadOnlyRun: -33004,
  VerifierFailed: -33005,
  RolloutNotFound: -33006,
  ProblemNotFound: -33007,
  /** Something the run needs (sandbox, python3, a dataset, the model, the backend) is missing. */
  PreflightFailed: -33008,
  Internal: -32603,
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface RlvrErrorData {
  /** For config errors: where the problem is. */
  file?: string;
  line?: number;
  field?: string;
}

// The contract between the engine (stage runner) and what drives and records it:
// `rlvr train` and `rlvr serve` both call runCurriculum() with a RunSink (the SQLite
// store) and a notify function (the server forwards it to subscribed clients; the CLI
// drives its progress bar from it). Types only: implementations live beside it.

import type {
  EvalResult,
  NotificationType,
  RolloutRecord,
  RunStatus,
  StageSummary,
  StepMetrics,
} from '../../shared/protocol.js';
import type { SaveDtype } from '../../shared/config.js';
import type { VerifierFailures } from '../../shared/eval-report.js';
import type { VerifyResult } from '../../shared/verify.js';

// What the engine writes is declared by the store that records it (store/sink.ts), so the
// store never imports the engine; re-exported here for the engine's callers.
import type { RunSink } from '../store/sink.js';
import type { TaskLimitDefaults } from '../verify/code/limits.js';
export type { CheckpointRecord, NewRollout, RunSink } from '../store/sink.js';

export type Notify = <P>(type: NotificationType<P>, params: P) => void;

export interface RunCurriculumOptions {
  /** Stage config (YAML); omitted = the embedded default curriculum. */
  configPath?: string;
  /** Run only these stages (by name). */
  stages?: string[];
  /** Cap every stage's step budget (demos and tests). */
  maxStepsPerStage?: number;
  seed?: number;
  name?: string;
  /** Folder for checkpoints and summary.json. */
  outDir: string;
  sink: RunSink;
  notify?: Notify;
  /** Continue this run from its last checkpoint instead of starting a new one. */
  resumeRunId?: string;
  /** Abort = stop after the current step (the step is stored whole or not at all). */
  signal?: AbortSignal;
  /** Resolves when the run may go on; the engine awaits it at every step boundary (pause/resume), then reads `signal`. */
  waitWhilePaused?: () => Promise<void>;
  /** Force a backend: 'webgpu' | 'tensorflow' | 'wasm' | 'cpu'. */
  backend?: string;
  /** Retrain the warm start from scratch instead of loading the shipped checkpoint. */
  fromScratch?: boolean;
  /** Start from this model folder instead of the config's model (HF folder or rlvr checkpoint). */
  model?: string;
  /** Hugging Face runs: the dtype checkpoints store (overrides the config's model.save_dtype). */
  saveDtype?: SaveDtype;
  /** Sandbox limits for code tasks that name none (the daemon's settings; its engine thread cannot see them otherwise). */
  taskLimitDefaults?: Partial<TaskLimitDefaults>;
}

export interface RunOutcome {
  runId: string;
  status: RunStatus;
  /** Where checkpoints and summary.json went (on resume: the run's original folder). */
  outDir?: string;
  /** The summary printed as the last line of `rlvr train` and written to OUT/summary.json. */
  summary: {
    backend: string;
    wall_s: number;
    evals: EvalSummary[];
  };
}

/** One evaluation point of a run: avg@k per domain (NaN: not evaluated), and what the verifier failed on. */
export interface EvalSummary {
  after: string;
  math: number;
  code: number;
  /** Present only for domains with samples the verifier could not judge. */
  verifier_failed?: Partial<Record<'math' | 'code', VerifierFailures>>;
}

// What a run writes, as the store records it: the engine (engine/run.ts) calls a RunSink,
// which the SQLite run store implements. Declared here, beside the store, so that the store
// needs nothing from the engine (layers point down: engine -> store, never back).
import type { EvalResult, RolloutRecord, RunStatus, StageSummary, StepMetrics } from '../../shared/protocol.js';
import type { VerifyResult } from '../../shared/verify.js';

/** A rollout as the engine hands it to the store; the store assigns `id`. */
export type NewRollout = Omit<RolloutRecord, 'id'> & { verify: VerifyResult | null };

export interface CheckpointRecord {
  runId: string;
  stageIndex: number;
  /** Step within the stage after which the checkpoint was taken (0 = before the stage's first step). */
  step: number;
  /** Directory holding the policy weights, optimizer state and run position. */
  path: string;
  createdAt?: string;
}

/** Where the engine writes everything it produces. Implemented by the run store. */
export interface RunSink {
  createRun(run: { name: string; configPath: string | null; config: unknown; seed: number }): string;
  setRunStatus(runId: string, status: RunStatus, error?: string): void;
  upsertStage(runId: string, stage: StageSummary): void;
  /** One transaction: the step's metrics, rollouts and per-test results, all or nothing.
   *  May return the stored rollouts (with ids), which the engine then notifies. */
  recordStep(metrics: StepMetrics, rollouts: NewRollout[]): RolloutRecord[] | void;
  recordCheckpoint(checkpoint: CheckpointRecord): void;
  lastCheckpoint(runId: string): CheckpointRecord | null;
  /** On resume: steps recorded after the checkpoint are redone, so their rows go first. */
  deleteStepsAfter(runId: string, stageIndex: number, step: number): void;
  recordEval(result: EvalResult): void;
}

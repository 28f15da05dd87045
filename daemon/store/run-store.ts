// The run store: every run, stage, step, rollout, per-test result, checkpoint and
// evaluation, in one SQLite file (WAL: readers never block the one writer, and a crash
// never leaves a torn page). The engine writes through the RunSink methods; the server
// and the CLI read through the query methods.
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import type { CheckpointRecord, NewRollout, RunSink } from './sink.js';
import { ErrorCodes } from '../../shared/protocol.js';
import type {
  EvalResult,
  PassRateCell,
  RolloutDetail,
  RolloutQuery,
  RolloutRecord,
  RunStatus,
  RunSummary,
  StageSummary,
  StepMetrics,
} from '../../shared/protocol.js';
import type { VerifyResult } from '../../shared/verify.js';
import { RlvrError } from '../../shared/errors.js';
import { migrate } from './schema.js';
import { isProcessAlive } from '../../shared/process.js';
import { exportVerl, importVerl } from './verl.js';
import {
  evalFromRow,
  metricsFromJson,
  rolloutFromRow,
  rolloutToRow,
  stageFromRow,
  testFromRow,
  testToRow,
  type EvalRow,
  type RolloutRow,
  type RunRow,
  type StageRow,
  type TestRow,
} from './rows.js';

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;

/** How long a writer waits for another process's transaction (train + serve share a store). */
const BUSY_TIMEOUT_MS = 10_000;

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15); // 20261130-070512
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}


export class RunStore implements RunSink {
  readonly db: Database.Database;
  private readonly st;

  constructor(readonly file: string) {
    this.db = new Database(file);
    // busy_timeout first: switching a fresh file to WAL needs a moment's exclusive lock that
    // a second process opening the same store at once must wait for, not fail on.
    this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    // NORMAL under WAL: a power loss may drop the last commits, but a process kill loses
    // nothing and the database is never corrupted.
    this.db.pragma('synchronous = NORMAL');
    migrate(this.db, undefined, file);
    const db = this.db;
    this.st = {
      insertRun: db.prepare(
        `INSERT INTO runs (id, name, status, created_at, config_path, config_json, seed, read_only, owner_pid)
         VALUES (@id, @name, @status, @created_at, @config_path, @config_json, @seed, @read_only, @owner_pid)`,
      ),
      setStatus: db.prepare('UPDATE runs SET status = ?, error = ? WHERE id = ?'),
      setOwner: db.prepare('UPDATE runs SET owner_pid = ? WHERE id = ?'),
      getRun: db.prepare<[string], RunRow>('SELECT * FROM runs WHERE id = ?'),
      listRuns: db.prepare<[number, number], RunRow>('SELECT * FROM runs ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?'),
      stagesOf: db.prepare<[string], StageRow>('SELECT * FROM stages WHERE run_id = ? ORDER BY idx'),
      upsertStage: db.prepare(
        `INSERT INTO stages (run_id, idx, name, kind, status, steps_done, steps_planned)
         VALUES (@run_id, @idx, @name, @kind, @status, @steps_done, @steps_planned)
         ON CONFLICT (run_id, idx) DO UPDATE SET name = excluded.name, kind = excluded.kind,
           status = excluded.status, steps_done = excluded.steps_done, steps_planned = excluded.steps_planned`,
      ),
      bumpStage: db.prepare('UPDATE stages SET steps_done = MAX(steps_done, ?) WHERE run_id = ? AND idx = ?'),
      insertStep: db.prepare(
        `INSERT INTO steps (run_id, stage_index, stage, step, global_step, mean_reward, accuracy, metrics_json, recorded_at)
         VALUES (@run_id, @stage_index, @stage, @step, @global_step, @mean_reward, @accuracy, @metrics_json, @recorded_at)`,
      ),
      insertRollout: db.prepare(
        `INSERT INTO rollouts (run_id, stage_index, stage, step, global_step, problem_id, sample_index, kind, prompt,
           response, gold, reward, advantage, verdict, extracted_answer, prompt_tokens, response_tokens, truncated, verify_json)
         VALUES (@run_id, @stage_index, @stage, @step, @global_step, @problem_id, @sample_index, @kind, @prompt,
           @response, @gold, @reward, @advantage, @verdict, @extracted_answer, @prompt_tokens, @response_tokens,
           @truncated, @verify_json)`,
      ),
      insertTest: db.prepare(
        `INSERT INTO test_results (rollout_id, idx, verdict, input, expected, actual, first_diff_line, stderr_tail,
           wall_ms, cpu_ms, peak_memory_kb)
         VALUES (@rollout_id, @idx, @verdict, @input, @expected, @actual, @first_diff_line, @stderr_tail,
           @wall_ms, @cpu_ms, @peak_memory_kb)`,
      ),
      insertCheckpoint: db.prepare(
        `INSERT OR REPLACE INTO checkpoints (run_id, stage_index, step, path, created_at)
         VALUES (?, ?, ?, ?, ?)`,
      ),
      lastCheckpoint: db.prepare<[string], { run_id: string; stage_index: number; step: number; path: string; created_at: string }>(
        'SELECT * FROM checkpoints WHERE run_id = ? ORDER BY stage_index DESC, step DESC LIMIT 1',
      ),
      deleteSteps: db.prepare('DELETE FROM steps WHERE run_id = ? AND (stage_index > ? OR (stage_index = ? AND step > ?))'),
      deleteCheckpoints: db.prepare(
        'DELETE FROM checkpoints WHERE run_id = ? AND (stage_index > ? OR (stage_index = ? AND step > ?))',
      ),
      trimStage: db.prepare('UPDATE stages SET steps_done = MIN(steps_done, ?) WHERE run_id = ? AND idx = ?'),
      resetLaterStages: db.prepare("UPDATE stages SET steps_done = 0, status = 'pending' WHERE run_id = ? AND idx > ?"),
      upsertEval: db.prepare(
        `INSERT INTO evals (run_id, after, domain, avg_at_k, pass_at_k, k, problems, verifier_failed, seq)
         VALUES (@run_id, @after, @domain, @avg_at_k, @pass_at_k, @k, @problems, @verifier_failed,
           (SELECT COALESCE(MAX(seq), 0) + 1 FROM evals WHERE run_id = @run_id))
         ON CONFLICT (run_id, after, domain) DO UPDATE SET avg_at_k = excluded.avg_at_k,
           pass_at_k = excluded.pass_at_k, k = excluded.k, problems = excluded.problems,
           verifier_failed = excluded.verifier_failed`,
      ),
      evals: db.prepare<[string], EvalRow>('SELECT * FROM evals WHERE run_id = ? ORDER BY seq'),
      metrics: db.prepare<[string], { metrics_json: string }>(
        'SELECT metrics_json FROM steps WHERE run_id = ? ORDER BY global_step, stage_index, step',
      ),
      rollout: db.prepare<[number], RolloutRow>('SELECT * FROM rollouts WHERE id = ?'),
      testsOf: db.prepare<[number], TestRow>('SELECT * FROM test_results WHERE rollout_id = ? ORDER BY idx'),
      orphans: db.prepare<[], { id: string; owner_pid: number | null }>(
        "SELECT id, owner_pid FROM runs WHERE status IN ('running', 'paused')",
      ),
    };
    this.recordStepTx = this.db.transaction((m: StepMetrics, r: NewRollout[]) => this.writeStep(m, r));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ---- RunSink -------------------------------------------------------------

  /** `id` may be given when the caller needs it before the run exists (its output folder). */
  createRun(run: { name: string; configPath: string | null; config: unknown; seed: number; id?: string }): string {
    const id = run.id ?? newRunId();
    this.st.insertRun.run({
      id,
      name: run.name,
      status: 'running',
      created_at: new Date().toISOString(),
      config_path: run.configPath,
      config_json: run.config === undefined ? null : JSON.stringify(run.config),
      seed: run.seed,
      read_only: 0,
      owner_pid: process.pid,
    });
    return id;
  }

  /** A run read from elsewhere (a verl rollout folder); becomes read-only once filled. */
  createImportedRun(name: string, source: string): string {
    const id = newRunId();
    this.st.insertRun.run({
      id,
      name,
      status: 'imported',
      created_at: new Date().toISOString(),
      config_path: source,
      config_json: null,
      seed: 0,
      read_only: 0,
      owner_pid: null,
    });
    return id;
  }

  markReadOnly(runId: string): void {
    this.db.prepare('UPDATE runs SET read_only = 1 WHERE id = ?').run(runId);
  }

  exportVerl(runId: string, dir: string): { files: number } {
    return exportVerl(this, runId, dir);
  }

  importVerl(dir: string, name?: string): Promise<{ runId: string }> {
    return importVerl(this, dir, name);
  }

  setRunStatus(runId: string, status: RunStatus, error?: string): void {
    this.requireRun(runId);
    this.st.setStatus.run(status, error ?? null, runId);
  }

  /** The resuming process takes the run over (so it is not taken for interrupted). */
  claimRun(runId: string, pid = process.pid): void {
    this.requireRun(runId);
    this.st.setOwner.run(pid, runId);
  }

  upsertStage(runId: string, stage: StageSummary): void {
    this.st.upsertStage.run({
      run_id: runId,
      idx: stage.index,
      name: stage.name,
      kind: stage.kind,
      status: stage.status,
      steps_done: stage.stepsDone,
      steps_planned: stage.stepsPlanned,
    });
  }

  /**
   * The step's metrics, rollouts and per-test results in one transaction: a kill at any
   * moment leaves all of it or none. Returns the rollouts with the ids the store gave them.
   */
  recordStep(metrics: StepMetrics, rollouts: NewRollout[]): RolloutRecord[] {
    return this.recordStepTx(metrics, rollouts);
  }

  private readonly recordStepTx: (metrics: StepMetrics, rollouts: NewRollout[]) => RolloutRecord[];

  private writeStep(metrics: StepMetrics, rollouts: NewRollout[]): RolloutRecord[] {
    const run = this.requireRun(metrics.runId);
    if (run.read_only) throw new RlvrError(ErrorCodes.ReadOnlyRun, `run ${run.id} is read-only (imported)`);
    this.st.insertStep.run({
      run_id: metrics.runId,
      stage_index: metrics.stageIndex,
      stage: metrics.stage,
      step: metrics.step,
      global_step: metrics.globalStep,
      mean_reward: metrics.meanReward,
      accuracy: metrics.accuracy,
      metrics_json: JSON.stringify(metrics),
      recorded_at: new Date().toISOString(),
    });
    const stored = this.writeRollouts(metrics, rollouts);
    this.st.bumpStage.run(metrics.step, metrics.runId, metrics.stageIndex);
    return stored;
  }

  /**
   * More rollouts of a step already recorded (its metrics as given to recordStep): a large
   * import writes a step's rollouts in slices, yielding to the event loop between them.
   */
  recordMoreRollouts(metrics: StepMetrics, rollouts: NewRollout[]): void {
    this.db.transaction(() => this.writeRollouts(metrics, rollouts))();
  }

  private writeRollouts(metrics: StepMetrics, rollouts: NewRollout[]): RolloutRecord[] {
    const stored: RolloutRecord[] = [];
    for (const r of rollouts) {
      const { verify, ...record } = r;
      const tests = verify?.details.kind === 'code' ? verify.details.tests : [];
      const info = this.st.insertRollout.run(rolloutToRow(r, { runId: metrics.runId, stageIndex: metrics.stageIndex, globalStep: metrics.globalStep }));
      const id = Number(info.lastInsertRowid);
      tests.forEach((t, idx) => this.st.insertTest.run(testToRow(id, idx, t)));
      stored.push({ ...record, runId: metrics.runId, id });
    }
    return stored;
  }

  recordCheckpoint(c: CheckpointRecord): void {
    this.st.insertCheckpoint.run(c.runId, c.stageIndex, c.step, c.path, c.createdAt ?? new Date().toISOString());
  }

  lastCheckpoint(runId: string): CheckpointRecord | null {
    const r = this.st.lastCheckpoint.get(runId);
    return r ? { runId: r.run_id, stageIndex: r.stage_index, step: r.step, path: r.path, createdAt: r.created_at } : null;
  }

  deleteStepsAfter(runId: string, stageIndex: number, step: number): void {
    this.db.transaction(() => {
      // Cascades to the steps' rollouts and their test results.
      this.st.deleteSteps.run(runId, stageIndex, stageIndex, step);
      this.st.deleteCheckpoints.run(runId, stageIndex, stageIndex, step);
      this.st.trimStage.run(step, runId, stageIndex);
      this.st.resetLaterStages.run(runId, stageIndex);
    })();
  }

  recordEval(e: EvalResult): void {
    this.st.upsertEval.run({
      run_id: e.runId,
      after: e.after,
      domain: e.domain,
      avg_at_k: e.avgAtK,
      pass_at_k: e.passAtK,
      k: e.k,
      problems: e.problems,
      verifier_failed: e.verifierFailed ?? 0,
    });
  }

  // ---- queries ---------------------------------------------------------------

  listRuns(page: { offset?: number; limit?: number } = {}): RunSummary[] {
    const { offset, limit } = pageOf(page);
    return this.st.listRuns.all(limit, offset).map((r) => this.summary(r));
  }

  getRun(runId: string): RunSummary {
    return this.summary(this.requireRun(runId));
  }

  /** The stored config (as given to createRun) and seed, for resuming a run. */
  runConfig(runId: string): { config: unknown; configPath: string | null; seed: number } {
    const r = this.requireRun(runId);
    return { config: r.config_json === null ? null : JSON.parse(r.config_json), configPath: r.config_path, seed: r.seed };
  }

  queryRollouts(q: RolloutQuery): { total: number; rollouts: RolloutRecord[] } {
    this.requireRun(q.runId);
    const where: string[] = ['run_id = @runId'];
    const args: Record<string, unknown> = { runId: q.runId };
    if (q.stage !== undefined) (where.push('stage = @stage'), (args.stage = q.stage));
    if (q.step !== undefined) (where.push('step = @step'), (args.step = q.step));
    if (q.problemId !== undefined) (where.push('problem_id = @problemId'), (args.problemId = q.problemId));
    if (q.verdict !== undefined) (where.push('verdict = @verdict'), (args.verdict = q.verdict));
    if (q.reward !== undefined) (where.push('reward = @reward'), (args.reward = q.reward));
    if (q.truncated !== undefined) (where.push('truncated = @truncated'), (args.truncated = q.truncated ? 1 : 0));
    const { offset, limit } = pageOf(q);
    const clause = where.join(' AND ');
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM rollouts WHERE ${clause}`).get(args) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT * FROM rollouts WHERE ${clause} ORDER BY id LIMIT @limit OFFSET @offset`)
      .all({ ...args, limit, offset }) as RolloutRow[];
    return { total, rollouts: rows.map(rolloutFromRow) };
  }

  getRollout(id: number): RolloutDetail {
    const row = this.st.rollout.get(id);
    if (!row) throw new RlvrError(ErrorCodes.RolloutNotFound, `no rollout with id ${id}`);
    const tests = this.st.testsOf.all(id).map(testFromRow);
    let verify: VerifyResult | null = row.verify_json ? (JSON.parse(row.verify_json) as VerifyResult) : null;
    if (verify?.details.kind === 'code') verify = { ...verify, details: { ...verify.details, tests } };
    return { ...rolloutFromRow(row), verify, tests };
  }

  metricSeries(runId: string): StepMetrics[] {
    this.requireRun(runId);
    return this.st.metrics.all(runId).map((r) => metricsFromJson(r.metrics_json));
  }

  /** Per problem and step, how many of its responses earned reward 1. `step` is the global step. */
  passRates(runId: string, stage?: string): PassRateCell[] {
    this.requireRun(runId);
    const rows = this.db
      .prepare(
        `SELECT problem_id AS problemId, global_step AS step, SUM(reward >= 1) AS passed, COUNT(*) AS total
         FROM rollouts WHERE run_id = ? ${stage === undefined ? '' : 'AND stage = ?'}
         GROUP BY problem_id, global_step ORDER BY problem_id, global_step`,
      )
      .all(...(stage === undefined ? [runId] : [runId, stage])) as PassRateCell[];
    return rows;
  }

  evalResults(runId: string): EvalResult[] {
    this.requireRun(runId);
    return this.st.evals.all(runId).map(evalFromRow);
  }

  /**
   * Marks runs left 'running' or 'paused' by a process that no longer exists as stopped
   * (they can be resumed from their last checkpoint). Returns their ids.
   */
  reconcileInterrupted(): string[] {
    const done: string[] = [];
    for (const r of this.st.orphans.all()) {
      if (r.owner_pid !== null && r.owner_pid !== process.pid && isProcessAlive(r.owner_pid)) continue;
      if (r.owner_pid === process.pid) continue;
      this.st.setStatus.run('stopped', `interrupted: its process (pid ${r.owner_pid ?? '?'}) exited`, r.id);
      done.push(r.id);
    }
    return done;
  }

  // ---- helpers -----------------------------------------------------------------

  requireRun(runId: string): RunRow {
    const r = this.st.getRun.get(runId);
    if (!r) throw new RlvrError(ErrorCodes.RunNotFound, `no run with id '${runId}'`);
    return r;
  }

  private summary(r: RunRow): RunSummary {
    const s: RunSummary = {
      id: r.id,
      name: r.name,
      status: r.status,
      createdAt: r.created_at,
      configPath: r.config_path,
      stages: this.st.stagesOf.all(r.id).map(stageFromRow),
      readOnly: r.read_only !== 0,
    };
    if (r.error !== null) s.error = r.error;
    return s;
  }
}

function pageOf(p: { offset?: number; limit?: number }): { offset: number; limit: number } {
  const offset = Math.max(0, Math.floor(p.offset ?? 0));
  const limit = Math.min(MAX_PAGE, Math.max(1, Math.floor(p.limit ?? DEFAULT_PAGE)));
  return { offset, limit };
}

// The daemon's one active run: started, paused, resumed and stopped by any client, and
// outliving all of them. The engine runs in this process (runCurriculum); it writes through
// the store and reports through `notify`, which the hub fans out to subscribed clients.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ErrorCodes, Notifications, type NotificationType, type RunStatus, type StartRunParams } from '../../shared/protocol.js';
import { RlvrError, isRlvrError } from '../../shared/errors.js';
import type { Notify, RunCurriculumOptions, RunOutcome, RunSink } from '../engine/api.js';
import { newRunId, type RunStore } from '../store/index.js';
import { runDir } from '../store/paths.js';

interface Engine {
  runCurriculum(opts: RunCurriculumOptions): Promise<RunOutcome>;
}

let engineOverride: Engine | null = null;

/** Tests and benches may drive the server with a stand-in engine that honours the same contract. */
export function setEngineForTesting(engine: Engine | null): void {
  engineOverride = engine;
}

// Loaded on first use: it pulls in TensorFlow.js, which `rlvr serve` should not pay for
// until a run starts.
async function loadEngine(): Promise<Engine> {
  return engineOverride ?? (await import('../engine/run.js'));
}

const TERMINAL: readonly RunStatus[] = ['finished', 'stopped', 'failed'];

interface ActiveRun {
  runId: string;
  status: RunStatus;
  stage: string;
  step: number;
  controller: AbortController;
  pause: { promise: Promise<void>; release: () => void } | null;
  done: Promise<void>;
}

export class RunManager {
  private active: ActiveRun | null = null;

  constructor(
    private readonly store: RunStore,
    private readonly dataDir: string,
    private readonly broadcast: Notify,
  ) {}

  get current(): { runId: string; stage: string; step: number; status: RunStatus } | null {
    const a = this.active;
    return a ? { runId: a.runId, stage: a.stage, step: a.step, status: a.status } : null;
  }

  /** Resolves when the active run (if any) has ended. */
  async idle(): Promise<void> {
    await this.active?.done;
  }

  async start(p: StartRunParams): Promise<{ runId: string }> {
    if (this.active && TERMINAL.includes(this.active.status)) {
      // The last run has ended and the engine is only closing its files: a client that
      // starts the next one on the 'finished' notification should not be refused.
      await this.active.done;
    }
    if (this.active) {
      throw new RlvrError(ErrorCodes.RunAlreadyActive, `run ${this.active.runId} is already ${this.active.status}: stop it before starting another`);
    }
    if (p.configPath !== undefined) {
      if (!path.isAbsolute(p.configPath)) {
        throw new RlvrError(ErrorCodes.InvalidParams, `configPath must be absolute (the daemon's working directory is not yours): ${p.configPath}`, { field: 'configPath' });
      }
      if (!existsSync(p.configPath)) throw new RlvrError(ErrorCodes.ConfigInvalid, `config not found: ${p.configPath}`, { file: p.configPath });
    }
    if (p.resumeRunId !== undefined) {
      const run = this.store.getRun(p.resumeRunId); // RunNotFound when absent
      if (run.readOnly) throw new RlvrError(ErrorCodes.ReadOnlyRun, `run ${run.id} is read-only (imported): it cannot be resumed`);
      if (run.status === 'finished') throw new RlvrError(ErrorCodes.InvalidParams, `run ${run.id} has already finished`);
      if (!this.store.lastCheckpoint(run.id)) {
        throw new RlvrError(ErrorCodes.InvalidParams, `run ${run.id} has no checkpoint to resume from`);
      }
      this.store.claimRun(run.id);
    }

    const runId = p.resumeRunId ?? newRunId();
    const controller = new AbortController();
    const active: ActiveRun = { runId, status: 'running', stage: '', step: 0, controller, pause: null, done: Promise.resolve() };
    this.active = active;

    let created!: () => void;
    let failedEarly!: (err: unknown) => void;
    const ready = new Promise<void>((resolve, reject) => ((created = resolve), (failedEarly = reject)));
    if (p.resumeRunId !== undefined) created();

    const sink = this.sinkFor(active, created);
    const notify: Notify = (type, params) => this.onEngineNotification(active, type, params);
    active.done = (async () => {
      try {
        const engine = await loadEngine();
        await engine.runCurriculum({
          configPath: p.configPath,
          stages: p.stages,
          maxStepsPerStage: p.maxStepsPerStage,
          seed: p.seed,
          name: p.name,
          outDir: runDir(this.dataDir, runId),
          sink,
          notify,
          resumeRunId: p.resumeRunId,
          signal: controller.signal,
          waitWhilePaused: async () => {
            const pause = active.pause;
            if (!pause) return;
            // A pause takes effect between steps: say when the run actually holds.
            this.broadcast(Notifications.log, { runId, level: 'info', message: `paused after step ${active.step} of ${active.stage}` });
            await pause.promise;
          },
        });
      } catch (err) {
        failedEarly(err);
        this.reportFailure(active, err);
      } finally {
        if (this.active === active) this.active = null;
      }
    })();
    await ready.catch((err) => {
      throw toRlvrError(err);
    });
    return { runId };
  }

  stop(runId: string): { stopped: boolean } {
    const a = this.requireActive(runId);
    if (!a) return { stopped: false };
    a.controller.abort();
    a.pause?.release(); // a paused engine must wake up to see the abort
    return { stopped: true };
  }

  pause(runId: string): { paused: boolean } {
    const a = this.requireActive(runId);
    if (!a || a.pause) return { paused: false };
    let release!: () => void;
    const promise = new Promise<void>((r) => (release = r));
    a.pause = { promise, release };
    this.setStatus(a, 'paused');
    return { paused: true };
  }

  resume(runId: string): { resumed: boolean } {
    const a = this.requireActive(runId);
    if (!a || !a.pause) return { resumed: false };
    const { release } = a.pause;
    a.pause = null;
    this.setStatus(a, 'running');
    release();
    return { resumed: true };
  }

  /** Stops the active run and waits for its current step to be stored (daemon shutdown). */
  async shutdown(): Promise<void> {
    const a = this.active;
    if (!a) return;
    this.stop(a.runId);
    await a.done;
  }

  /** The active run by id, or null when it is not running (ended runs answer false). */
  private requireActive(runId: string): ActiveRun | null {
    if (this.active?.runId === runId && !TERMINAL.includes(this.active.status)) return this.active;
    this.store.getRun(runId); // RunNotFound for an unknown id; a known inactive run answers false
    return null;
  }

  private setStatus(a: ActiveRun, status: RunStatus): void {
    a.status = status;
    this.store.setRunStatus(a.runId, status);
    this.broadcast(Notifications.runChanged, this.store.getRun(a.runId));
  }

  /** The store, with the run id fixed in advance (so its folder is known before it exists). */
  private sinkFor(a: ActiveRun, created: () => void): RunSink {
    const store = this.store;
    return {
      createRun: (run) => {
        const id = store.createRun({ ...run, id: a.runId });
        created();
        return id;
      },
      setRunStatus: (id, status, error) => {
        if (id === a.runId && status !== 'paused') a.status = status;
        store.setRunStatus(id, status, error);
      },
      upsertStage: (id, stage) => store.upsertStage(id, stage),
      recordStep: (m, rollouts) => {
        a.stage = m.stage;
        a.step = m.step;
        return store.recordStep(m, rollouts);
      },
      recordCheckpoint: (c) => store.recordCheckpoint(c),
      lastCheckpoint: (id) => store.lastCheckpoint(id),
      deleteStepsAfter: (id, s, step) => store.deleteStepsAfter(id, s, step),
      recordEval: (e) => store.recordEval(e),
    };
  }

  private onEngineNotification<P>(a: ActiveRun, type: NotificationType<P>, params: P): void {
    if (type.method === Notifications.progress.method) {
      const p = params as { stage: string; step: number };
      a.stage = p.stage;
      a.step = p.step;
    }
    if (type.method === Notifications.runChanged.method) {
      // The store is the authority on a run's state (createdAt, error, stage progress).
      this.broadcast(Notifications.runChanged, this.store.getRun(a.runId));
      return;
    }
    this.broadcast(type, params);
  }

  private reportFailure(a: ActiveRun, err: unknown): void {
    const message = (err as Error).message ?? String(err);
    try {
      const run = this.store.getRun(a.runId);
      if (run.status === 'running' || run.status === 'paused') {
        this.store.setRunStatus(a.runId, 'failed', message);
        this.broadcast(Notifications.error, { runId: a.runId, code: toRlvrError(err).code, message });
        this.broadcast(Notifications.runChanged, this.store.getRun(a.runId));
      }
    } catch {
      // The run was never created (bad config): the startRun caller gets the error.
    }
  }
}

/** Engine and config errors as protocol errors: ConfigFileError carries file, line, field. */
export function toRlvrError(err: unknown): RlvrError {
  if (isRlvrError(err)) return err;
  const e = err as Error & { errors?: { file: string; line: number; field: string }[] };
  if (e?.name === 'ConfigFileError' && Array.isArray(e.errors) && e.errors.length > 0) {
    const first = e.errors[0];
    return new RlvrError(ErrorCodes.ConfigInvalid, e.message, { file: first.file, line: first.line, field: first.field });
  }
  if (e instanceof Error && /unknown stage|max steps per stage|cannot read config/.test(e.message)) {
    return new RlvrError(ErrorCodes.ConfigInvalid, e.message);
  }
  return new RlvrError(ErrorCodes.Internal, e instanceof Error ? e.message : String(err));
}

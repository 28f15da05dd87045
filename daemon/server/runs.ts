// The daemon's one active run: started, paused, resumed and stopped by any client, and
// outliving all of them. The engine runs in a thread of its own (engine/worker/): its sink
// calls arrive here and are written to the store, which is the authority on the run's
// state; its notifications are fanned out by the hub to subscribed clients.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ErrorCodes, Notifications, type NotificationType, type RunStatus, type StartRunParams } from '../../shared/protocol.js';
import { RlvrError, isRlvrError } from '../../shared/errors.js';
import type { Notify, RunSink } from '../engine/api.js';
import type { EngineHandle, EngineHost } from '../engine/worker/handle.js';
import type { EngineThreadOptions } from '../engine/worker/messages.js';
import type { Engine } from '../engine/worker/same-thread.js';
import { newRunId, type RunStore } from '../store/index.js';
import { runDir } from '../../shared/data-dir.js';
import { configuredTaskLimitDefaults } from '../verify/code/limits.js';

let engineOverride: Engine | null = null;

/** Tests and benches may drive the server with a stand-in engine that honours the same contract (run on the server's thread). */
export function setEngineForTesting(engine: Engine | null): void {
  engineOverride = engine;
}

/**
 * Benchmark switch: `RLVR_BENCH_ENGINE_ON_SERVER_THREAD=1` runs the real engine on the
 * server's thread, as before it had its own, so that `npm run bench` can measure both.
 */
export const ENGINE_ON_SERVER_THREAD_ENV = 'RLVR_BENCH_ENGINE_ON_SERVER_THREAD';

/** How long a stopping engine may take to reach its step boundary when the daemon shuts down (a test may shorten it). */
const SHUTDOWN_GRACE_MS = Number(process.env.RLVR_TEST_ONLY_ENGINE_STOP_GRACE_MS) || 120_000;

// Loaded on first use: the thread host is small, but the same-thread path pulls in
// TensorFlow.js, which `rlvr serve` should not pay for until a run starts.
async function startEngine(options: EngineThreadOptions, host: EngineHost): Promise<EngineHandle> {
  if (engineOverride || process.env[ENGINE_ON_SERVER_THREAD_ENV] === '1') {
    const { startOnThisThread } = await import('../engine/worker/same-thread.js');
    return startOnThisThread(engineOverride ?? (await import('../engine/run.js')), options, host);
  }
  const { startEngineThread } = await import('../engine/worker/engine-thread.js');
  return startEngineThread(options, host);
}

const TERMINAL: readonly RunStatus[] = ['finished', 'stopped', 'failed'];

interface ActiveRun {
  runId: string;
  /** Live progress from the engine's notifications (the store has whole steps only). */
  stage: string;
  step: number;
  engine: EngineHandle;
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
    return a ? { runId: a.runId, stage: a.stage, step: a.step, status: this.statusOf(a.runId) } : null;
  }

  /** Resolves when the active run (if any) has ended. */
  async idle(): Promise<void> {
    await this.active?.done;
  }

  async start(p: StartRunParams): Promise<{ runId: string }> {
    if (this.active && TERMINAL.includes(this.statusOf(this.active.runId))) {
      // The last run has ended and the engine is only closing its files: a client that
      // starts the next one on the 'finished' notification should not be refused.
      await this.active.done;
    }
    if (this.active) {
      throw new RlvrError(ErrorCodes.RunAlreadyActive, `run ${this.active.runId} is already ${this.statusOf(this.active.runId)}: stop it before starting another`);
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
    let created!: () => void;
    const ready = new Promise<void>((resolve) => (created = resolve));
    if (p.resumeRunId !== undefined) created();
    // Claimed before the engine loads: a second startRun meanwhile is refused.
    const claim = { runId, stage: '', step: 0 } as ActiveRun;
    this.active = claim;
    let engine: EngineHandle;
    try {
      engine = await startEngine(
        {
          configPath: p.configPath,
          stages: p.stages,
          maxStepsPerStage: p.maxStepsPerStage,
          seed: p.seed,
          name: p.name,
          outDir: runDir(this.dataDir, runId),
          resumeRunId: p.resumeRunId,
          taskLimitDefaults: configuredTaskLimitDefaults(),
        },
        {
          sink: this.sinkFor(runId, created),
          notify: (type, params) => this.onEngineNotification(claim, type, params),
          // A pause takes effect between steps: say when the run actually holds.
          onHeld: () => this.broadcast(Notifications.log, { runId, level: 'info', message: `paused after step ${claim.step} of ${claim.stage}` }),
        },
      );
    } catch (err) {
      this.active = null;
      throw toRlvrError(err);
    }
    claim.engine = engine;
    const failedEarly = engine.outcome.then(
      () => undefined,
      (err: unknown) => err,
    );
    claim.done = (async () => {
      const err = await failedEarly;
      if (err !== undefined) this.reportFailure(claim, err);
      if (this.active === claim) this.active = null;
    })();
    // startRun answers once the run exists in the store, or with the error that kept it from being created.
    const early = await Promise.race([ready.then(() => undefined), failedEarly]);
    if (early !== undefined) throw toRlvrError(early);
    return { runId };
  }

  stop(runId: string): { stopped: boolean } {
    const a = this.requireActive(runId);
    if (!a) return { stopped: false };
    a.engine.stop();
    return { stopped: true };
  }

  pause(runId: string): { paused: boolean } {
    const a = this.requireActive(runId);
    if (!a || this.statusOf(runId) === 'paused') return { paused: false };
    a.engine.pause();
    this.setStatus(a, 'paused');
    return { paused: true };
  }

  resume(runId: string): { resumed: boolean } {
    const a = this.requireActive(runId);
    if (!a || this.statusOf(runId) !== 'paused') return { resumed: false };
    this.setStatus(a, 'running');
    a.engine.resume();
    return { resumed: true };
  }

  /** Stops the active run and waits for its current step to be stored (daemon shutdown). */
  async shutdown(): Promise<void> {
    const a = this.active;
    if (!a?.engine) return;
    this.stop(a.runId);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_GRACE_MS)));
    await Promise.race([a.done, grace]);
    clearTimeout(timer);
    // An engine that never reached its step boundary (hung) is ended; the run is marked failed.
    a.engine.kill(`the engine did not stop within ${SHUTDOWN_GRACE_MS / 1000} s of the daemon shutting down`);
    await a.done;
  }

  /** The run's status as stored; a run whose engine has not created it yet is running. */
  private statusOf(runId: string): RunStatus {
    try {
      return this.store.getRun(runId).status;
    } catch {
      return 'running';
    }
  }

  /** The active run by id, or null when it is not running (ended runs answer false). */
  private requireActive(runId: string): ActiveRun | null {
    const a = this.active;
    if (a?.runId === runId && a.engine && !TERMINAL.includes(this.statusOf(runId))) return a;
    this.store.getRun(runId); // RunNotFound for an unknown id; a known inactive run answers false
    return null;
  }

  private setStatus(a: ActiveRun, status: RunStatus): void {
    this.store.setRunStatus(a.runId, status);
    this.broadcast(Notifications.runChanged, this.store.getRun(a.runId));
  }

  /** The store, with the run id fixed in advance (so its folder is known before it exists). */
  private sinkFor(runId: string, created: () => void): RunSink {
    const store = this.store;
    return {
      createRun: (run) => {
        const id = store.createRun({ ...run, id: runId });
        created();
        return id;
      },
      setRunStatus: (id, status, error) => {
        // A pause is the server's to set and clear; the engine reports only what it did.
        if (id === runId && status === 'running' && store.getRun(id).status === 'paused') return;
        store.setRunStatus(id, status, error);
      },
      upsertStage: (id, stage) => store.upsertStage(id, stage),
      recordStep: (m, rollouts) => store.recordStep(m, rollouts),
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
    const e = toRlvrError(err);
    try {
      const run = this.store.getRun(a.runId);
      if (run.status === 'running' || run.status === 'paused') {
        // The engine could not say so itself (its thread died or was ended): the run and its running stage fail here.
        this.store.setRunStatus(a.runId, 'failed', e.message);
        for (const s of run.stages) if (s.status === 'running') this.store.upsertStage(a.runId, { ...s, status: 'failed' });
        this.broadcast(Notifications.error, { runId: a.runId, code: e.code, message: e.message });
        this.broadcast(Notifications.runChanged, this.store.getRun(a.runId));
      }
    } catch {
      // The run was never created (bad config): the startRun caller gets the error.
    }
  }
}

/** Errors as protocol errors: typed ones (RlvrError, the engine's included) keep their code and data. */
export function toRlvrError(err: unknown): RlvrError {
  if (isRlvrError(err)) return err;
  return new RlvrError(ErrorCodes.Internal, err instanceof Error ? err.message : String(err));
}

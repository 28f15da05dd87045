// Runs an engine on the calling (server) thread, as the daemon did before the engine had a
// thread of its own. For stand-in engines in tests and benches, which are objects and cannot
// cross into a thread, and for the before/after benchmark (RLVR_BENCH_ENGINE_ON_SERVER_THREAD).
// A hung engine here hangs the server: kill() can only give up waiting for it.
import { ErrorCodes } from '../../../shared/protocol.js';
import { RlvrError, isRlvrError } from '../../../shared/errors.js';
import type { RunCurriculumOptions, RunOutcome } from '../api.js';
import type { EngineHandle, EngineHost } from './handle.js';
import type { EngineThreadOptions } from './messages.js';

export interface Engine {
  runCurriculum(opts: RunCurriculumOptions): Promise<RunOutcome>;
}

export function startOnThisThread(engine: Engine, options: EngineThreadOptions, host: EngineHost): EngineHandle {
  const controller = new AbortController();
  let pause: { promise: Promise<void>; release: () => void } | null = null;
  let killed!: (err: RlvrError) => void;
  const gaveUp = new Promise<never>((_, reject) => (killed = reject));
  const run = engine.runCurriculum({
    ...options,
    sink: host.sink,
    notify: (type, params) => host.notify(type, params),
    signal: controller.signal,
    waitWhilePaused: async () => {
      // On the server's thread a stop or pause request is read only when the loop turns.
      await new Promise((resolve) => setImmediate(resolve));
      if (!pause) return;
      host.onHeld();
      await pause.promise;
    },
  });
  const outcome = Promise.race([run, gaveUp]).catch((err: unknown) => {
    throw isRlvrError(err) ? err : new RlvrError(ErrorCodes.Internal, err instanceof Error ? err.message : String(err));
  });
  return {
    outcome,
    pause: () => {
      if (pause) return;
      let release!: () => void;
      const promise = new Promise<void>((r) => (release = r));
      pause = { promise, release };
    },
    resume: () => {
      const p = pause;
      pause = null;
      p?.release();
    },
    stop: () => {
      controller.abort();
      const p = pause;
      pause = null;
      p?.release(); // a paused engine must wake up to see the abort
    },
    kill: (reason) => killed(new RlvrError(ErrorCodes.Internal, reason)),
  };
}

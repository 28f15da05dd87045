// What crosses between the server thread and the engine thread (engine-thread.ts starts it,
// engine-worker.ts runs in it). Engine to server: exactly the RunSink calls and the
// notifications, then how the run ended. Server to engine: pause, resume and stop, as a
// word in shared memory that the engine reads at every step boundary. Types and constants
// only: both threads import this.
import type { ErrorCode, RlvrErrorData } from '../../../shared/protocol.js';
import type { RunCurriculumOptions, RunOutcome, RunSink } from '../api.js';

/** The options of runCurriculum that can be cloned into the thread (no sink, notify, signal). */
export type EngineThreadOptions = Omit<RunCurriculumOptions, 'sink' | 'notify' | 'signal' | 'waitWhilePaused'>;

export type SinkMethod = keyof RunSink;

/** An error as data: its protocol code survives the crossing (no message matching). */
export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  data?: RlvrErrorData;
}

export type EngineMessage =
  /** A RunSink call; the engine blocks until the reply is in `replies` and the flag is set. */
  | { kind: 'sink'; method: SinkMethod; args: unknown[] }
  | { kind: 'notify'; method: string; params: unknown }
  /** The engine holds at a step boundary because the control word says paused. */
  | { kind: 'held' }
  | { kind: 'done'; outcome: RunOutcome }
  | { kind: 'failed'; error: ErrorPayload };

export type SinkReply = { ok: true; value: unknown } | { ok: false; error: ErrorPayload };

/** Int32 slots of the shared control buffer. */
export const Slot = {
  /** 1 once the server has posted the reply to the pending sink call; the engine resets it. */
  reply: 0,
  /** What the server wants the run to do (Control). */
  control: 1,
} as const;
export const CONTROL_SLOTS = 2;

export const Control = { run: 0, pause: 1, stop: 2 } as const;
export type ControlState = (typeof Control)[keyof typeof Control];

/**
 * Test-only fault injection: the engine thread ends this way at its first step boundary,
 * after the run is created (exit: process.exit in the thread; throw: an uncaught exception;
 * hang: an endless loop; oom: fills its heap).
 */
export const TEST_ONLY_FAULT_ENV = 'RLVR_TEST_ONLY_ENGINE_THREAD_FAULT';
/** Test-only: the engine thread's heap limit in MiB (out-of-memory tests). */
export const TEST_ONLY_HEAP_MB_ENV = 'RLVR_TEST_ONLY_ENGINE_HEAP_MB';

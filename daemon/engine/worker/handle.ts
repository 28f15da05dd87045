// What the server holds of a running engine, wherever it runs (its own thread, or the
// server's for stand-in engines and the before/after benchmark).
import type { NotificationType } from '../../../shared/protocol.js';
import type { RunOutcome, RunSink } from '../api.js';
import type { EngineThreadOptions } from './messages.js';

export interface EngineHandle {
  /** Settles when the run has ended; rejects with an RlvrError (typed code) when it failed. */
  readonly outcome: Promise<RunOutcome>;
  /** Pause, resume and stop take effect at the next step boundary. */
  pause(): void;
  resume(): void;
  stop(): void;
  /** Ends an engine that does not stop by itself; `outcome` rejects with `reason`. */
  kill(reason: string): void;
}

export interface EngineHost {
  /** The server's side of the run: sink calls land in the store, notifications go to clients. */
  sink: RunSink;
  notify: (type: NotificationType<unknown>, params: unknown) => void;
  /** The engine holds at a step boundary (paused). */
  onHeld: () => void;
}

export type StartEngine = (options: EngineThreadOptions, host: EngineHost) => EngineHandle;

// The engine thread's entry (engine-thread.ts starts it): runs runCurriculum with a RunSink
// whose every call is a message to the server thread, which owns the store, and a notify
// that posts the notification. Sink calls are synchronous in the engine (recordStep returns
// the stored rollouts' ids), so each one blocks this thread until the server has written it:
// the reply comes on its own port and a flag in shared memory says it is there.
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { ErrorCodes } from '../../../shared/protocol.js';
import { RlvrError } from '../../../shared/errors.js';
import type { Notify, RunSink } from '../api.js';
import { runCurriculum } from '../run.js';
import { configureTaskLimitDefaults } from '../../verify/code/limits.js';
import { fromErrorPayload, toErrorPayload } from './error-payload.js';
import { Control, Slot, TEST_ONLY_FAULT_ENV, type EngineMessage, type EngineThreadOptions, type SinkMethod, type SinkReply } from './messages.js';

export interface EngineWorkerData {
  options: EngineThreadOptions;
  /** Int32 slots (messages.ts Slot): the reply flag and the control word. */
  shared: SharedArrayBuffer;
  replies: MessagePort;
}

// Atomics.waitAsync is in Node 16+, not in TypeScript's ES2022 lib.
type WaitAsync = (a: Int32Array, index: number, value: number) => { async: boolean; value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

const { options, shared, replies } = workerData as EngineWorkerData;
const words = new Int32Array(shared);
const port = parentPort!;
const post = (m: EngineMessage) => port.postMessage(m);

function callSink(method: SinkMethod, args: unknown[]): unknown {
  post({ kind: 'sink', method, args });
  Atomics.wait(words, Slot.reply, 0);
  Atomics.store(words, Slot.reply, 0);
  const reply = receiveMessageOnPort(replies)?.message as SinkReply | undefined;
  if (!reply) throw new RlvrError(ErrorCodes.Internal, `the server flagged a reply to ${method} but none arrived`);
  if (!reply.ok) throw fromErrorPayload(reply.error);
  return reply.value;
}

const forward = <M extends SinkMethod>(method: M) => ((...args: unknown[]) => callSink(method, args)) as RunSink[M];
const sink: RunSink = {
  createRun: forward('createRun'),
  setRunStatus: forward('setRunStatus'),
  upsertStage: forward('upsertStage'),
  recordStep: forward('recordStep'),
  recordCheckpoint: forward('recordCheckpoint'),
  lastCheckpoint: forward('lastCheckpoint'),
  deleteStepsAfter: forward('deleteStepsAfter'),
  recordEval: forward('recordEval'),
};
const notify: Notify = (type, params) => post({ kind: 'notify', method: type.method, params });

let fault = process.env[TEST_ONLY_FAULT_ENV];
function injectTestOnlyFault(): void {
  if (!fault) return;
  const kind = fault;
  fault = undefined;
  if (kind === 'exit') process.exit(70);
  if (kind === 'throw') setImmediate(() => { throw new Error(`${TEST_ONLY_FAULT_ENV}=throw: an uncaught exception in the engine thread`); });
  if (kind === 'hang') for (;;);
  if (kind === 'oom') {
    const hoard: unknown[] = [];
    for (;;) hoard.push(Array.from({ length: 1e5 }, (_, i) => ({ i })));
  }
}

const controller = new AbortController();
// The trainer calls this at every step boundary: the control word is read there, with no
// event-loop turn needed, so a pause or stop sent during a step holds before the next one.
async function atStepBoundary(): Promise<void> {
  injectTestOnlyFault();
  if (Atomics.load(words, Slot.control) === Control.pause) {
    post({ kind: 'held' });
    // A pending waitAsync does not keep the thread alive: with nothing else to wait on it
    // would exit (code 13, unsettled top-level await). This timer holds it while paused.
    const keepAlive = setInterval(() => {}, 1 << 30);
    try {
      while (Atomics.load(words, Slot.control) === Control.pause) {
        const w = waitAsync(words, Slot.control, Control.pause);
        if (w.async) await w.value;
      }
    } finally {
      clearInterval(keepAlive);
    }
  }
  if (Atomics.load(words, Slot.control) === Control.stop) controller.abort();
}

// The server's sandbox settings: this thread's own copy of the verifiers reads them here.
configureTaskLimitDefaults(options.taskLimitDefaults ?? {});

try {
  const outcome = await runCurriculum({ ...options, sink, notify, signal: controller.signal, waitWhilePaused: atStepBoundary });
  post({ kind: 'done', outcome });
} catch (err) {
  post({ kind: 'failed', error: toErrorPayload(err) });
}

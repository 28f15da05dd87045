// Runs a training run in its own worker thread (engine-worker.ts), so that the server's
// thread only serves sockets and writes the store: a step's sampling and update no longer
// delay another client's answer, and an engine that throws, exits or runs out of memory
// ends its thread, not the daemon. The server answers each sink call on this thread (the
// store stays single-threaded) and wakes the blocked engine through shared memory.
import { getHeapStatistics } from 'node:v8';
import { MessageChannel, Worker } from 'node:worker_threads';
import { ErrorCodes } from '../../../shared/protocol.js';
import { RlvrError } from '../../../shared/errors.js';
import type { RunOutcome } from '../api.js';
import { fromErrorPayload, toErrorPayload } from './error-payload.js';
import type { EngineWorkerData } from './engine-worker.js';
import type { EngineHandle, StartEngine } from './handle.js';
import { CONTROL_SLOTS, Control, Slot, TEST_ONLY_HEAP_MB_ENV, type ControlState, type EngineMessage, type SinkReply } from './messages.js';

export const startEngineThread: StartEngine = (options, host) => {
  const shared = new SharedArrayBuffer(CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT);
  const words = new Int32Array(shared);
  const { port1: replies, port2 } = new MessageChannel();
  const data: EngineWorkerData = { options, shared, replies: port2 };
  const worker = new Worker(new URL('./engine-worker.js', import.meta.url), {
    workerData: data,
    transferList: [port2],
    // The heap the engine had on the server's thread, stated so that running out of it ends
    // the thread (ERR_WORKER_OUT_OF_MEMORY), not the daemon. A test may make it small.
    resourceLimits: { maxOldGenerationSizeMb: Number(process.env[TEST_ONLY_HEAP_MB_ENV]) || Math.ceil(getHeapStatistics().heap_size_limit / 2 ** 20) },
  });

  let ended = false;
  let crash: Error | undefined;
  let killedBecause: string | undefined;
  const outcome = new Promise<RunOutcome>((resolve, reject) => {
    const end = (settle: () => void) => {
      if (ended) return;
      ended = true;
      settle();
      replies.close();
      void worker.terminate(); // whatever the engine left running (pools, timers) goes with it
    };
    worker.on('message', (m: EngineMessage) => {
      switch (m.kind) {
        case 'sink': {
          let reply: SinkReply;
          try {
            const method = host.sink[m.method] as (...args: unknown[]) => unknown;
            reply = { ok: true, value: method(...m.args) ?? null };
          } catch (err) {
            reply = { ok: false, error: toErrorPayload(err) };
          }
          // The reply is queued on its port before the flag is raised: the engine reads it as soon as it wakes.
          replies.postMessage(reply);
          Atomics.store(words, Slot.reply, 1);
          Atomics.notify(words, Slot.reply);
          break;
        }
        case 'notify':
          host.notify({ method: m.method }, m.params);
          break;
        case 'held':
          host.onHeld();
          break;
        case 'done':
          end(() => resolve(m.outcome));
          break;
        case 'failed':
          end(() => reject(fromErrorPayload(m.error)));
          break;
      }
    });
    // An uncaught exception or out-of-memory in the thread: 'error', then 'exit'.
    worker.on('error', (err) => (crash = err));
    worker.on('exit', (code) => {
      const why = killedBecause ?? (crash ? `the engine thread died: ${crash.message}` : `the engine thread exited with code ${code} before the run ended`);
      end(() => reject(new RlvrError(ErrorCodes.Internal, why)));
    });
  });

  const setControl = (state: ControlState) => {
    Atomics.store(words, Slot.control, state);
    Atomics.notify(words, Slot.control);
  };
  const handle: EngineHandle = {
    outcome,
    pause: () => setControl(Control.pause),
    resume: () => setControl(Control.run),
    stop: () => setControl(Control.stop),
    kill: (reason) => {
      if (ended) return;
      killedBecause = reason;
      void worker.terminate();
    },
  };
  return handle;
};

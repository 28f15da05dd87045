// The WASM backend's XNNPACK kernels (matMul above all) on several threads in Node, by a
// runtime shim around @tensorflow/tfjs-backend-wasm 4.22.0's init(); nothing in
// node_modules is edited. tfjs itself runs the threaded binary only in browsers (tfjs
// issue #3830), although the package ships it with Emscripten's worker_threads support.
//
// Facts that shaped it, all read from that version's dist/tf-backend-wasm.node.js:
// - The flag WASM_HAS_MULTITHREAD_SUPPORT is false whenever IS_NODE; set, init() picks
//   tfjs-backend-wasm-threaded-simd.wasm and its factory (it needs SIMD too).
// - init() hands Emscripten the pthread worker script as URL.createObjectURL(new Blob(...))
//   and the main script (the factory's own source text) as a Blob. Node's Worker and the
//   worker's importScripts (a readFileSync) cannot open either. So while init() runs, Blob
//   records its text, and createObjectURL writes the script to a temp file and returns the
//   path; the temp files go once every worker has read them.
// - The factory's source refers to names of the bundle around it (tslib's __values,
//   __read, __spreadArray; the bundle's require$$0/1/3/4; commonjsGlobal; _scriptDir).
//   Evaluated in a worker they do not exist: the worker file defines them (WORKER_EPILOGUE).
// - XNNPACK's pool gets min(asked, 8, emscripten_num_logical_cores() / 2) threads: tfjs
//   halves the core count for hyper-threading and pre-spawns 8 workers. In Node that core
//   count is os.cpus().length, read once while the module starts: it reports 2n then.
// - Emscripten ref()s a worker while it runs a pthread, and XNNPACK's pool threads live as
//   long as the backend, so they would keep the process alive forever: once the backend is
//   up, its workers are unref()'d and stay so (the main thread blocks while they compute,
//   so nothing ever waits on them with an empty event loop).
// Anything that fails falls back to one thread, and the backend report says why.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Worker as NodeWorker, WorkerOptions } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { gateThreadPool } from './wasm-thread-gate.js';

type WasmPackage = typeof import('@tensorflow/tfjs-backend-wasm');
type BackendWasm = import('@tensorflow/tfjs-backend-wasm').BackendWasm;

/** The tfjs-backend-wasm release whose init() this shim was written against. */
export const THREADED_WASM_VERSION = '4.22.0';
/** tfjs caps XNNPACK's pool at the 8 workers Emscripten pre-spawns. */
export const MAX_WASM_THREADS = 8;
/**
 * Smallest matMul (2*M*N*K) that runs on the pool; smaller ones, and every other op, run on
 * the calling thread (wasm-thread-gate.ts). Measured on 2 shared cores (wasm-threads.bench):
 * 2 threads won from 128x128 (4 MFLOP) in one run and only from 384x384 (113 MFLOP) in
 * another, as other processes took the second core; 2^26 (~320x320) keeps the products
 * that win in most runs.
 */
export const MIN_THREADED_FLOPS = 2 ** 26;
/** Longer than 8 workers take to load the module on a busy 2-core machine (~1-3 s). */
const START_TIMEOUT_MS = 60_000;
const THREADS_FLAG = 'WASM_HAS_MULTITHREAD_SUPPORT';
const MAIN_SCRIPT_HEAD = 'var WasmBackendModuleThreadedSimd = ';

const require = createRequire(import.meta.url);
/** The package's dist folder, where its .wasm binaries are. */
export const packageDist = () => path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
// The CommonJS module objects the bundle itself require()s: what it reads, this patches.
const osModule = require('node:os') as { cpus: typeof os.cpus };
const threadsModule = require('node:worker_threads') as { Worker: typeof NodeWorker };

export interface WasmThreads {
  /** Threads XNNPACK runs on (the calling thread included). */
  threads: number;
  /** Why fewer threads run than were asked for, or run differently, when that is so. */
  note?: string;
}

export interface WasmThreadOptions {
  /** Threads asked for; 1 turns threads off. */
  threads: number;
  /** Smallest matMul FLOPs given the threads; 0: every XNNPACK op gets them (tfjs's own way). */
  minFlops: number;
}

function positiveInteger(value: number, what: string, raw: string = String(value)): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${what} must be a positive integer (1 turns WASM threads off), got '${raw}'`);
  return value;
}

/**
 * Threads asked for: the option, else env RLVR_WASM_THREADS, else this machine's cores;
 * the matMul size from which they run: env RLVR_WASM_THREADS_MIN_FLOPS, else MIN_THREADED_FLOPS.
 */
export function wasmThreadOptions(threads?: number): WasmThreadOptions {
  const env = process.env.RLVR_WASM_THREADS?.trim();
  const flops = process.env.RLVR_WASM_THREADS_MIN_FLOPS?.trim();
  const minFlops = flops ? Number(flops) : MIN_THREADED_FLOPS;
  if (!(minFlops >= 0)) throw new Error(`RLVR_WASM_THREADS_MIN_FLOPS must be a number >= 0 (0 puts every op on the threads), got '${flops}'`);
  return {
    threads:
      threads !== undefined
        ? positiveInteger(threads, 'the wasmThreads option')
        : env
          ? positiveInteger(Number(env), 'RLVR_WASM_THREADS', env)
          : os.availableParallelism(),
    minFlops,
  };
}

let starting: Promise<void> | null = null;
/** Why the module started on fewer threads than asked, and why its threads are not gated. */
let startNote: string | undefined;
let gateNote: string | undefined;

/**
 * Activates tfjs's 'wasm' backend on `opts.threads` threads (capped at MAX_WASM_THREADS),
 * or on one with the reason in `note`. The module starts once per process: later calls
 * activate it as it is and report its threads.
 */
export async function activateWasm(wasm: WasmPackage, opts: WasmThreadOptions): Promise<WasmThreads> {
  const fresh = tf.findBackend('wasm') === null;
  if (fresh) {
    starting ??= start(wasm, opts).finally(() => (starting = null));
    await starting;
  }
  if (!(await tf.setBackend('wasm'))) throw new Error(`tf.setBackend('wasm') failed`);
  await tf.ready();
  const threads = wasm.getThreadsCount();
  const expected = Math.min(opts.threads, MAX_WASM_THREADS);
  const note =
    threads !== expected && !fresh
      ? `the WASM module already runs ${threads} thread${threads === 1 ? '' : 's'} in this process`
      : threads < opts.threads
        ? startNote
        : gateNote;
  return { threads, ...(note ? { note } : {}) };
}

async function start(wasm: WasmPackage, opts: WasmThreadOptions): Promise<void> {
  const n = Math.min(opts.threads, MAX_WASM_THREADS);
  startNote = opts.threads > n ? `capped at ${MAX_WASM_THREADS}, the worker pool tfjs-backend-wasm builds` : undefined;
  gateNote = undefined;
  if (n > 1) {
    const unsupported = await threadsUnsupported(wasm);
    if (unsupported === undefined) {
      try {
        await startThreaded(wasm, n);
        gate(n, opts.minFlops);
        return;
      } catch (err) {
        startNote = `threads could not start: ${(err as Error).message}`;
      }
    } else {
      startNote = unsupported;
    }
  }
  tf.env().set(THREADS_FLAG, false);
  wasm.setThreadsCount(1);
  if (!(await tf.setBackend('wasm'))) throw new Error(`tf.setBackend('wasm') failed`);
}

function gate(threads: number, minFlops: number): void {
  try {
    const use = minFlops > 0 ? { minFlops } : 'all';
    gateThreadPool(tf.findBackend('wasm') as BackendWasm, path.join(packageDist(), 'tfjs-backend-wasm-threaded-simd.wasm'), threads, use);
  } catch (err) {
    gateNote = `threads on every XNNPACK op, not only on large matMuls: ${(err as Error).message}`;
  }
}

async function threadsUnsupported(wasm: WasmPackage): Promise<string | undefined> {
  if (wasm.version_wasm !== THREADED_WASM_VERSION) {
    return `threads need @tensorflow/tfjs-backend-wasm ${THREADED_WASM_VERSION} (the shim follows its init()), found ${wasm.version_wasm}`;
  }
  if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) return 'the threaded WASM binary needs WASM SIMD, which this Node lacks';
  return undefined;
}

async function startThreaded(wasm: WasmPackage, n: number): Promise<void> {
  // Made before tfjs starts, so that the usual failure (no writable temp folder) is plain.
  let dir: string;
  try {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlvr-wasm-threads-'));
  } catch (err) {
    throw new Error(`no folder for the worker scripts: ${(err as Error).message}`);
  }
  const texts = new WeakMap<Blob, string>();
  let mainScript: string | undefined;
  let workerFile: string | undefined;
  const workers: NodeWorker[] = [];
  let released = false;

  const saved = {
    Blob: globalThis.Blob,
    createObjectURL: URL.createObjectURL,
    cpus: osModule.cpus,
    Worker: threadsModule.Worker,
    globalWorker: Object.getOwnPropertyDescriptor(globalThis, 'Worker'),
  };

  class RecordingBlob extends saved.Blob {
    constructor(...args: ConstructorParameters<typeof Blob>) {
      super(...args);
      const parts = args[0];
      if (parts?.every((p) => typeof p === 'string')) {
        const text = parts.join('');
        texts.set(this, text);
        if (text.startsWith(MAIN_SCRIPT_HEAD)) mainScript = text;
      }
    }
  }
  // Emscripten's pool: tracked to be let go of (unref) or ended (terminate) as a whole.
  let fail: (err: Error) => void = () => {};
  const failure = new Promise<never>((_, reject) => (fail = reject));
  class PoolWorker extends saved.Worker {
    constructor(filename: string | URL, options?: WorkerOptions) {
      super(filename, options);
      workers.push(this);
      this.on('message', (m: unknown) => {
        if (m !== null && typeof m === 'object' && 'rlvrLoadError' in m) fail(new Error(String(m.rlvrLoadError)));
      });
    }
    override ref(): void {
      if (!released) super.ref();
    }
    // While the pool starts, a worker's error fails the start; Emscripten's own handler
    // would rethrow it as an uncaught exception of this process.
    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'error' && !released) {
        fail(new Error(`a worker failed: ${(args[0] as Error | undefined)?.message ?? String(args[0])}`));
        return true;
      }
      return super.emit(event, ...args);
    }
  }
  const createObjectURL = (obj: Blob): string => {
    const text = texts.get(obj);
    if (text === undefined || !text.includes('WasmBackendModuleThreadedSimd(Module)')) return saved.createObjectURL(obj);
    if (workerFile) return workerFile;
    try {
      if (mainScript === undefined) throw new Error('tfjs did not build the threaded main script as expected');
      const mainFile = path.join(dir, 'tfjs-backend-wasm-threaded-simd.js');
      fs.writeFileSync(mainFile, mainScript);
      // .cjs: the worker script uses require and __filename whatever package.json says.
      const file = path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.cjs');
      fs.writeFileSync(file, text + WORKER_EPILOGUE.replace('MAIN_SCRIPT_PATH', () => JSON.stringify(mainFile)));
      return (workerFile = file);
    } catch (err) {
      fail(err as Error);
      throw err;
    }
  };

  const restore = () => {
    globalThis.Blob = saved.Blob;
    URL.createObjectURL = saved.createObjectURL;
    osModule.cpus = saved.cpus;
    threadsModule.Worker = saved.Worker;
    // Emscripten sets a global Worker for itself; Node code reads its absence as "not a browser".
    if (saved.globalWorker) Object.defineProperty(globalThis, 'Worker', saved.globalWorker);
    else delete (globalThis as { Worker?: unknown }).Worker;
  };
  const removeFiles = () => fs.rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeFiles); // should the process end while the module starts

  let timer: NodeJS.Timeout | undefined;
  try {
    globalThis.Blob = RecordingBlob;
    URL.createObjectURL = createObjectURL;
    osModule.cpus = () => {
      const real = saved.cpus();
      return Array.from({ length: 2 * n }, (_, i) => real[i % real.length]);
    };
    threadsModule.Worker = PoolWorker;
    tf.env().set(THREADS_FLAG, true);
    wasm.setThreadsCount(n);

    timer = setTimeout(() => fail(new Error(`the worker pool did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    // A worker's failure reaches tfjs's init() as a generic abort: keep the first reason.
    let firstFailure: Error | undefined;
    failure.catch((err: Error) => (firstFailure ??= err));
    const ok = await Promise.race([tf.setBackend('wasm'), failure]);
    if (!ok) throw firstFailure ?? new Error(`tf.setBackend('wasm') failed with ${n} threads`);
    released = true;
    for (const w of workers) w.unref();
  } catch (err) {
    for (const w of workers) void w.terminate();
    tf.env().set(THREADS_FLAG, false);
    throw err;
  } finally {
    clearTimeout(timer);
    restore();
    removeFiles();
    process.removeListener('exit', removeFiles);
  }
}

// Appended to tfjs's worker script (its "use strict" must stay first). It runs before the
// worker's first message, which is the one that loads the main script.
const WORKER_EPILOGUE = `
;(function () {
  'use strict';
  var g = globalThis;
  var mainScript = MAIN_SCRIPT_PATH;
  // The bundle-level names the factory's source refers to (see wasm-threads.ts).
  g.__values = function (o) { return o[Symbol.iterator](); };
  g.__read = function (o, n) {
    var out = [], it = o[Symbol.iterator](), r;
    while ((n === undefined || n-- > 0) && !(r = it.next()).done) out.push(r.value);
    return out;
  };
  g.__spreadArray = function (to, from) { return to.concat(Array.prototype.slice.call(from)); };
  g.require$$0 = require('fs');
  g.require$$1 = require('path');
  g.require$$3 = require('perf_hooks');
  g.require$$4 = require('os');
  g.commonjsGlobal = g;
  g._scriptDir = mainScript;
  // The main script arrives as a Blob: it is this file on disk.
  URL.createObjectURL = function () { return mainScript; };
  URL.revokeObjectURL = function () {};
  // A worker that cannot load the module says why and aborts tfjs's init() (a rejected
  // setBackend), instead of throwing, which Emscripten rethrows as an uncaught exception.
  var handle = g.onmessage;
  g.onmessage = function (e) {
    try {
      handle(e);
    } catch (err) {
      if (!e.data || e.data.cmd !== 'load' || !g.Module || typeof g.Module.onAbort !== 'function') throw err;
      require('worker_threads').parentPort.postMessage({ rlvrLoadError: 'a worker could not load the threaded module: ' + String(err && err.message || err) });
      g.Module.onAbort(String(err));
    }
  };
})();
`;

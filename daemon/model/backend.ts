// Picks the TensorFlow.js backend: the first in the preference order that loads wins, and
// the report says which, from which package, and why each earlier one was skipped.
// Measured on 2 cores (0.83M-parameter GPT, 16x256 tokens): a train step takes ~7 s on
// WASM vs ~75 s on the plain CPU backend, so WASM is the default without a GPU. WASM runs
// its matMuls on every core (wasm-threads.ts) unless RLVR_WASM_THREADS or the wasmThreads
// option says otherwise.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { BackendReport } from '../../shared/protocol.js';
import { activateWasm, packageDist, wasmThreadOptions, type WasmThreadOptions } from './wasm-threads.js';
import { loadWebGpuBackend } from './webgpu.js';

export interface BackendOptions {
  /** Threads for the WASM backend's matMuls; default env RLVR_WASM_THREADS, else the cores. 1 turns threads off. */
  wasmThreads?: number;
}

interface Candidate {
  /** What `--backend` / RLVR_BACKEND accept for it. */
  names: string[];
  package: string;
  /** Loads and activates the backend, or throws saying why it cannot. `forced`: named by the user. */
  load(forced: boolean, wasmThreads: WasmThreadOptions): Promise<Partial<BackendReport> | void>;
}

async function activate(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
}

// The native packages are optional peer dependencies (their install downloads TensorFlow);
// a missing one is the usual case, so it is reported in a few words, not as a stack.
async function importOptional(pkg: string): Promise<void> {
  try {
    await import(pkg);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') throw new Error('not installed');
    throw new Error(`failed to load: ${e.message.split('\n')[0]}`);
  }
}

const CANDIDATES: Candidate[] = [
  {
    // Dawn's Node bindings over Vulkan (webgpu.ts). A software adapter (lavapipe) only when
    // forced: auto-selection would otherwise train on the CPU while saying "webgpu".
    names: ['webgpu'],
    package: '@tensorflow/tfjs-backend-webgpu',
    async load(forced) {
      return loadWebGpuBackend({ allowSoftware: forced });
    },
  },
  {
    names: ['tensorflow-gpu', 'node-gpu', 'tfjs-node-gpu'],
    package: '@tensorflow/tfjs-node-gpu',
    async load() {
      await importOptional('@tensorflow/tfjs-node-gpu');
      await activate('tensorflow');
    },
  },
  {
    names: ['tensorflow', 'node', 'tfjs-node'],
    package: '@tensorflow/tfjs-node',
    async load() {
      await importOptional('@tensorflow/tfjs-node');
      await activate('tensorflow');
    },
  },
  {
    names: ['wasm'],
    package: '@tensorflow/tfjs-backend-wasm',
    async load(_forced, wasmThreads) {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // In Node the .wasm binaries are read from disk: point at the package's dist folder.
      if (tf.findBackend('wasm') === null) wasm.setWasmPaths(packageDist() + path.sep);
      const { threads, note } = await activateWasm(wasm, wasmThreads);
      const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD';
      return { adapter: `${simd}, ${threads} thread${threads === 1 ? '' : 's'}`, threads, ...(note ? { threadsNote: note } : {}) };
    },
  },
  {
    names: ['cpu'],
    package: '@tensorflow/tfjs-backend-cpu',
    async load() {
      await activate('cpu');
    },
  },
];

export const BACKEND_NAMES: string[] = CANDIDATES.flatMap((c) => c.names);

let current: { key: string; report: BackendReport } | null = null;
let selecting: Promise<unknown> = Promise.resolve();

/**
 * Activates a backend and says which. `forced` (or env RLVR_BACKEND when `forced` is not
 * given) names one of BACKEND_NAMES; forcing one that cannot load is an error, never a
 * silent fallback. Calling it again with the same choice returns the same report. The
 * WASM module starts once per process, with the threads of the first call that loads it.
 * Calls run one after another: two selections at once (the daemon's status and a run
 * starting) would both set tfjs's one global backend, and tensors then fail with
 * "backend.makeTensorInfo is not a function".
 */
export function initBackend(forced?: string, options: BackendOptions = {}): Promise<BackendReport> {
  const next = selecting.then(() => selectBackend(forced, options));
  selecting = next.catch(() => undefined);
  return next;
}

async function selectBackend(forced: string | undefined, options: BackendOptions): Promise<BackendReport> {
  const want = (forced ?? process.env.RLVR_BACKEND ?? '').trim().toLowerCase() || undefined;
  // Validated first: a bad RLVR_WASM_THREADS is an error, not a reason to skip WASM.
  const threads = wasmThreadOptions(options.wasmThreads);
  const key = `${want ?? 'auto'}/${threads.threads}/${threads.minFlops}`;
  if (current && current.key === key) return current.report;

  if (want !== undefined) {
    const c = CANDIDATES.find((x) => x.names.includes(want));
    if (!c) throw new Error(`unknown backend '${want}' (expected one of: ${BACKEND_NAMES.join(', ')})`);
    try {
      const extra = await c.load(true, threads);
      return remember(key, { name: tf.getBackend(), package: c.package, ...(extra ?? {}), skipped: [] });
    } catch (err) {
      throw new Error(`backend '${want}' (${c.package}) was forced but cannot be used: ${(err as Error).message}`);
    }
  }

  const skipped: { name: string; reason: string }[] = [];
  for (const c of CANDIDATES) {
    try {
      const extra = await c.load(false, threads);
      return remember(key, { name: tf.getBackend(), package: c.package, ...(extra ?? {}), skipped });
    } catch (err) {
      skipped.push({ name: c.names[0], reason: (err as Error).message });
    }
  }
  throw new Error(`no TensorFlow.js backend could be loaded: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

function remember(key: string, report: BackendReport): BackendReport {
  current = { key, report };
  return report;
}

/** One line for logs and the CLI: "wasm (@tensorflow/tfjs-backend-wasm, SIMD, 2 threads); skipped webgpu: ..." */
export function describeBackend(r: BackendReport): string {
  const head = `${r.name} (${r.package}${r.adapter ? `, ${r.adapter}` : ''}${r.softwareFallback ? ', software fallback' : ''}${r.threadsNote ? `: ${r.threadsNote}` : ''})`;
  const skipped = (r.skipped ?? []).map((s) => `${s.name}: ${s.reason}`).join('; ');
  return skipped ? `${head}; skipped ${skipped}` : head;
}

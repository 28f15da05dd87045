// Threads only for the matMuls big enough to pay for them. tfjs-backend-wasm hands one
// pthreadpool to every XNNPACK op (matMul, but also add, mul, ...), and waking the pool
// costs more than a small op: measured on 2 shared cores, 96x96 and 128x128 matMuls take
// 2.5-4x longer on 2 threads, and the embedded model's GRPO step (64-row products of width
// 64 while sampling) 2-4x longer with every op threaded. The pool is the C++ global
// `tfjs::backend::threadpool`; pthreadpool runs the work of a null pool on the calling
// thread (its documented contract), so the gate keeps that pointer null and sets it only
// while a BatchMatMul or _FusedMatMul of at least `minFlops` runs.
//
// The pointer's address is read from the binary: get_threads_count() loads it
// (`i32.const ADDR; i32.load; local.tee; i32.eqz; if; i32.const -1; return`), and the gate
// checks it at run time (null there makes get_threads_count() return -1) before using it.
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

const GATED_KERNELS = ['BatchMatMul', '_FusedMatMul'];

/** MatMuls run since the gate went up, on the pool and on the calling thread, and their wall seconds. */
export const gatedMatMuls = { threaded: 0, serial: 0, threadedSeconds: 0, serialSeconds: 0 };

/** Reads an unsigned LEB128 at `at`; returns the value and the offset after it. */
function leb(buf: Uint8Array, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = buf[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) return [value, at];
  }
}

/** The body of the function exported as `name` (one pass over the module's sections). */
function exportedFunctionBody(wasm: Uint8Array, name: string): Uint8Array {
  let importedFunctions = 0;
  let index: number | undefined;
  let at = 8; // magic + version
  while (at < wasm.length) {
    const id = wasm[at];
    const [size, start] = leb(wasm, at + 1);
    at = start + size;
    let p = start;
    const skip = () => {
      p = leb(wasm, p)[1];
    };
    const num = () => {
      const [v, q] = leb(wasm, p);
      p = q;
      return v;
    };
    const str = () => {
      const n = num();
      const s = Buffer.from(wasm.subarray(p, p + n)).toString('utf8');
      p += n;
      return s;
    };
    if (id === 2) {
      // imports: module, field, kind, type; only functions shift the function indices
      for (let i = num(); i > 0; i--) {
        str();
        str();
        const kind = wasm[p++];
        if (kind === 0) {
          importedFunctions++;
          skip();
        } else if (kind === 1 || kind === 2) {
          if (kind === 1) p++; // element type
          const flags = wasm[p++];
          skip();
          if (flags & 1) skip();
        } else {
          p += 2; // global: value type, mutability
        }
      }
    } else if (id === 7) {
      for (let i = num(); i > 0; i--) {
        const field = str();
        const kind = wasm[p++];
        const idx = num();
        if (kind === 0 && field === name) index = idx;
      }
    } else if (id === 10 && index !== undefined) {
      const target = index - importedFunctions;
      const count = num();
      for (let i = 0; i < count; i++) {
        const bodySize = num();
        if (i === target) return wasm.subarray(p, p + bodySize);
        p += bodySize;
      }
    }
  }
  throw new Error(`no exported function '${name}' in the binary`);
}

/** Address of the pool pointer, from get_threads_count's body. */
export function threadPoolAddress(wasmFile: string): number {
  const body = exportedFunctionBody(new Uint8Array(fs.readFileSync(wasmFile)), 'get_threads_count');
  // locals: 1 entry of 1 i32; then i32.const ADDR (0x41, signed LEB) and i32.load align=2 offset=0
  if (body[0] !== 0x01 || body[1] !== 0x01 || body[2] !== 0x7f || body[3] !== 0x41) throw new Error('get_threads_count does not start as expected');
  const [addr, p] = leb(body, 4);
  const rest = Array.from(body.subarray(p, p + 5));
  if (rest.join() !== [0x28, 0x02, 0x00, 0x22, 0x00].join() || addr >= 2 ** 31 || addr % 4 !== 0) {
    throw new Error('get_threads_count does not load the pool pointer as expected');
  }
  return addr;
}

interface MatMulArgs {
  inputs: { a?: tf.TensorInfo; b?: tf.TensorInfo };
  attrs?: { transposeA?: boolean; transposeB?: boolean };
}

/** 2 * batch * M * N * K of a (possibly batched, possibly transposed) matMul. */
export function matMulFlops({ inputs: { a, b }, attrs }: MatMulArgs): number {
  if (!a || !b || a.shape.length < 2 || b.shape.length < 2) return 0;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = attrs?.transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = attrs?.transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = attrs?.transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const batch = Math.max(
    a.shape.slice(0, -2).reduce((x, y) => x * y, 1),
    b.shape.slice(0, -2).reduce((x, y) => x * y, 1),
  );
  return 2 * batch * m * n * k;
}

/**
 * What the pool runs: matMuls of at least `minFlops` (the default), every XNNPACK op (tfjs's
 * own way), or nothing (one thread's work on the threaded module: what benches compare with).
 */
export type PoolUse = { minFlops: number } | 'all' | 'none';

let setUse: ((use: PoolUse) => void) | null = null;

/** Changes what the pool runs, between ops; throws if the backend has no gated pool. */
export function setPoolUse(use: PoolUse): void {
  if (!setUse) throw new Error('the WASM backend runs no gated thread pool');
  setUse(use);
}

export const hasGatedPool = () => setUse !== null;

/**
 * Puts the backend's pool (it must run `threads` > 1) behind the gate, for `use`. Throws,
 * changing nothing, if the pool pointer is not where the binary says.
 */
export function gateThreadPool(backend: BackendWasm, wasmFile: string, threads: number, use: PoolUse): void {
  const addr = threadPoolAddress(wasmFile);
  // Shared memory never shrinks, so a view made now stays valid as the heap grows.
  const heap = (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8;
  const slot = new Int32Array(heap.buffer, addr, 1);
  const pool = slot[0];
  const count = () => backend.wasm.tfjs.getThreadsCount();
  if (pool === 0 || count() !== threads) throw new Error(`no pool pointer at ${addr}`);
  slot[0] = 0;
  const serial = count();
  slot[0] = pool;
  if (serial !== -1 || count() !== threads) throw new Error(`the word at ${addr} is not the pool pointer`);

  let current = use;
  setUse = (u) => {
    current = u;
    slot[0] = u === 'all' ? pool : 0;
  };
  setUse(use);
  for (const name of GATED_KERNELS) {
    const kernel = tf.getKernel(name, 'wasm');
    if (!kernel) continue;
    const run = kernel.kernelFunc;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      ...kernel,
      kernelFunc: (args) => {
        const t0 = performance.now();
        const pooled = current === 'all' || (current !== 'none' && matMulFlops(args as unknown as MatMulArgs) >= current.minFlops);
        try {
          if (pooled && current !== 'all') slot[0] = pool;
          return run(args);
        } finally {
          if (pooled && current !== 'all') slot[0] = 0;
          const seconds = (performance.now() - t0) / 1000;
          if (pooled) {
            gatedMatMuls.threaded++;
            gatedMatMuls.threadedSeconds += seconds;
          } else {
            gatedMatMuls.serial++;
            gatedMatMuls.serialSeconds += seconds;
          }
        }
      },
    });
  }
}

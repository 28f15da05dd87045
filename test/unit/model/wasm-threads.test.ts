// The WASM backend on several threads (daemon/model/wasm-threads.ts): the same seeded
// training as on one thread, a report that says how many threads run and why not more,
// and a process that exits by itself. The WASM module starts once per process, so each
// thread setting runs in a child process of its own (RLVR_WASM_THREADS in its env).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { BackendReport } from '../../../shared/protocol.js';
import { initBackend } from '../../../daemon/model/backend.js';
import { readOptimizerMoments } from '../../../daemon/engine/optimizer.js';
import { readCheckpoint } from '../../../daemon/model/char/checkpoint.js';
import { runWorkload, type TrainResult } from '../../../daemon/bench/backend-workload.js';
import { matMulFlops } from '../../../daemon/model/wasm-thread-gate.js';
import { MAX_WASM_THREADS, wasmThreadOptions } from '../../../daemon/model/wasm-threads.js';

const BACKEND_JS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../daemon/model/backend.js');
let tmp: string;

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'rlvr-wasm-threads-test-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const report = async (env: NodeJS.ProcessEnv) => ((await runWorkload('wasm', ['report', '-'], 120_000, env)) as { backend: BackendReport }).backend;

test('2 seeded supervised and 2 GRPO steps give bit-identical results on 1 and on 2 threads', { timeout: 240_000 }, async () => {
  // Every XNNPACK op on the threads (MIN_FLOPS=0), and the size gate switching between pool
  // and calling thread (1e5 FLOPs splits this model's matMuls), against one thread.
  const [one, all, gated] = (await Promise.all([
    runWorkload('wasm', ['train', path.join(tmp, 'one')], 200_000, { RLVR_WASM_THREADS: '1' }),
    runWorkload('wasm', ['train', path.join(tmp, 'all')], 200_000, { RLVR_WASM_THREADS: '2', RLVR_WASM_THREADS_MIN_FLOPS: '0' }),
    runWorkload('wasm', ['train', path.join(tmp, 'gated')], 200_000, { RLVR_WASM_THREADS: '2', RLVR_WASM_THREADS_MIN_FLOPS: '100000' }),
  ])) as TrainResult[];
  assert.equal(one.backend.threads, 1);
  assert.equal(all.backend.threads, 2, describe(all.backend));
  assert.equal(gated.backend.threads, 2, describe(gated.backend));
  assert.ok(gated.matMuls.threaded > 0 && gated.matMuls.serial > 0, `the gate sent matMuls both ways: ${JSON.stringify(gated.matMuls)}`);
  assert.ok(one.losses[1] < one.losses[0], `supervised loss did not fall: ${one.losses}`);

  // XNNPACK splits a product's output tiles among threads; each output element is still
  // one thread's dot product in the same order, so nothing may differ, not even in the last
  // bit (measured: identical). A difference means the threads changed the arithmetic.
  const dirs = ['one', 'all', 'gated'].map((d) => path.join(tmp, d));
  const [a, b, c] = await Promise.all(dirs.map((d) => readCheckpoint(d)));
  const [ma, mb, mc] = await Promise.all(dirs.map((d) => readOptimizerMoments(d)));
  assert.ok(ma && mb && mc, 'optimizer state saved');
  for (const [name, r, ck, moments] of [['all ops threaded', all, b, mb], ['gated', gated, c, mc]] as const) {
    assert.deepEqual(r.losses, one.losses, `${name}: losses`);
    assert.deepEqual(r.gradNorms, one.gradNorms, `${name}: gradient norms`);
    assert.deepEqual(r.probeLogProbs, one.probeLogProbs, `${name}: probe log-probs`);
    for (const [k, w] of a.weights) assert.deepEqual(ck.weights.get(k)?.data, w.data, `${name}: parameter ${k}`);
    // AdamW's first moments are decayed sums of the gradients: the gradients, tensor by tensor.
    for (const [k, m] of ma.m) assert.deepEqual(moments.m.get(k), m, `${name}: gradient moment ${k}`);
  }
});

const describe = (r: BackendReport) => `${r.adapter}${r.threadsNote ? `: ${r.threadsNote}` : ''}`;

test('the backend report says how many threads run, and why fewer than asked', { timeout: 240_000 }, async () => {
  const [two, one, capped, noTmp] = await Promise.all([
    report({ RLVR_WASM_THREADS: '2' }),
    report({ RLVR_WASM_THREADS: '1' }),
    report({ RLVR_WASM_THREADS: String(MAX_WASM_THREADS + 4) }),
    // No folder for the worker scripts: threads cannot start, one thread runs instead.
    report({ RLVR_WASM_THREADS: '2', TMPDIR: path.join(tmp, 'missing') }),
  ]);
  assert.deepEqual([two.threads, two.adapter, two.threadsNote], [2, 'SIMD, 2 threads', undefined]);
  assert.deepEqual([one.threads, one.adapter, one.threadsNote], [1, 'SIMD, 1 thread', undefined]);
  assert.equal(capped.threads, MAX_WASM_THREADS);
  assert.match(capped.threadsNote ?? '', /capped at 8/);
  assert.deepEqual([noTmp.name, noTmp.threads, noTmp.adapter], ['wasm', 1, 'SIMD, 1 thread']);
  assert.match(noTmp.threadsNote ?? '', /^threads could not start: no folder for the worker scripts: ENOENT/);
});

test('by default the report runs as many threads as cores (at most 8)', async () => {
  const saved = process.env.RLVR_WASM_THREADS;
  delete process.env.RLVR_WASM_THREADS;
  try {
    const r = await initBackend('wasm');
    const threads = Math.min(os.availableParallelism(), MAX_WASM_THREADS);
    assert.equal(r.threads, threads, describe(r));
    assert.equal(r.adapter, `SIMD, ${threads} thread${threads === 1 ? '' : 's'}`);
    assert.equal(r.threadsNote, undefined);
  } finally {
    if (saved !== undefined) process.env.RLVR_WASM_THREADS = saved;
  }
});

test('a bad RLVR_WASM_THREADS or RLVR_WASM_THREADS_MIN_FLOPS is an error that names it', async () => {
  const keys = ['RLVR_WASM_THREADS', 'RLVR_WASM_THREADS_MIN_FLOPS'] as const;
  const saved = keys.map((k) => process.env[k]);
  try {
    process.env.RLVR_WASM_THREADS = 'two';
    assert.throws(() => wasmThreadOptions(), /RLVR_WASM_THREADS must be a positive integer \(1 turns WASM threads off\), got 'two'/);
    await assert.rejects(initBackend('wasm'), /RLVR_WASM_THREADS must be a positive integer/);
    process.env.RLVR_WASM_THREADS = '0';
    assert.throws(() => wasmThreadOptions(), /got '0'/);
    delete process.env.RLVR_WASM_THREADS;
    assert.throws(() => wasmThreadOptions(1.5), /the wasmThreads option must be a positive integer/);
    process.env.RLVR_WASM_THREADS_MIN_FLOPS = 'lots';
    assert.throws(() => wasmThreadOptions(), /RLVR_WASM_THREADS_MIN_FLOPS must be a number >= 0 .*got 'lots'/);
  } finally {
    keys.forEach((k, i) => (saved[i] === undefined ? delete process.env[k] : (process.env[k] = saved[i])));
  }
});

test('a process on the threaded backend exits by itself and leaves no temp files', { timeout: 120_000 }, async () => {
  const tmpdir = await mkdtemp(path.join(tmp, 'exit-'));
  // No process.exit: the script ends and the event loop must empty although the pool's
  // workers live on (one matMul above the gate runs on them first).
  const script = `
    const { initBackend } = await import(${JSON.stringify(BACKEND_JS)});
    const tf = await import('@tensorflow/tfjs');
    const r = await initBackend('wasm');
    const a = tf.randomNormal([512, 512]);
    const s = tf.matMul(a, a).sum().dataSync()[0];
    console.log(JSON.stringify({ threads: r.threads, finite: Number.isFinite(s) }));
  `;
  const { code, signal, out } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: path.dirname(BACKEND_JS),
      env: { ...process.env, RLVR_WASM_THREADS: '2', TMPDIR: tmpdir },
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 90_000,
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, out }));
  });
  assert.equal(signal, null, 'killed at the timeout: the worker threads kept the process alive');
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(out.trim()), { threads: 2, finite: true });
  assert.deepEqual(await readdir(tmpdir), [], 'the worker scripts were removed');
});

test('matMul FLOPs count batch, transposes and broadcasting', () => {
  const t = (shape: number[]) => ({ shape, dtype: 'float32', dataId: {} }) as never;
  assert.equal(matMulFlops({ inputs: { a: t([64, 32]), b: t([32, 16]) } }), 2 * 64 * 16 * 32);
  assert.equal(matMulFlops({ inputs: { a: t([32, 64]), b: t([16, 32]) }, attrs: { transposeA: true, transposeB: true } }), 2 * 64 * 16 * 32);
  assert.equal(matMulFlops({ inputs: { a: t([4, 64, 32]), b: t([1, 32, 16]) } }), 4 * 2 * 64 * 16 * 32);
  assert.equal(matMulFlops({ inputs: { a: t([7]), b: t([7, 3]) } }), 0);
});

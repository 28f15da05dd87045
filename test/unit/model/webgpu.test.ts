// The same seeded training on WASM and on WebGPU (Dawn over Vulkan; Mesa's lavapipe where
// there is no GPU) gives the same losses, gradients and parameters within float tolerance.
// tfjs has one backend per process, so each backend trains in its own child process.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readOptimizerMoments } from '../../../daemon/engine/optimizer.js';
import { readCheckpoint, type LoadedCheckpoint } from '../../../daemon/model/char/checkpoint.js';
import { runWorkload, type TrainResult } from '../../../daemon/bench/backend-workload.js';
import { adapterName, isSoftwareAdapter, probeWebGpuAdapter } from '../../../daemon/model/webgpu.js';
import { probeWebGpuAdapterQuietly } from '../../../daemon/model/webgpu-probe.js';
import { openHfModel } from '../../../daemon/model/hf/weights.js';
import { QWEN2, skipWithoutFixtures } from './hf/helpers.js';

let tmp: string;
let noAdapter: string | false = false;
try {
  // In a child process, so Dawn's loader messages stay out of the test output.
  const a = await probeWebGpuAdapterQuietly();
  console.log(`webgpu adapter: ${a.adapter}${a.softwareFallback ? ' (software fallback)' : ''}`);
} catch (err) {
  noAdapter = `no WebGPU adapter here (${(err as Error).message}); CI installs libvulkan1 + mesa-vulkan-drivers from bookworm-backports`;
}

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'rlvr-webgpu-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Largest |a - b| over every tensor of two maps with the same names and sizes. */
function maxDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): { diff: number; name: string } {
  let worst = { diff: 0, name: '' };
  for (const [name, x] of a) {
    const y = b.get(name);
    assert.ok(y && y.length === x.length, `tensor ${name} missing or resized`);
    for (let i = 0; i < x.length; i++) {
      const d = Math.abs(x[i] - y[i]);
      if (!(d <= worst.diff)) worst = { diff: d, name }; // NaN counts as worse than anything
    }
  }
  return worst;
}

const weightsOf = (c: LoadedCheckpoint) => new Map([...c.weights].map(([k, w]) => [k, w.data]));

test('adapter names and the software-fallback check', () => {
  const lavapipe = { vendor: 'mesa', architecture: 'software', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)', isFallbackAdapter: true };
  assert.equal(isSoftwareAdapter(lavapipe), true);
  assert.equal(adapterName(lavapipe), 'llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)');
  // Older Dawn builds leave isFallbackAdapter unset: the architecture still gives it away.
  assert.equal(isSoftwareAdapter({ ...lavapipe, isFallbackAdapter: undefined }), true);
  const gpu = { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', description: 'NVIDIA: 570.124.06', isFallbackAdapter: false };
  assert.equal(isSoftwareAdapter(gpu), false);
  assert.equal(adapterName(gpu), 'NVIDIA H200, NVIDIA: 570.124.06');
});

test('the probe in a child process finds the adapter this process finds', { skip: noAdapter }, async () => {
  const [quiet, here] = await Promise.all([probeWebGpuAdapterQuietly(), probeWebGpuAdapter()]);
  assert.deepEqual(quiet, here);
});

test('4 seeded training steps match between WASM and WebGPU: losses, gradients, parameters', { skip: noAdapter, timeout: 300_000 }, async () => {
  const [wasm, webgpu] = (await Promise.all([
    runWorkload('wasm', ['train', path.join(tmp, 'wasm')], 240_000),
    runWorkload('webgpu', ['train', path.join(tmp, 'webgpu')], 240_000),
  ])) as TrainResult[];
  assert.equal(wasm.backend.name, 'wasm');
  assert.equal(webgpu.backend.name, 'webgpu');
  assert.ok(webgpu.backend.adapter, 'the report names the adapter');

  assert.equal(webgpu.losses.length, 4);
  webgpu.losses.forEach((l, i) => assert.ok(Math.abs(l - wasm.losses[i]) <= 1e-5 * Math.max(1, Math.abs(wasm.losses[i])), `step ${i + 1} loss: wasm ${wasm.losses[i]} vs webgpu ${l}`));
  // Supervised steps must have learned something, or equal losses would prove little.
  assert.ok(wasm.losses[1] < wasm.losses[0], `supervised loss did not fall: ${wasm.losses}`);
  webgpu.gradNorms.forEach((g, i) => assert.ok(Math.abs(g - wasm.gradNorms[i]) <= 1e-5 * wasm.gradNorms[i], `pg step ${i + 1} gradient norm: wasm ${wasm.gradNorms[i]} vs webgpu ${g}`));
  const probe = Math.max(...webgpu.probeLogProbs.flatMap((r, i) => r.map((x, j) => Math.abs(x - wasm.probeLogProbs[i][j]))));
  assert.ok(probe <= 1e-4, `probe log-probs differ by ${probe}`);

  const [a, b] = await Promise.all([readCheckpoint(path.join(tmp, 'wasm')), readCheckpoint(path.join(tmp, 'webgpu'))]);
  // Measured on lavapipe: parameters within 4e-7 after 4 steps of lr 3e-3.
  const params = maxDiff(weightsOf(a), weightsOf(b));
  assert.ok(params.diff <= 1e-5, `parameters differ by ${params.diff} in ${params.name}`);
  // AdamW's first moments are decayed sums of the gradients: the gradients, tensor by tensor.
  const [oa, ob] = await Promise.all([readOptimizerMoments(path.join(tmp, 'wasm')), readOptimizerMoments(path.join(tmp, 'webgpu'))]);
  assert.ok(oa && ob, 'optimizer state saved');
  const moments = maxDiff(oa.m, ob.m);
  assert.ok(moments.diff <= 1e-6, `gradient moments differ by ${moments.diff} in ${moments.name}`);
});

test('a Hugging Face model (qwen2-tiny: 151,936-token tied head, GQA, biases) trains the same on WASM and WebGPU', { skip: noAdapter || skipWithoutFixtures, timeout: 300_000 }, async () => {
  const run = (backend: string) => runWorkload(backend, ['hf-train', JSON.stringify({ model: QWEN2, out: path.join(tmp, `hf-${backend}`) })], 240_000) as Promise<TrainResult>;
  const [wasm, webgpu] = await Promise.all([run('wasm'), run('webgpu')]);
  assert.equal(webgpu.backend.name, 'webgpu');
  webgpu.losses.forEach((l, i) => assert.ok(Math.abs(l - wasm.losses[i]) <= 1e-4 * Math.max(1, Math.abs(wasm.losses[i])), `step ${i + 1} loss: wasm ${wasm.losses[i]} vs webgpu ${l}`));
  assert.ok(wasm.losses[1] < wasm.losses[0], `supervised loss did not fall: ${wasm.losses}`);
  webgpu.gradNorms.forEach((g, i) => assert.ok(Math.abs(g - wasm.gradNorms[i]) <= 1e-4 * wasm.gradNorms[i], `pg step ${i + 1} gradient norm: wasm ${wasm.gradNorms[i]} vs webgpu ${g}`));
  const probe = Math.max(...webgpu.probeLogProbs.flatMap((r, i) => r.map((x, j) => Math.abs(x - wasm.probeLogProbs[i][j]))));
  assert.ok(probe <= 2e-3, `probe log-probs differ by ${probe}`);
  const [a, b] = [openHfModel(path.join(tmp, 'hf-wasm')).weights, openHfModel(path.join(tmp, 'hf-webgpu')).weights];
  // Adam divides each gradient by its own running scale, so float noise in near-zero gradients
  // (most of the 151,936 embedding rows, which only the tied head touches; the k biases, which
  // softmax nearly cancels) reaches the weights amplified (seen: up to 2e-4). The gradients
  // themselves (Adam's first moments) must agree within 0.1% of each tensor's largest (the k
  // biases' nearly cancelling sums differ by 1e-4 of it); the weights within a tenth of what the
  // four steps can move them (4 x lr 1e-3).
  const params = maxDiff(new Map(a.names.map((n) => [n, a.read(n)])), new Map(b.names.map((n) => [n, b.read(n)])));
  assert.ok(params.diff <= 0.1 * 4e-3, `parameters differ by ${params.diff} in ${params.name}`);
  const [oa, ob] = await Promise.all([readOptimizerMoments(path.join(tmp, 'hf-wasm')), readOptimizerMoments(path.join(tmp, 'hf-webgpu'))]);
  assert.ok(oa && ob, 'optimizer state saved');
  for (const [name, m] of oa.m) {
    const scale = m.reduce((x, v) => Math.max(x, Math.abs(v)), 0);
    const d = maxDiff(new Map([[name, m]]), new Map([[name, ob.m.get(name)!]]));
    assert.ok(d.diff <= 1e-3 * scale, `gradient moments of ${name} differ by ${d.diff} (largest ${scale})`);
  }
});

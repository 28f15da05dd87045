import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend } from '../../../daemon/model/backend.js';

test('auto selection reports the winner and why each earlier choice was skipped', async () => {
  const saved = process.env.RLVR_BACKEND;
  delete process.env.RLVR_BACKEND;
  try {
    const r = await initBackend();
    assert.equal(r.name, tf.getBackend());
    const order = ['webgpu', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
    const skipped = (r.skipped ?? []).map((s) => s.name);
    assert.deepEqual(skipped, order.slice(0, skipped.length), 'skipped in preference order');
    assert.ok((r.skipped ?? []).every((s) => s.reason.length > 0));
    assert.match(describeBackend(r), new RegExp(`^${r.name} \\(`));
  } finally {
    if (saved !== undefined) process.env.RLVR_BACKEND = saved;
  }
});

test('forcing wasm gives wasm with SIMD; forcing cpu gives cpu', async () => {
  const w = await initBackend('wasm');
  assert.equal(w.name, 'wasm');
  assert.equal(w.package, '@tensorflow/tfjs-backend-wasm');
  const c = await initBackend('cpu');
  assert.equal(c.name, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
});

test('unknown or unavailable forced backends fail loudly', async () => {
  await assert.rejects(initBackend('tpu'), /unknown backend 'tpu'/);
  const hasNode = await import('@tensorflow/tfjs-node' as string).then(() => true, () => false);
  if (!hasNode) await assert.rejects(initBackend('tensorflow'), /backend 'tensorflow' \(@tensorflow\/tfjs-node\) was forced but cannot be used: not installed/);
});

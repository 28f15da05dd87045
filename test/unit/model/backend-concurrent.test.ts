// Two backend selections at once, as in the daemon when the extension asks for its status
// while a run starts: both must end on the same working backend. Run together they both
// set tfjs's one global backend, and every tensor op then failed ("backend.makeTensorInfo is
// not a function"; "Cannot read properties of undefined (reading 'get')").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../daemon/model/backend.js';

test('concurrent auto selections agree, and tensors work on the backend they chose', async () => {
  const saved = process.env.RLVR_BACKEND;
  delete process.env.RLVR_BACKEND;
  try {
    const [a, b, c] = await Promise.all([initBackend(), initBackend(), initBackend()]);
    assert.equal(a.name, b.name);
    assert.equal(b.name, c.name);
    assert.equal(tf.getBackend(), a.name);
    const sum = tf.tidy(() => tf.tensor1d([1, 2, 3]).add(1));
    assert.deepEqual(Array.from(await sum.data()), [2, 3, 4]);
    sum.dispose();
  } finally {
    if (saved !== undefined) process.env.RLVR_BACKEND = saved;
  }
});

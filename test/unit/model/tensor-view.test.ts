// Reading tensors through the WASM heap gives the values data() gives.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../daemon/model/backend.js';
import { withFloat32View } from '../../../daemon/model/tensor-view.js';

before(async () => {
  await initBackend('wasm');
});

test('runs on the WASM backend (where the views are the heap)', () => {
  assert.equal(tf.getBackend(), 'wasm');
});

test('a view holds the same values as data()', async () => {
  const t = tf.randomNormal([37, 5], 0, 1, 'float32', 3);
  const copy = Array.from((await t.data()) as Float32Array);
  assert.deepEqual(await withFloat32View(t, (v) => Array.from(v)), copy);
  const sliced = t.slice([3, 0], [4, 5]); // its own bytes at another offset
  assert.deepEqual(await withFloat32View(sliced, (v) => Array.from(v)), copy.slice(15, 35));
  tf.dispose([t, sliced]);
});

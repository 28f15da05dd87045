import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../daemon/model/backend.js';
import { embed, linearFast, stopGradient } from '../../../daemon/model/ops.js';

before(async () => {
  await initBackend('wasm');
});

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => a.sub(b).abs().max().dataSync()[0]);
}

test('linearFast: value and gradients equal tf.matMul and its own gradient', () => {
  const x = tf.randomNormal([37, 11], 0, 1, 'float32', 1) as tf.Tensor2D;
  const w = tf.randomNormal([11, 5], 0, 1, 'float32', 2) as tf.Tensor2D;
  const dy = tf.randomNormal([37, 5], 0, 1, 'float32', 3);
  const f = (fn: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D) => tf.grads((a: tf.Tensor, b: tf.Tensor) => fn(a as tf.Tensor2D, b as tf.Tensor2D).mul(dy).sum());
  const [gx1, gw1] = f(linearFast)([x, w]);
  const [gx2, gw2] = f((a, b) => tf.matMul(a, b))([x, w]);
  assert.ok(maxAbsDiff(linearFast(x, w), tf.matMul(x, w)) < 1e-5);
  assert.ok(maxAbsDiff(gx1, gx2) < 1e-4, 'dx');
  assert.ok(maxAbsDiff(gw1, gw2) < 1e-4, 'dw');
});

test('embed: gather forward, one-hot gradient sums rows of repeated ids', () => {
  const wte = tf.randomNormal([6, 3], 0, 1, 'float32', 4) as tf.Tensor2D;
  const ids = tf.tensor1d([2, 0, 2, 5], 'int32');
  const dy = tf.tensor2d([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]]);
  assert.ok(maxAbsDiff(embed(ids, wte), tf.gather(wte, ids)) < 1e-7);
  const g = tf.grad((w: tf.Tensor) => embed(ids, w as tf.Tensor2D).mul(dy).sum())(wte);
  const want = tf.tensor2d([[0, 1, 0], [0, 0, 0], [1, 0, 1], [0, 0, 0], [0, 0, 0], [1, 1, 1]]);
  assert.ok(maxAbsDiff(g, want) < 1e-7);
});

test('stopGradient: identity value, zero gradient', () => {
  const x = tf.tensor1d([1, 2, 3]);
  const g = tf.grad((a: tf.Tensor) => a.mul(stopGradient(a)).sum())(x);
  // d/da (a * sg(a)) = sg(a) = a
  assert.deepEqual(Array.from(g.dataSync()), [1, 2, 3]);
});

// The blockwise output head against the plain full-logits computation: log-probs, entropies and
// the gradients of both, with a vocabulary large enough to need several blocks.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../daemon/model/backend.js';
import { vocabLogProbs } from '../../../daemon/model/vocab-head.js';

before(async () => {
  await initBackend('wasm');
});

test('log-probs, entropies and their gradients equal the full-logits computation, across vocabulary blocks', async () => {
  const [N, d, V, T] = [256, 16, 20_000, 0.7]; // N x V = 5.1M logits: two blocks of columns
  const h = tf.randomNormal([N, d], 0, 1, 'float32', 1) as tf.Tensor2D;
  const w = tf.randomNormal([V, d], 0, 0.5, 'float32', 2) as tf.Tensor2D;
  const targets = Array.from({ length: N }, (_, i) => (i * 7919) % V);
  const plain = (hh: tf.Tensor2D, ww: tf.Tensor2D) => {
    const z = tf.matMul(hh, ww, false, true).div(T);
    const lsm = tf.logSoftmax(z);
    const logp = lsm.mul(tf.oneHot(tf.tensor1d(targets, 'int32'), V).toFloat()).sum(-1);
    const entropy = tf.softmax(z).mul(lsm).sum(-1).neg();
    return { logp, entropy };
  };
  // A loss that uses both outputs with row-varying weights, so every gradient path counts.
  const coef = tf.linspace(-1, 1, N);
  const loss = (f: (hh: tf.Tensor2D, ww: tf.Tensor2D) => { logp: tf.Tensor; entropy: tf.Tensor }) => (hh: tf.Tensor, ww: tf.Tensor) => {
    const { logp, entropy } = f(hh as tf.Tensor2D, ww as tf.Tensor2D);
    return logp.mul(coef).sum().add(entropy.mul(0.3).sum()) as tf.Scalar;
  };
  // Exact values in float64, for the first rows
  const [hv, wv] = [await h.data(), await w.data()];
  const exact = (r: number) => {
    const z = Array.from({ length: V }, (_, v) => {
      let acc = 0;
      for (let k = 0; k < d; k++) acc += hv[r * d + k] * wv[v * d + k];
      return acc / T;
    });
    const m = Math.max(...z);
    const s = z.reduce((a, x) => a + Math.exp(x - m), 0);
    const s2 = z.reduce((a, x) => a + Math.exp(x - m) * (x - m), 0);
    return { logp: z[targets[r]] - m - Math.log(s), entropy: Math.log(s) - s2 / s };
  };
  const got = vocabLogProbs(h, w, targets, T);
  const [lp, ent] = [await got.logp.data(), await got.entropy.data()];
  for (let r = 0; r < 8; r++) {
    const e = exact(r);
    assert.ok(Math.abs(lp[r] - e.logp) < 1e-4, `row ${r} log p ${lp[r]} vs exact ${e.logp}`);
    assert.ok(Math.abs(ent[r] - e.entropy) < 1e-4, `row ${r} entropy ${ent[r]} vs exact ${e.entropy}`);
  }
  const maxAbs = async (a: tf.Tensor, b: tf.Tensor) => (await tf.max(tf.abs(a.sub(b))).data())[0];
  const [gh, gw] = tf.grads(loss((hh, ww) => vocabLogProbs(hh, ww, targets, T)))([h, w]);
  const [ph, pw] = tf.grads(loss(plain))([h, w]);
  const rel = async (a: tf.Tensor, b: tf.Tensor) => (await maxAbs(a, b)) / (await tf.max(tf.abs(b)).data())[0];
  assert.ok((await rel(gh, ph)) < 1e-3, `d/dh differs by ${await rel(gh, ph)}`);
  assert.ok((await rel(gw, pw)) < 1e-3, `d/dW differs by ${await rel(gw, pw)}`);
});

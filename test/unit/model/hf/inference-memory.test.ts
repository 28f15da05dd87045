// Forward passes that nothing will differentiate (sampling's prefill, log-probs for scoring)
// free each layer's intermediates as they go: what they hold at their peak is about one layer's
// worth, not every layer's. The WASM heap never shrinks, so a prefill that peaked at all 30
// layers' activations (1.3 GB for 16 x 32 tokens at SmolLM2-135M) kept that memory for the run.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../daemon/model/backend.js';
import type { DecoderSpec } from '../../../../daemon/model/hf/decoder.js';
import { HfModel } from '../../../../daemon/model/hf/hf-model.js';

const SPEC: DecoderSpec = {
  architecture: 'LlamaForCausalLM',
  vocabSize: 512,
  hiddenSize: 64,
  intermediateSize: 192,
  numLayers: 8,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 16,
  ropeTheta: 10000,
  ropeScaling: null,
  rmsNormEps: 1e-5,
  tieWordEmbeddings: true,
  maxPositionEmbeddings: 512,
  bias: { qkv: false, o: false, mlp: false },
  qkNorm: false,
};

before(async () => {
  await initBackend('wasm');
});

const seqs = Array.from({ length: 8 }, (_, i) => Array.from({ length: 48 }, (_, j) => 1 + ((i * 37 + j * 11) % 500)));

async function peakAboveStart(fn: () => tf.Tensor): Promise<number> {
  const info = await tf.profile(() => {
    const out = fn();
    out.dispose();
    return [];
  });
  return info.peakBytes - (tf.memory().numBytes);
}

test('an inference forward peaks near one layer of activations; a differentiable one holds all', async () => {
  const model = HfModel.random(SPEC, 3);
  try {
    const rows = seqs.map((s) => ({ input: s.slice(0, -1), target: s.slice(1) }));
    const all = await peakAboveStart(() => tf.tidy(() => model.network.targetLogProbs(rows, 1).logp));
    const one = await peakAboveStart(() => tf.tidy(() => model.network.targetLogProbs(rows, 1, { inference: true }).logp));
    assert.ok(all > 0 && one > 0, `peaks ${all} and ${one}`);
    assert.ok(one < all / 3, `inference forward peaked ${one} bytes above its start, the differentiable one ${all}`);

    const prefillPeak = await peakAboveStart(() => {
      model.network.beginSampling();
      try {
        const { logits, cache } = model.network.prefill(seqs);
        model.network.disposeCache(cache);
        return logits;
      } finally {
        model.network.endSampling();
      }
    });
    assert.ok(prefillPeak < all / 3, `prefill peaked ${prefillPeak} bytes above its start (a full forward ${all})`);
  } finally {
    model.dispose();
  }
});

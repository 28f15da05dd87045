// A Hugging Face model at a real size on this machine: a SmolLM2-135M-shaped decoder (hidden 576,
// 30 layers, 9 heads, 3 key/value heads, MLP 1536, vocabulary 49,152, tied head; random weights).
//   train     a GRPO step on 16 x 256 tokens, tokens/s and effective GFLOP/s
//   sample    16 rows x 128 new tokens with the KV cache, tokens/s and effective GFLOP/s
//   ceiling   a 1024x1024 matMul on the same backend, measured in the same run
// each as a share of the ceiling, and the process's peak memory. Wall-clock seconds: the WASM
// backend may run several threads. Goals (issue): train >= 30%, sampling >= 15%, peak < 4 GiB.
import * as tf from '@tensorflow/tfjs';
import { Policy, type PgSample } from '../engine/policy.js';
import { describeBackend, initBackend } from '../model/backend.js';
import type { DecoderSpec } from '../model/hf/decoder.js';
import { HfModel } from '../model/hf/hf-model.js';

export const SMOLLM2_135M: DecoderSpec = {
  architecture: 'LlamaForCausalLM',
  vocabSize: 49152,
  hiddenSize: 576,
  intermediateSize: 1536,
  numLayers: 30,
  numHeads: 9,
  numKvHeads: 3,
  headDim: 64,
  ropeTheta: 100000,
  ropeScaling: null,
  rmsNormEps: 1e-5,
  tieWordEmbeddings: true,
  maxPositionEmbeddings: 8192,
  bias: { qkv: false, o: false, mlp: false },
  qkNorm: false,
};

const fmt = (x: number, digits = 1) => x.toFixed(digits);
const gib = (bytes: number) => `${fmt(bytes / 2 ** 30, 2)} GiB`;

function matMulCeiling(n: number): number {
  const a = tf.randomNormal([n, n]) as tf.Tensor2D;
  const b = tf.randomNormal([n, n]) as tf.Tensor2D;
  const once = () => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  };
  once();
  let best = Infinity;
  const start = performance.now();
  for (let reps = 0; reps < 3 || (performance.now() - start < 3000 && reps < 50); reps++) {
    const t0 = performance.now();
    once();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  tf.dispose([a, b]);
  return (2 * n ** 3) / best / 1e9;
}

/**
 * Forward FLOPs of one token that attends to `keys` positions: 2 per weight multiply-add in the
 * projections and MLP, the output head over the vocabulary, and QK^T plus AV (the training
 * layout computes the full T x T scores and masks half).
 */
export function forwardFlopsPerToken(s: DecoderSpec, keys: number): number {
  const d = s.hiddenSize;
  const q = s.numHeads * s.headDim;
  const kv = s.numKvHeads * s.headDim;
  const projections = 2 * (d * q + 2 * d * kv + q * d + 3 * d * s.intermediateSize);
  const attention = 2 * 2 * keys * q;
  return s.numLayers * (projections + attention) + 2 * d * s.vocabSize;
}

export async function run(): Promise<void> {
  const report = await initBackend();
  console.log(`backend: ${describeBackend(report)}`);
  const ceiling = matMulCeiling(1024);
  console.log(`ceiling: 1024x1024 matMul ${fmt(ceiling)} GFLOP/s (wall clock, all threads the backend uses)`);

  const model = HfModel.random(SMOLLM2_135M, 1);
  const policy = new Policy(model);
  console.log(`model: SmolLM2-135M shape, ${(model.numParameters() / 1e6).toFixed(1)}M parameters, training chunk ${model.chunkTokens} tokens`);

  // sampling: 16 rows, 32-token prompts, 128 new tokens, no stop token
  const rows = 16;
  const newTokens = 128;
  const prompts = Array.from({ length: rows }, (_, i) => Array.from({ length: 32 }, (_, j) => 1 + ((i * 131 + j * 17) % 49000)));
  const opts = { maxNewTokens: newTokens, temperature: 1, topP: 1, seed: 1, stopIds: [] };
  await policy.generate(prompts.slice(0, 2), { ...opts, maxNewTokens: 4 }); // warm-up
  let t0 = performance.now();
  const gens = await policy.generate(prompts, opts);
  const sampleSeconds = (performance.now() - t0) / 1000;
  const sampled = gens.reduce((a, g) => a + g.tokens.length, 0);
  const sampleFlops = gens.reduce((a, g) => a + g.tokens.reduce((b, _, t) => b + forwardFlopsPerToken(SMOLLM2_135M, 32 + t + 1), 0), 0) + rows * 32 * forwardFlopsPerToken(SMOLLM2_135M, 16);
  const sampleGflops = sampleFlops / sampleSeconds / 1e9;
  console.log(
    `sampling ${rows} x ${newTokens}: ${fmt(sampled / sampleSeconds, 0)} tok/s, ${fmt(sampleGflops, 2)} GFLOP/s = ${fmt((100 * sampleGflops) / ceiling)}% of ceiling (goal 15%); ${fmt(sampleSeconds)} s`,
  );

  // training: one GRPO step on 16 sequences of 256 tokens (32 prompt + 224 response)
  const T = 256;
  const samples: PgSample[] = prompts.map((p, i) => ({
    prompt: p,
    response: Array.from({ length: T - p.length }, (_, j) => 1 + ((i * 7 + j * 13) % 49000)),
    advantage: i % 2 ? 1 : -1,
    mask: true,
  }));
  await policy.policyGradientStep(samples.slice(0, 2).map((s) => ({ ...s, response: s.response.slice(0, 16) })), { learningRate: 0 }); // warm-up
  t0 = performance.now();
  const stats = await policy.policyGradientStep(samples, { learningRate: 1e-5 });
  const trainSeconds = (performance.now() - t0) / 1000;
  // Training tokens: every position of every row runs forward and backward (~2x forward).
  const trainFlops = 3 * rows * (T - 1) * forwardFlopsPerToken(SMOLLM2_135M, T - 1);
  const trainGflops = trainFlops / trainSeconds / 1e9;
  console.log(
    `training ${rows} x ${T}: ${fmt((rows * T) / trainSeconds, 0)} tok/s, ${fmt(trainGflops, 2)} GFLOP/s = ${fmt((100 * trainGflops) / ceiling)}% of ceiling (goal 30%); ` +
      `${fmt(trainSeconds)} s per step, grad norm ${stats.gradNorm.toExponential(2)}`,
  );

  const peak = process.resourceUsage().maxRSS * 1024;
  // Where it goes: the WASM heap (it never shrinks: its size is its high-water mark) holds the
  // weights, XNNPACK's packed copy of each weight and one chunk's activations; host memory holds
  // AdamW's moments and the gradient sum (3 x 4 bytes per parameter).
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.buffer.byteLength;
  console.log(
    `peak memory: ${gib(peak)} resident (goal < 4 GiB); ` +
      (heap ? `WASM heap ${gib(heap)}, ` : '') +
      `host arrays ${gib(process.memoryUsage().arrayBuffers)}, tensors now ${gib(tf.memory().numBytes)}`,
  );
  policy.dispose();
}

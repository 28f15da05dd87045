// Policy throughput on the active backend (default: the auto choice; RLVR_BACKEND forces
// one), each figure beside its baseline from the same run:
//   ceiling   large un-transposed 2-D matMul, GFLOP/s: what this machine's backend can do
//   sampling  tokens/s with the KV cache vs recomputing every prefix
//   training  tokens/s of a GRPO step: per-sequence 2-D layout vs padded batch, custom
//             matMul gradient vs tf's own
// and the model's achieved GFLOP/s as a share of the ceiling.
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend } from '../model/backend.js';
import { Policy, type PgSample } from '../engine/policy.js';
import { CharGpt, type CharGptOptions } from '../model/char/char-gpt.js';
import { DEFAULT_POLICY_CONFIG, type PolicyConfig } from '../model/char/config.js';

const seconds = (t0: number) => (performance.now() - t0) / 1000;
// This process's CPU seconds are what the work costs even when other processes share the
// cores; wall seconds are printed beside them. With WASM threads (wasm-threads.ts) CPU
// seconds count every thread, spin-waits included: wasm-threads.bench.ts compares 1 and N.
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const timer = () => {
  const c0 = cpuSeconds();
  const t0 = performance.now();
  return () => ({ cpu: cpuSeconds() - c0, wall: seconds(t0) });
};
const fmt = (x: number, digits = 1) => x.toFixed(digits);

function matMulCeiling(n: number): number {
  const a = tf.randomNormal([n, n]) as tf.Tensor2D;
  const b = tf.randomNormal([n, n]) as tf.Tensor2D;
  const once = () => {
    // Not inside tf.tidy: tidy walks a returned typed array element by element.
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  };
  once(); // warm-up (weight packing, allocation)
  // Best of several: on a shared machine the fastest repetition is the closest to the ceiling.
  let best = Infinity;
  const start = performance.now();
  for (let reps = 0; reps < 3 || (seconds(start) < 3 && reps < 50); reps++) {
    const t = timer();
    once();
    best = Math.min(best, t().cpu);
  }
  const gflops = (2 * n ** 3) / best / 1e9;
  tf.dispose([a, b]);
  return gflops;
}

/** Forward FLOPs per token at context length T: 2 per weight multiply-add, plus attention. */
function forwardFlopsPerToken(c: PolicyConfig, T: number): number {
  const d = c.dModel;
  const perLayer = 2 * (4 * d * d + 2 * c.mlpRatio * d * d) + 2 * 2 * T * d; // projections, MLP, QK^T and AV over T keys
  return c.nLayers * perLayer + 2 * d * c.vocabSize;
}

export async function run(): Promise<void> {
  const report = await initBackend();
  console.log(`backend: ${describeBackend(report)}`);
  const ceiling = matMulCeiling(1024);
  console.log(`ceiling: 1024x1024 matMul ${fmt(ceiling)} GFLOP/s per core`);

  const config = DEFAULT_POLICY_CONFIG;
  const policy = new Policy(CharGpt.create(config, 1));
  const tok = policy.model.tokenizer as CharGpt['tokenizer'];
  console.log(`model: ${policy.numParameters()} parameters, d=${config.dModel}, layers=${config.nLayers}, heads=${config.nHeads}`);

  // sampling: the same prompts and seed, with and without the cache
  const prompt = (i: number) => [tok.bos, ...tok.encode(`Compute ${i} + ${2 * i}.\n`)];
  const sample = async (rows: number, newTokens: number, kvCache: boolean) => {
    const prompts = Array.from({ length: rows }, (_, i) => prompt(i));
    const opts = { maxNewTokens: newTokens, temperature: 1, topP: 1, seed: 1, stopIds: [], kvCache };
    await policy.generate(prompts.slice(0, 2), { ...opts, maxNewTokens: 4 }); // warm-up
    const t = timer();
    const gens = await policy.generate(prompts, opts);
    const n = gens.reduce((a, g) => a + g.tokens.length, 0);
    return n / t().cpu;
  };
  const withCache = await sample(64, 128, true);
  const noCache = await sample(16, 48, false);
  const sampleFlops = (forwardFlopsPerToken(config, 64) * withCache) / 1e9;
  console.log(
    `sampling: ${fmt(withCache, 0)} tok/s per core with KV cache (64 rows x 128 tokens) vs ${fmt(noCache, 0)} without (16 x 48): ` +
      `x${fmt(withCache / noCache)}; ${fmt(sampleFlops, 2)} GFLOP/s = ${fmt((100 * sampleFlops) / ceiling)}% of ceiling`,
  );

  // training: a GRPO step on 16 sequences of 256 tokens, in each layout and gradient
  const T = 256;
  const samples: PgSample[] = Array.from({ length: 16 }, (_, i) => {
    const p = prompt(i);
    return { prompt: p, response: Array.from({ length: T + 1 - p.length }, (_, j) => 4 + ((i * 7 + j * 13) % 96)), advantage: i % 2 ? 1 : -1, mask: true };
  });
  const stepFlops = 3 * forwardFlopsPerToken(config, T) * 16 * T; // backward ~ 2x forward
  // Each layout on a model with the same weights (same config and seed).
  const train = async (xs: PgSample[], options: CharGptOptions) => {
    const p = new Policy(CharGpt.create(config, 1, options));
    await p.policyGradientStep(xs, { learningRate: 0 }); // warm-up: memory growth, first-use costs
    const t = timer();
    await p.policyGradientStep(xs, { learningRate: 0 });
    const took = t();
    p.dispose();
    return took;
  };
  const variants: [string, CharGptOptions][] = [
    ['auto layout, custom gradient (default on WASM)', { layout: 'auto' }],
    ['per-sequence 2-D, custom gradient', { layout: 'per-sequence' }],
    ['per-sequence 2-D, tf gradient', { layout: 'per-sequence', tfMatMulGrad: true }],
    ['padded batch, custom gradient', { layout: 'batched' }],
    ['padded batch, tf gradient', { layout: 'batched', tfMatMulGrad: true }],
  ];
  const results = [];
  for (const [name, options] of variants) results.push({ name, ...(await train(samples, options)) });
  for (const r of results) {
    const gflops = stepFlops / r.cpu / 1e9;
    console.log(
      `training 16x${T}: ${r.name}: ${fmt((16 * T) / r.cpu, 0)} tok/s per core (${fmt(r.cpu, 2)} CPU s, ${fmt(r.wall, 2)} wall s per step); ` +
        `x${fmt(r.cpu / results[0].cpu, 2)} the default's time; ${fmt(gflops, 2)} GFLOP/s = ${fmt((100 * gflops) / ceiling)}% of ceiling`,
    );
  }
  // short sequences (the embedded default's RL batches): per-op overhead, not FLOPs, decides
  const short: PgSample[] = Array.from({ length: 64 }, (_, i) => ({ ...samples[i % 16], response: samples[i % 16].response.slice(0, 30 + (i % 5) * 8) }));
  const shortTokens = short.reduce((a, x) => a + x.prompt.length + x.response.length, 0);
  const shortResults: { name: string; cpu: number; wall: number }[] = [];
  for (const [name, layout] of [['auto', 'auto'], ['per-sequence', 'per-sequence'], ['padded batch', 'batched']] as const) {
    shortResults.push({ name, ...(await train(short, { layout })) });
  }
  console.log(
    `training 64x~50: ` +
      shortResults.map((r) => `${r.name} ${fmt(shortTokens / r.cpu, 0)} tok/s (${fmt(r.cpu, 2)} CPU s, x${fmt(r.cpu / shortResults[0].cpu, 2)})`).join('; '),
  );
  policy.dispose();
}

// Seeded policy workloads on one named backend, one process per backend: tfjs has a single
// global backend per process, so comparing backends (test/unit/model/webgpu.test.ts) or
// timing them side by side (daemon/bench/webgpu.bench.ts) means a child process each.
//
//   node out/daemon/bench/backend-workload.js <backend> report -
//   node out/daemon/bench/backend-workload.js <backend> train <checkpointDir>
//   node out/daemon/bench/backend-workload.js <backend> bench '<BenchSpec JSON>'
//   node out/daemon/bench/backend-workload.js <backend> matmul '<sizes JSON>'
//   node out/daemon/bench/backend-workload.js <backend> grpo '<GrpoSpec JSON>'
//
// The last stdout line is the result as JSON; stderr carries the driver's own chatter.
// The WASM threads come from the child's RLVR_WASM_THREADS (runWorkload's `env`); with a
// gated pool, matmul and grpo time each pool mode in turn in the same process, so that a
// busy machine slows them alike.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import type { BackendReport } from '../../shared/protocol.js';
import { generateProblems } from '../data/embedded/index.js';
import { PROJECT_ROOT } from '../data/fixtures.js';
import { Policy, type PgSample } from '../engine/policy.js';
import { initBackend } from '../model/backend.js';
import { CharGpt } from '../model/char/char-gpt.js';
import type { PolicyConfig } from '../model/char/config.js';
import { Tokenizer } from '../model/char/tokenizer.js';
import { gatedMatMuls, hasGatedPool, setPoolUse, type PoolUse } from '../model/wasm-thread-gate.js';
import { MIN_THREADED_FLOPS, wasmThreadOptions } from '../model/wasm-threads.js';

export interface TrainResult {
  backend: BackendReport;
  /** Per step, in order: 2 supervised steps then 2 policy-gradient steps. */
  losses: number[];
  /** Global gradient norm of each policy-gradient step (before clipping). */
  gradNorms: number[];
  /** Log-probs of the probe sequences under the trained policy: [probe][token]. */
  probeLogProbs: number[][];
  /** WASM with threads: matMuls the size gate sent to the pool and kept on the calling thread. */
  matMuls: { threaded: number; serial: number };
}

export interface BenchSpec {
  config: PolicyConfig;
  /** Training: rows x tokens per GRPO step. */
  trainRows: number;
  trainTokens: number;
  /** Sampling: rows x new tokens, KV cache on. */
  sampleRows: number;
  sampleTokens: number;
}

export interface BenchResult {
  backend: BackendReport;
  parameters: number;
  /** First step, including shader compilation / kernel warm-up. */
  firstTrainSeconds: number;
  trainSeconds: number;
  trainTokensPerSecond: number;
  sampleTokensPerSecond: number;
}

/** Wall and CPU seconds (this process, every thread) of one piece of work. */
export interface Timing {
  wall: number;
  cpu: number;
}

/**
 * How the WASM pool ran: nothing on it (on a 1-thread process: the plain SIMD binary), the
 * gate's way (matMuls from the minimum FLOPs: the default), every XNNPACK op (tfjs's way).
 */
export type PoolMode = 'serial' | 'gated' | 'all';

export interface MatMulResult {
  backend: BackendReport;
  /** Per size n and mode, over repeated n x n by n x n products: the fastest wall time and the
   *  mean CPU time (per-call CPU times below a millisecond are too coarse to pick from). */
  sizes: { n: number; modes: Partial<Record<PoolMode, Timing>> }[];
}

export interface GrpoSpec {
  /** A fresh model of this shape (seed 1); omitted: the shipped warm start. */
  config?: PolicyConfig;
  /** Prompts per step x samples per prompt, as the embedded default's stages (8 x 8). */
  prompts: number;
  groupSize: number;
  maxNewTokens: number;
  /** Timed steps per mode after one warm-up; the fastest is kept. */
  steps: number;
}

export interface GrpoStepTiming {
  /** Sampling the group, then the policy-gradient update. */
  sample: Timing;
  train: Timing;
  step: Timing;
}

export interface GrpoResult {
  backend: BackendReport;
  parameters: number;
  /** Per mode, the fastest step. */
  modes: Partial<Record<PoolMode, GrpoStepTiming>>;
}

const tok = Tokenizer.characters();
const enc = (s: string) => [tok.bos, ...tok.encode(s)];

/** A tiny GPT (2 layers, d=32): big enough to use every kernel a training step uses. */
export const EQUIVALENCE_CONFIG: PolicyConfig = { vocabSize: tok.vocabSize, contextLength: 48, dModel: 32, nLayers: 2, nHeads: 2, mlpRatio: 2 };

async function train(checkpointDir: string): Promise<Omit<TrainResult, 'backend'>> {
  const policy = new Policy(CharGpt.create(EQUIVALENCE_CONFIG, 7));
  const sft = [
    { prompt: enc('12+30='), target: tok.encode('42') },
    { prompt: enc('7*6='), target: tok.encode('42') },
    { prompt: enc('100-1='), target: tok.encode('99') },
  ];
  // Rows of different lengths, both signs of advantage and a masked row, as GRPO batches have.
  const pg: PgSample[] = [
    { prompt: enc('2+2='), response: tok.encode('4'), advantage: 1, mask: true },
    { prompt: enc('2+2='), response: tok.encode('22'), advantage: -1, mask: true },
    { prompt: enc('9-3='), response: tok.encode('6 because 9-3=6'), advantage: 0.5, mask: true },
    { prompt: enc('9-3='), response: tok.encode('12'), advantage: -0.5, mask: false },
  ];
  const losses: number[] = [];
  const gradNorms: number[] = [];
  for (let i = 0; i < 2; i++) losses.push((await policy.supervisedStep(sft, { learningRate: 3e-3 })).loss);
  for (let i = 0; i < 2; i++) {
    const s = await policy.policyGradientStep(pg, { learningRate: 3e-3, maxGradNorm: 1 });
    losses.push(s.loss);
    gradNorms.push(s.gradNorm);
  }
  const probeLogProbs = await policy.tokenLogProbs([
    { prompt: enc('12+30='), response: tok.encode('42') },
    { prompt: enc('2+2='), response: tok.encode('4 is it') },
  ]);
  await policy.save(checkpointDir);
  policy.dispose();
  return { losses, gradNorms, probeLogProbs, matMuls: gatedMatMuls };
}

/**
 * The same four steps on a Hugging Face folder (token ids only: the fixtures have no
 * tokenizer), saved as f32 so parameters compare at full precision.
 */
async function hfTrain(spec: { model: string; out: string }): Promise<Omit<TrainResult, 'backend' | 'matMuls'>> {
  const policy = await Policy.load(spec.model);
  const ids = (seed: number, n: number) => Array.from({ length: n }, (_, i) => 1 + ((seed * 7919 + i * 104729) % (policy.model.vocabSize - 1)));
  const sft = [
    { prompt: ids(1, 5), target: ids(2, 3) },
    { prompt: ids(3, 9), target: ids(4, 2) },
  ];
  const pg: PgSample[] = [
    { prompt: ids(5, 4), response: ids(6, 3), advantage: 1, mask: true },
    { prompt: ids(5, 4), response: ids(7, 6), advantage: -1, mask: true },
    { prompt: ids(8, 7), response: ids(9, 2), advantage: 0.5, mask: true },
    { prompt: ids(8, 7), response: ids(10, 4), advantage: -0.5, mask: false },
  ];
  const losses: number[] = [];
  const gradNorms: number[] = [];
  for (let i = 0; i < 2; i++) losses.push((await policy.supervisedStep(sft, { learningRate: 1e-3 })).loss);
  for (let i = 0; i < 2; i++) {
    const s = await policy.policyGradientStep(pg, { learningRate: 1e-3, maxGradNorm: 1 });
    losses.push(s.loss);
    gradNorms.push(s.gradNorm);
  }
  const probeLogProbs = await policy.tokenLogProbs([{ prompt: ids(1, 5), response: ids(2, 3) }, { prompt: ids(11, 6), response: ids(12, 5) }]);
  await policy.save(spec.out, { dtype: 'f32' });
  policy.dispose();
  return { losses, gradNorms, probeLogProbs };
}

async function bench(spec: BenchSpec): Promise<Omit<BenchResult, 'backend'>> {
  const policy = new Policy(CharGpt.create(spec.config, 1));
  const prompt = (i: number) => enc(`Compute ${i} + ${2 * i}.\n`);
  const samples: PgSample[] = Array.from({ length: spec.trainRows }, (_, i) => {
    const p = prompt(i);
    const response = Array.from({ length: spec.trainTokens + 1 - p.length }, (_, j) => 4 + ((i * 7 + j * 13) % 96));
    return { prompt: p, response, advantage: i % 2 ? 1 : -1, mask: true };
  });
  let t0 = performance.now();
  await policy.policyGradientStep(samples, { learningRate: 0 });
  const firstTrainSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  await policy.policyGradientStep(samples, { learningRate: 0 });
  const trainSeconds = (performance.now() - t0) / 1000;

  const prompts = Array.from({ length: spec.sampleRows }, (_, i) => prompt(i));
  const opts = { maxNewTokens: spec.sampleTokens, temperature: 1, topP: 1, seed: 1, stopIds: [] };
  // Warm-up at full length: the KV cache grows a step at a time and WebGPU compiles a
  // shader per new shape (measured on lavapipe: 17 tok/s on the first pass of a small model).
  await policy.generate(prompts, opts);
  t0 = performance.now();
  const gens = await policy.generate(prompts, opts);
  const sampled = gens.reduce((a, g) => a + g.tokens.length, 0);
  const sampleTokensPerSecond = sampled / ((performance.now() - t0) / 1000);
  const parameters = policy.numParameters();
  policy.dispose();
  return {
    parameters,
    firstTrainSeconds,
    trainSeconds,
    trainTokensPerSecond: (spec.trainRows * spec.trainTokens) / trainSeconds,
    sampleTokensPerSecond,
  };
}

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const timer = () => {
  const c0 = cpuSeconds();
  const t0 = performance.now();
  return (): Timing => ({ wall: (performance.now() - t0) / 1000, cpu: cpuSeconds() - c0 });
};

const POOL_USE: Record<PoolMode, () => PoolUse> = {
  serial: () => 'none',
  gated: () => ({ minFlops: wasmThreadOptions().minFlops || MIN_THREADED_FLOPS }),
  all: () => 'all',
};
/** The modes this process can run: all three with a gated pool, else its one way. */
const poolModes = (wanted: PoolMode[]): PoolMode[] => (hasGatedPool() ? wanted : ['serial']);
const usePool = (mode: PoolMode) => hasGatedPool() && setPoolUse(POOL_USE[mode]());

function matMul(sizes: number[]): Omit<MatMulResult, 'backend'> {
  const modes = poolModes(['serial', 'all']);
  return {
    sizes: sizes.map((n) => {
      const a = tf.randomNormal([n, n]) as tf.Tensor2D;
      const b = tf.randomNormal([n, n]) as tf.Tensor2D;
      const once = () => {
        const c = tf.matMul(a, b);
        c.dataSync();
        c.dispose();
      };
      const wall = new Map(modes.map((m) => [m, Infinity]));
      const cpu = new Map(modes.map((m) => [m, 0]));
      for (const m of modes) {
        usePool(m);
        once(); // warm-up: weight packing, memory growth
      }
      // The modes take turns, two calls each (the second finds the pool awake, as in a run of
      // large products): at least 5 turns and about half a second per mode in all.
      let reps = 0;
      const all = timer();
      while (reps < 10 || (all().wall < 0.5 * modes.length && reps < 5000)) {
        for (const m of modes) {
          usePool(m);
          for (let i = 0; i < 2; i++) {
            const t = timer();
            once();
            const r = t();
            wall.set(m, Math.min(wall.get(m)!, r.wall));
            cpu.set(m, cpu.get(m)! + r.cpu);
          }
        }
        reps += 2;
      }
      tf.dispose([a, b]);
      return { n, modes: Object.fromEntries(modes.map((m) => [m, { wall: wall.get(m)!, cpu: cpu.get(m)! / reps }])) };
    }),
  };
}

/** The embedded default's GRPO step (by default from the shipped warm start): sample 8 x 8 math rollouts, update. */
async function grpo(spec: GrpoSpec): Promise<Omit<GrpoResult, 'backend'>> {
  const policy = spec.config ? new Policy(CharGpt.create(spec.config, 1)) : await Policy.load(path.join(PROJECT_ROOT, 'daemon', 'assets', 'warmstart'));
  const problems = generateProblems('math', 'train', spec.prompts, 1);
  const prompts = problems.flatMap((p) => Array.from({ length: spec.groupSize }, () => policy.tokenizer.framePrompt(p.prompt)));
  // Every row runs to maxNewTokens (no stop token), so each step does the same work.
  const opts = { maxNewTokens: spec.maxNewTokens, temperature: 1, topP: 1, stopIds: [] };
  const modes = poolModes(['serial', 'gated', 'all']);
  const best: Partial<Record<PoolMode, GrpoStepTiming>> = {};
  for (let i = 0; i <= spec.steps; i++) {
    for (const m of modes) {
      usePool(m);
      const ts = timer();
      const gens = await policy.generate(prompts, { ...opts, seed: i });
      const sample = ts();
      const tt = timer();
      const samples: PgSample[] = gens.map((g, r) => ({ prompt: prompts[r], response: g.tokens, advantage: r % 2 ? 1 : -1, mask: true }));
      await policy.policyGradientStep(samples, { learningRate: 1e-4, maxGradNorm: 1 });
      const train = tt();
      const step = { wall: sample.wall + train.wall, cpu: sample.cpu + train.cpu };
      if (i > 0 && !(best[m] && best[m].step.wall <= step.wall)) best[m] = { sample, train, step }; // step 0 warms up
    }
  }
  const parameters = policy.numParameters();
  policy.dispose();
  return { parameters, modes: best };
}

/** Runs a workload in a fresh node process on `backend`; rejects with the child's stderr tail. */
export function runWorkload(backend: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = {}): Promise<unknown> {
  const script = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, backend, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last));
      else reject(new Error(`${backend} workload ${args[0]} exited ${signal ?? code}: ${err.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
}

async function main(argv: string[]): Promise<void> {
  const [backendName, task, arg] = argv;
  const tasks: Record<string, (arg: string) => Promise<object> | object> = {
    report: () => ({}),
    train: (dir) => train(dir),
    'hf-train': (spec) => hfTrain(JSON.parse(spec) as { model: string; out: string }),
    bench: (spec) => bench(JSON.parse(spec) as BenchSpec),
    matmul: (sizes) => matMul(JSON.parse(sizes) as number[]),
    grpo: (spec) => grpo(JSON.parse(spec) as GrpoSpec),
  };
  if (!backendName || !arg || !(task in tasks)) {
    throw new Error(`usage: backend-workload.js <backend> ${Object.keys(tasks).join(' | ')} <argument>`);
  }
  const backend = await initBackend(backendName);
  const result = await tasks[task](arg);
  process.stdout.write(JSON.stringify({ backend, ...result }) + '\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    // Dawn's device can keep the event loop alive; the result is written, so leave now.
    () => process.exit(0),
    (err: Error) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    },
  );
}

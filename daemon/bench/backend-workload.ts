// Seeded policy workloads on one named backend, one process per backend: tfjs has a single
// global backend per process, so comparing backends (test/unit/model/webgpu.test.ts) or
// timing them side by side (daemon/bench/webgpu.bench.ts) means a child process each.
//
//   node out/daemon/bench/backend-workload.js <backend> train <checkpointDir>
//   node out/daemon/bench/backend-workload.js <backend> bench '<BenchSpec JSON>'
//
// The last stdout line is the result as JSON; stderr carries the driver's own chatter.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BackendReport } from '../../shared/protocol.js';
import { Policy, type PgSample } from '../engine/policy.js';
import { initBackend } from '../model/backend.js';
import { CharGpt } from '../model/char/char-gpt.js';
import type { PolicyConfig } from '../model/char/config.js';
import { Tokenizer } from '../model/char/tokenizer.js';

export interface TrainResult {
  backend: BackendReport;
  /** Per step, in order: 2 supervised steps then 2 policy-gradient steps. */
  losses: number[];
  /** Global gradient norm of each policy-gradient step (before clipping). */
  gradNorms: number[];
  /** Log-probs of the probe sequences under the trained policy: [probe][token]. */
  probeLogProbs: number[][];
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

/** Runs a workload in a fresh node process on `backend`; rejects with the child's stderr tail. */
export function runWorkload(backend: string, args: string[], timeoutMs: number): Promise<unknown> {
  const script = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, backend, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
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
  if (!backendName || !arg || (task !== 'train' && task !== 'bench')) {
    throw new Error('usage: backend-workload.js <backend> train <checkpointDir> | bench <BenchSpec JSON>');
  }
  const backend = await initBackend(backendName);
  const result = task === 'train' ? await train(arg) : await bench(JSON.parse(arg) as BenchSpec);
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

// The WASM backend on 1 thread vs N (this machine's cores, at most 8), same run, same
// seeded workloads, one child process per thread count (the module starts once per
// process): n x n matMul from 64 to 1024 (where threads start to pay), the embedded
// default's GRPO step (warm start, 8 prompts x 8 samples, 48 new tokens) and a wider
// model's step. Threaded CPU seconds count every thread, spin-waiting included, so both
// wall and CPU seconds are printed. The rounds alternate 1 and N threads and the fastest
// of each is kept (a shared machine only ever adds time); the spread says how noisy it was.
import os from 'node:os';
import {
  runWorkload,
  type BenchResult,
  type BenchSpec,
  type GrpoResult,
  type GrpoSpec,
  type MatMulResult,
  type Timing,
} from '../model/backend-workload.js';
import { DEFAULT_POLICY_CONFIG } from '../model/config.js';
import { MAX_WASM_THREADS } from '../model/wasm-threads.js';

const ROUNDS = 3;
const SIZES = [64, 128, 192, 256, 384, 512, 768, 1024];
const GRPO: GrpoSpec = { prompts: 8, groupSize: 8, maxNewTokens: 48, steps: 2 };
// Wider than the embedded model, the way Hugging Face checkpoints are (SmolLM2-135M: d=576).
const WIDE: BenchSpec = {
  config: { ...DEFAULT_POLICY_CONFIG, contextLength: 256, dModel: 384, nLayers: 2, nHeads: 6 },
  trainRows: 8,
  trainTokens: 128,
  sampleRows: 16,
  sampleTokens: 32,
};

const fmt = (x: number, digits = 2) => x.toFixed(digits);
const ms = (s: number) => fmt(s * 1000, s < 0.01 ? 3 : 1);

async function rounds<T>(threads: number[], task: string, arg: string): Promise<Map<number, T[]>> {
  const out = new Map<number, T[]>(threads.map((t) => [t, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const t of threads) {
      out.get(t)!.push((await runWorkload('wasm', [task, arg], 600_000, { RLVR_WASM_THREADS: String(t) })) as T);
    }
  }
  return out;
}

/** Fastest by wall time, and the slowest/fastest ratio over the rounds. */
function best<T>(runs: T[], wall: (r: T) => number): { best: T; spread: number } {
  const sorted = [...runs].sort((a, b) => wall(a) - wall(b));
  return { best: sorted[0], spread: wall(sorted[sorted.length - 1]) / wall(sorted[0]) };
}

const timing = (t: Timing) => `${fmt(t.wall)} wall s, ${fmt(t.cpu)} CPU s`;

export async function run(): Promise<void> {
  const n = Math.min(os.availableParallelism(), MAX_WASM_THREADS);
  if (n < 2) {
    console.log(`skipped: ${os.availableParallelism()} core, nothing to compare`);
    return;
  }
  const threads = [1, n];
  console.log(`1 thread vs ${n}; ${ROUNDS} alternating rounds each, fastest kept; load average ${os.loadavg().map((x) => fmt(x)).join(' ')}`);

  const mm = await rounds<MatMulResult>(threads, 'matmul', JSON.stringify(SIZES));
  const [one, many] = threads.map((t) => mm.get(t)!);
  if (many[0].backend.threads !== n) console.log(`note: asked for ${n} threads, got ${many[0].backend.threads} (${many[0].backend.threadsNote ?? ''})`);
  let crossover: number | undefined;
  for (const [i, size] of SIZES.entries()) {
    const a = best(one, (r) => r.sizes[i].wall);
    const b = best(many, (r) => r.sizes[i].wall);
    const x = a.best.sizes[i];
    const y = b.best.sizes[i];
    if (crossover === undefined && y.wall < x.wall) crossover = size;
    if (y.wall >= x.wall) crossover = undefined; // the crossover is where threads win from there on
    const gflops = (t: number) => fmt((2 * size ** 3) / t / 1e9, 1);
    console.log(
      `matMul ${size}x${size}: 1 thread ${ms(x.wall)} ms (${gflops(x.wall)} GFLOP/s), ${n} threads ${ms(y.wall)} ms (${gflops(y.wall)} GFLOP/s): ` +
        `x${fmt(x.wall / y.wall)} wall; CPU ${ms(x.cpu)} vs ${ms(y.cpu)} ms (x${fmt(y.cpu / x.cpu)}); spread x${fmt(a.spread)} / x${fmt(b.spread)}`,
    );
  }
  console.log(crossover === undefined ? `crossover: ${n} threads never won from some size on` : `crossover: ${n} threads are faster from ${crossover}x${crossover} up`);

  const g = await rounds<GrpoResult>(threads, 'grpo', JSON.stringify(GRPO));
  const [g1, gn] = threads.map((t) => best(g.get(t)!, (r) => r.step.wall));
  console.log(`GRPO step, embedded default (${g1.best.parameters} parameters, ${GRPO.prompts}x${GRPO.groupSize} rollouts of ${GRPO.maxNewTokens} tokens):`);
  for (const phase of ['sample', 'train', 'step'] as const) {
    const x = g1.best[phase];
    const y = gn.best[phase];
    console.log(`  ${phase}: 1 thread ${timing(x)}; ${n} threads ${timing(y)}: x${fmt(x.wall / y.wall)} wall, x${fmt(y.cpu / x.cpu)} CPU`);
  }
  console.log(`  spread over rounds: x${fmt(g1.spread)} (1 thread), x${fmt(gn.spread)} (${n} threads)`);

  const w = await rounds<BenchResult>(threads, 'bench', JSON.stringify(WIDE));
  const [w1, wn] = threads.map((t) => best(w.get(t)!, (r) => r.trainSeconds));
  const [s1, sn] = threads.map((t) => best(w.get(t)!, (r) => 1 / r.sampleTokensPerSecond));
  console.log(
    `wider model (d=${WIDE.config.dModel}, ${WIDE.config.nLayers} layers, ${w1.best.parameters} parameters): ` +
      `train ${WIDE.trainRows}x${WIDE.trainTokens} ${fmt(w1.best.trainSeconds)} s vs ${fmt(wn.best.trainSeconds)} s: x${fmt(w1.best.trainSeconds / wn.best.trainSeconds)} wall; ` +
      `sampling ${WIDE.sampleRows}x${WIDE.sampleTokens} ${fmt(s1.best.sampleTokensPerSecond, 0)} vs ${fmt(sn.best.sampleTokensPerSecond, 0)} tok/s: ` +
      `x${fmt(sn.best.sampleTokensPerSecond / s1.best.sampleTokensPerSecond)}; spread x${fmt(w1.spread)} / x${fmt(wn.spread)}`,
  );
}

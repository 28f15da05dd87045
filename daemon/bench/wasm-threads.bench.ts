// The WASM backend on 1 thread vs N (this machine's cores, at most 8), same run, same
// seeded workloads. Pool modes are compared inside one threaded process, taking turns op
// by op (matMul) or step by step (GRPO), so that a busy machine slows them alike:
//   serial  nothing on the pool: one thread's work (on the threaded module)
//   gated   matMuls from MIN_THREADED_FLOPS on the pool, the rest on the calling thread (the default)
//   all     every XNNPACK op on the pool (tfjs's own way)
// A 1-thread process (the plain SIMD binary, what ran before threads) is the baseline.
// - n x n matMul from 64 to 1024: where threads start to pay, which sets MIN_THREADED_FLOPS;
// - the embedded default's GRPO step (warm start, 8 prompts x 8 samples, 48 new tokens) and
//   the same step on a wider model (Hugging Face checkpoints are wider still: SmolLM2-135M
//   has d=576).
// Threaded CPU seconds count every thread, spin-waiting included, so wall and CPU seconds
// are both printed. Rounds repeat it all and the fastest of each is kept (a shared machine
// only ever adds time); the spread (slowest / fastest) says how noisy it was.
import os from 'node:os';
import { runWorkload, type GrpoResult, type GrpoSpec, type MatMulResult, type PoolMode, type Timing } from './backend-workload.js';
import { DEFAULT_POLICY_CONFIG } from '../model/char/config.js';
import { MAX_WASM_THREADS, MIN_THREADED_FLOPS } from '../model/wasm-threads.js';

const ROUNDS = 3;
const SIZES = [64, 96, 128, 192, 256, 384, 512, 1024];
const GRPO: GrpoSpec = { prompts: 8, groupSize: 8, maxNewTokens: 48, steps: 2 };
const WIDE: GrpoSpec = { ...GRPO, maxNewTokens: 32, steps: 1, config: { ...DEFAULT_POLICY_CONFIG, contextLength: 128, dModel: 256, nLayers: 2, nHeads: 4 } };

const fmt = (x: number, digits = 2) => x.toFixed(digits);
const ms = (s: number) => fmt(s * 1000, s < 0.01 ? 3 : 1);
const timing = (t: Timing) => `${fmt(t.wall)} s (${fmt(t.cpu)} CPU s)`;

/** Fastest by wall time, and the slowest/fastest ratio over the rounds. */
function best<T>(runs: T[], wall: (r: T) => number): { best: T; spread: number } {
  const sorted = [...runs].sort((a, b) => wall(a) - wall(b));
  return { best: sorted[0], spread: wall(sorted[sorted.length - 1]) / wall(sorted[0]) };
}

/** ROUNDS x (one 1-thread process, one n-thread process); returns [1-thread runs, n-thread runs]. */
async function rounds<T>(n: number, task: string, arg: string): Promise<[T[], T[]]> {
  const one: T[] = [];
  const many: T[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    one.push((await runWorkload('wasm', [task, arg], 600_000, { RLVR_WASM_THREADS: '1' })) as T);
    many.push((await runWorkload('wasm', [task, arg], 600_000, { RLVR_WASM_THREADS: String(n) })) as T);
  }
  return [one, many];
}

async function grpoTable(name: string, spec: GrpoSpec, n: number): Promise<void> {
  const [one, many] = await rounds<GrpoResult>(n, 'grpo', JSON.stringify(spec));
  const rows: [string, { best: GrpoResult; spread: number }, PoolMode][] = [
    ['1 thread', best(one, (r) => r.modes.serial!.step.wall), 'serial'],
    [`${n} threads, serial`, best(many, (r) => r.modes.serial!.step.wall), 'serial'],
    [`${n} threads, gated`, best(many, (r) => r.modes.gated!.step.wall), 'gated'],
    [`${n} threads, all ops`, best(many, (r) => r.modes.all!.step.wall), 'all'],
  ];
  const base = rows[0][1].best.modes.serial!;
  console.log(`GRPO step, ${name} (${one[0].parameters} parameters, ${spec.prompts}x${spec.groupSize} rollouts of ${spec.maxNewTokens} tokens):`);
  for (const [label, r, mode] of rows) {
    const t = r.best.modes[mode]!;
    console.log(
      `  ${label}: sample ${timing(t.sample)}, train ${timing(t.train)}, step ${timing(t.step)}: ` +
        `x${fmt(base.step.wall / t.step.wall)} the 1-thread step's speed (sample x${fmt(base.sample.wall / t.sample.wall)}, train x${fmt(base.train.wall / t.train.wall)}); spread x${fmt(r.spread)}`,
    );
  }
}

export async function run(): Promise<void> {
  const n = Math.min(os.availableParallelism(), MAX_WASM_THREADS);
  if (n < 2) {
    console.log(`skipped: ${os.availableParallelism()} core, nothing to compare`);
    return;
  }
  console.log(`1 thread vs ${n}; ${ROUNDS} rounds, fastest kept; load average ${os.loadavg().map((x) => fmt(x)).join(' ')}`);

  const [mm1, mmN] = await rounds<MatMulResult>(n, 'matmul', JSON.stringify(SIZES));
  if (mmN[0].backend.threads !== n) console.log(`note: asked for ${n} threads, got ${mmN[0].backend.threads} (${mmN[0].backend.threadsNote ?? ''})`);
  let crossover: number | undefined;
  for (const [i, size] of SIZES.entries()) {
    const plain = best(mm1, (r) => r.sizes[i].modes.serial!.wall);
    const serial = best(mmN, (r) => r.sizes[i].modes.serial!.wall);
    const threaded = best(mmN, (r) => r.sizes[i].modes.all!.wall);
    const [p, s, t] = [plain.best.sizes[i].modes.serial!, serial.best.sizes[i].modes.serial!, threaded.best.sizes[i].modes.all!];
    if (t.wall >= s.wall) crossover = undefined; // where threads win from there on
    else crossover ??= size;
    const gflops = (x: Timing) => fmt((2 * size ** 3) / x.wall / 1e9, 1);
    console.log(
      `matMul ${size}x${size} (${fmt((2 * size ** 3) / 1e6, 1)} MFLOP): ${n} threads ${ms(t.wall)} ms (${gflops(t)} GFLOP/s) vs serial ${ms(s.wall)} ms ` +
        `(${gflops(s)}): x${fmt(s.wall / t.wall)} wall, CPU per call ${ms(t.cpu)} vs ${ms(s.cpu)} ms; 1-thread binary ${ms(p.wall)} ms (${gflops(p)}); ` +
        `spread x${fmt(threaded.spread)} / x${fmt(serial.spread)} / x${fmt(plain.spread)}`,
    );
  }
  console.log(
    (crossover === undefined ? `crossover: ${n} threads did not win at the largest sizes` : `crossover: ${n} threads faster from ${crossover}x${crossover} up`) +
      `; the gate sends matMuls from ${fmt(MIN_THREADED_FLOPS / 1e6, 1)} MFLOP to the threads`,
  );

  await grpoTable('embedded default (warm start)', GRPO, n);
  const c = WIDE.config!;
  await grpoTable(`wider model (d=${c.dModel}, ${c.nLayers} layers, from scratch)`, WIDE, n);
}

// Code tests per second through the sandbox: the pool of long-lived forking workers
// against the baseline of a fresh sandbox (bubblewrap + Python start) per test, both
// measured here in the same run, on the same tests.
import os from 'node:os';
import type { CodeTask } from '../../shared/verify.js';
import { runProgram, SandboxPool } from '../verify/code/index.js';

const TESTS = 60;
const PROGRAM = 'n, k = map(int, input().split())\nprint(sum(i * i % k for i in range(n)))';
const task: CodeTask = {
  kind: 'code',
  tests: Array.from({ length: TESTS }, (_, i) => {
    const n = 1000 + i;
    const k = 7 + (i % 5);
    let s = 0;
    for (let j = 0; j < n; j++) s += (j * j) % k;
    return { input: `${n} ${k}\n`, output: `${s}\n` };
  }),
};

async function testsPerSecond(pool: SandboxPool): Promise<{ perSecond: number; msPerTest: number }> {
  // Warm up: workers started (and, for the baseline, the page cache) before timing.
  await runProgram({ ...task, tests: (task.tests as { input: string; output: string }[]).slice(0, 2) }, PROGRAM, { pool });
  const start = performance.now();
  const r = await runProgram(task, PROGRAM, { pool });
  const seconds = (performance.now() - start) / 1000;
  if (r.reward !== 1) throw new Error(`bench program failed: ${r.verdict}`);
  return { perSecond: TESTS / seconds, msPerTest: (seconds * 1000) / TESTS };
}

export async function run(): Promise<void> {
  const size = os.availableParallelism();
  const pooled = new SandboxPool({ size });
  const spawnPerTest = new SandboxPool({ size, jobsPerWorker: 1 });
  try {
    const fast = await testsPerSecond(pooled);
    const slow = await testsPerSecond(spawnPerTest);
    console.log(`code tests, ${TESTS} stdin/stdout tests, ${size} workers, load average ${os.loadavg()[0].toFixed(1)}`);
    console.log(`  worker pool (fork per test)      ${fast.perSecond.toFixed(1)} tests/s  (${fast.msPerTest.toFixed(1)} ms/test wall, amortised)`);
    console.log(`  baseline: sandbox spawn per test ${slow.perSecond.toFixed(1)} tests/s  (${slow.msPerTest.toFixed(1)} ms/test wall, amortised)`);
    console.log(`  ratio pool / spawn-per-test      ${(fast.perSecond / slow.perSecond).toFixed(2)}x`);
  } finally {
    await Promise.all([pooled.close(), spawnPerTest.close()]);
  }
}

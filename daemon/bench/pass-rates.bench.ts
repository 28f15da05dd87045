// Curation's difficulty filter measured the way it used to (one problem per generate() call:
// k rows) beside measurePassRates batching many problems per call (up to 256 rows), in the
// same run, on the shipped warm start and held-out embedded math. The counts must match: each
// sample's seed belongs to the problem and the sample, not to its place in a batch.
import { heldOutProblems } from '../data/embedded/index.js';
import { measurePassRates } from '../engine/pass-rates.js';
import { WARMSTART_DIR } from '../engine/run.js';
import { openVerifier } from '../engine/verifier.js';
import { describeBackend, initBackend } from '../model/backend.js';
import { loadModel } from '../model/load.js';

const PROBLEMS = 64;
const K = 8;

export async function run(): Promise<void> {
  const backend = await initBackend(process.env.RLVR_BACKEND);
  const model = await loadModel(WARMSTART_DIR);
  const verifier = await openVerifier();
  const problems = heldOutProblems('math', PROBLEMS);
  const sampling = { maxNewTokens: 48, temperature: 0.6, topP: 0.95, seed: 0 };
  try {
    await measurePassRates(model, verifier.verify, problems.slice(0, 2), K, sampling); // warm-up
    const t0 = performance.now();
    const one: number[] = [];
    for (const p of problems) one.push((await measurePassRates(model, verifier.verify, [p], K, sampling))[0].passed);
    const t1 = performance.now();
    const batched = (await measurePassRates(model, verifier.verify, problems, K, sampling)).map((m) => m.passed);
    const t2 = performance.now();
    const same = one.every((c, i) => c === batched[i]);
    console.log(`${describeBackend(backend)}; warm start, ${PROBLEMS} held-out math problems x ${K} samples, 48 tokens`);
    console.log(`one problem per call (baseline): ${((t1 - t0) / 1000).toFixed(1)} s`);
    console.log(`batched, 256 rows per call:      ${((t2 - t1) / 1000).toFixed(1)} s  (${((t1 - t0) / (t2 - t1)).toFixed(2)}x)`);
    console.log(`same pass counts both ways: ${same ? 'yes' : 'NO'} (${batched.reduce((a, b) => a + b, 0)} of ${PROBLEMS * K} samples passed)`);
  } finally {
    await verifier.close();
    model.dispose();
  }
}

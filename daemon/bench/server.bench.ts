// Daemon throughput on loopback: notifications/s fanned out to 20 subscribed clients beside
// the same stream to 1 client, and rollouts/s stored with one transaction per step (what
// the engine does) beside one transaction per rollout, all measured in this run.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setEngineForTesting } from '../server/runs.js';
import { startServer } from '../server/server.js';
import { openRunStore } from '../store/index.js';
import { countingClient } from './counting-client.js';
import { statusUnderLoad } from './status-under-load.js';
import { streamEngine, syntheticStep, type StreamShape } from './stream-engine.js';

const SHAPE: StreamShape = { steps: 100, prompts: 16, groupSize: 4, responseBytes: 1024 };

async function fanOut(clients: number): Promise<{ messages: number; rollouts: number; seconds: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-bench-server-'));
  const store = openRunStore(path.join(dir, 'runs.db'));
  setEngineForTesting(streamEngine(SHAPE));
  const server = await startServer({ store, dataDir: dir, token: 'bench', version: 'bench', backend: async () => null });
  try {
    let finished = 0;
    let allDone!: () => void;
    const done = new Promise<void>((r) => (allDone = r));
    const subs = await Promise.all(Array.from({ length: clients }, () => countingClient(server.port, 'bench', () => ++finished === clients && allDone())));
    const driver = await countingClient(server.port, 'bench');
    const t0 = performance.now();
    await server.runs.start({ name: 'bench' });
    await done;
    const seconds = (performance.now() - t0) / 1000;
    const messages = subs.reduce((a, s) => a + s.counts.messages, 0);
    const rollouts = subs.reduce((a, s) => a + s.counts.rollouts, 0);
    subs.forEach((s) => s.close());
    driver.close();
    return { messages, rollouts, seconds };
  } finally {
    setEngineForTesting(null);
    await server.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function storeRate(perStep: boolean): number {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-bench-store-'));
  const store = openRunStore(path.join(dir, 'runs.db'));
  const runId = store.createRun({ name: 'bench', configPath: null, config: null, seed: 0 });
  const shape = { ...SHAPE, steps: 20 };
  const batches = Array.from({ length: shape.steps }, (_, i) => syntheticStep(runId, i + 1, shape));
  const t0 = performance.now();
  let n = 0;
  let step = 0;
  for (const { metrics, rollouts } of batches) {
    if (perStep) {
      store.recordStep({ ...metrics, step: ++step, globalStep: step }, rollouts);
      n += rollouts.length;
    } else {
      // The baseline: every rollout committed on its own (a step of one rollout each).
      for (const r of rollouts) {
        store.recordStep({ ...metrics, step: ++step, globalStep: step }, [{ ...r, step }]);
        n++;
      }
    }
  }
  const rate = n / ((performance.now() - t0) / 1000);
  store.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

export async function run(): Promise<void> {
  const one = await fanOut(1);
  const many = await fanOut(20);
  const rate = (x: { messages: number; seconds: number }) => x.messages / x.seconds;
  const perRollouts = SHAPE.prompts * SHAPE.groupSize;
  console.log(`stream: ${SHAPE.steps} steps x ${perRollouts} rollouts of ${SHAPE.responseBytes} B, stored and notified per step`);
  console.log(`fan-out  1 client : ${rate(one).toFixed(0).padStart(8)} notifications/s, ${(one.rollouts / one.seconds).toFixed(0)} rollouts/s delivered (baseline)`);
  console.log(`fan-out 20 clients: ${rate(many).toFixed(0).padStart(8)} notifications/s, ${(many.rollouts / many.seconds).toFixed(0)} rollouts/s delivered, ${(rate(many) / rate(one)).toFixed(2)}x the 1-client rate`);
  const tx = storeRate(true);
  const single = storeRate(false);
  console.log(`store, one transaction per step   : ${tx.toFixed(0).padStart(8)} rollouts/s`);
  console.log(`store, one transaction per rollout: ${single.toFixed(0).padStart(8)} rollouts/s (baseline); per step is ${(tx / single).toFixed(1)}x`);
  const lat = await statusUnderLoad();
  const show = (l: { samples: number; p50: number; max: number }) => `p50 ${l.p50.toFixed(1).padStart(7)} ms, max ${l.max.toFixed(1).padStart(7)} ms (${l.samples} calls)`;
  console.log(`rlvr/status, idle daemon                        : ${show(lat.idle)} (baseline)`);
  console.log(`rlvr/status, during a 200,000-line verl import   : ${show(lat.verl)}; max ${(lat.verl.max / lat.idle.max).toFixed(1)}x idle's`);
  console.log(`rlvr/status, during 60,000-line dataset lenses   : ${show(lat.lenses)}; max ${(lat.lenses.max / lat.idle.max).toFixed(1)}x idle's`);
}

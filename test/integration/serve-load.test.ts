// Load on loopback: 20 subscribed clients while a run streams 200 steps of 64 rollouts
// (~1 KB each) through the real store and hub. Every client gets every notification in
// order, and the daemon's heap does not grow with the volume streamed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { countingClient } from '../../daemon/bench/counting-client.js';
import { streamEngine } from '../../daemon/bench/stream-engine.js';
import { setEngineForTesting } from '../../daemon/server/runs.js';
import { startServer } from '../../daemon/server/server.js';
import { openRunStore } from '../../daemon/store/index.js';
import { Methods } from '../../shared/protocol.js';
import { connect, tmpDataDir } from './daemon.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const heapMb = () => {
  gc();
  const m = process.memoryUsage();
  // Socket buffers live outside the JS heap: count them too.
  return (m.heapUsed + m.external) / 2 ** 20;
};

const CLIENTS = 20;
const SHAPE = { steps: 200, prompts: 16, groupSize: 4, responseBytes: 1024 };

test(`${CLIENTS} clients, ${SHAPE.steps} steps x ${SHAPE.prompts * SHAPE.groupSize} rollouts: nothing lost or reordered, heap flat`, async () => {
  const dir = tmpDataDir();
  const store = openRunStore(path.join(dir, 'runs.db'));
  const heap: number[] = [];
  setEngineForTesting(
    streamEngine(SHAPE, (step) => {
      if (step === 50 || step === SHAPE.steps) heap.push(heapMb());
    }),
  );
  const server = await startServer({ store, dataDir: dir, token: 'load', version: 'test', backend: async () => null });
  try {
    let finished = 0;
    let allDone!: () => void;
    const done = new Promise<void>((r) => (allDone = r));
    const clients = await Promise.all(
      Array.from({ length: CLIENTS }, () => countingClient(server.port, 'load', () => ++finished === CLIENTS && allDone())),
    );
    const driver = await connect(server.port, 'load');
    const { runId } = await driver.request(Methods.startRun, { name: 'load' });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('load run did not finish in 120 s')), 120_000)))]);
    clearTimeout(timer);
    console.log(`heap+external at step 50: ${heap[0].toFixed(1)} MB, at step ${SHAPE.steps}: ${heap[1].toFixed(1)} MB`);

    const expected = SHAPE.steps * SHAPE.prompts * SHAPE.groupSize;
    assert.equal((await driver.request(Methods.queryRollouts, { runId, limit: 1 })).total, expected);
    for (const [i, c] of clients.entries()) {
      assert.equal(c.counts.outOfOrder, 0, `client ${i} saw notifications out of order`);
      assert.equal(c.counts.steps, SHAPE.steps, `client ${i} steps`);
      assert.equal(c.counts.rollouts, expected, `client ${i} rollouts`);
    }
    const streamedMb = (CLIENTS * expected * SHAPE.responseBytes) / 2 ** 20;
    const growth = heap[1] - heap[0];
    assert.ok(growth < 16, `heap grew ${growth.toFixed(1)} MB between step 50 and ${SHAPE.steps} while ${streamedMb.toFixed(0)} MB were streamed`);
    clients.forEach((c) => c.close());
    await driver.close();
  } finally {
    setEngineForTesting(null);
    await server.close();
    store.close();
  }
});

// SIGKILL a process while it writes steps as fast as it can: whatever moment the kill
// lands, every step in the store has all of its rollouts and test results, or is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { openRunStore } from '../../daemon/store/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const storeUrl = pathToFileURL(path.resolve(here, '../../daemon/store/index.js')).href;
const helpersUrl = pathToFileURL(path.resolve(here, '../unit/store/helpers.js')).href;

const GROUPS = 8;
const G = 8;

function writer(db: string): string {
  return `
    import { openRunStore } from ${JSON.stringify(storeUrl)};
    import { metrics, rollouts } from ${JSON.stringify(helpersUrl)};
    const store = openRunStore(${JSON.stringify(db)});
    const runId = store.createRun({ name: 'kill', configPath: null, config: null, seed: 1 });
    store.upsertStage(runId, { index: 0, name: 's0', kind: 'code', status: 'running', stepsDone: 0, stepsPlanned: 100000 });
    for (let s = 1; s <= 100000; s++) {
      store.recordStep(metrics(runId, 0, s), rollouts(runId, 's0', s, ${GROUPS}, ${G}));
      process.stdout.write(s + '\\n');
    }`;
}

async function killMidWrite(db: string, afterSteps: number, delayMs: number): Promise<number> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', writer(db)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    // Under `node --test` the child would inherit the runner's context and report to it.
    env: { ...process.env, NODE_TEST_CONTEXT: undefined },
  });
  let last = 0;
  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error('writer produced too few steps within 20 s')), 20_000);
    child.stdout.on('data', (b: Buffer) => {
      last = Number(b.toString().trim().split('\n').pop());
      if (last >= afterSteps) {
        clearTimeout(deadline);
        setTimeout(() => (child.kill('SIGKILL'), resolve()), delayMs);
      }
    });
    child.on('exit', () => resolve());
  });
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
  assert.equal(child.signalCode, 'SIGKILL', 'the writer was killed, not finished');
  return last;
}

test('SIGKILL during writes leaves only whole steps', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-kill-'));
  for (const [i, delay] of [0, 3, 7, 13].entries()) {
    const db = path.join(dir, `runs-${i}.db`);
    const acknowledged = await killMidWrite(db, 3, delay);
    const store = openRunStore(db);
    const runId = store.listRuns()[0].id;
    const steps = store.metricSeries(runId).map((m) => m.step);
    // Every step the writer reported committed is there, in order, with nothing after a gap.
    assert.ok(steps.length >= acknowledged, `${steps.length} steps stored, ${acknowledged} acknowledged`);
    assert.deepEqual(steps, steps.map((_, k) => k + 1));
    const perStep = store.db
      .prepare("SELECT step, COUNT(*) AS n, COUNT(DISTINCT problem_id || ':' || sample_index) AS u FROM rollouts GROUP BY step")
      .all() as { step: number; n: number; u: number }[];
    assert.equal(perStep.length, steps.length);
    for (const s of perStep) assert.deepEqual([s.n, s.u], [GROUPS * G, GROUPS * G], `step ${s.step}`);
    const tests = store.db.prepare('SELECT COUNT(*) AS n FROM test_results').get() as { n: number };
    assert.equal(tests.n, steps.length * GROUPS * G * 2);
    assert.equal(store.db.pragma('integrity_check', { simple: true }), 'ok');
    store.close();
  }
});

// The engine runs in its own thread: one that dies (process.exit in the thread, an uncaught
// exception) cannot take the daemon down, and its errors reach the client with their codes.
// The real daemon, store and engine; faults are injected at the first step boundary through
// the test-only environment variable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openRunStore } from '../../daemon/store/index.js';
import { TEST_ONLY_FAULT_ENV, TEST_ONLY_HEAP_MB_ENV } from '../../daemon/engine/worker/messages.js';
import { ErrorCodes, Methods, Notifications } from '../../shared/protocol.js';
import { connect, startDaemon, tmpDataDir, TINY_CONFIG } from './daemon.js';

async function daemonWith(env: Record<string, string>, dataDir = tmpDataDir()) {
  Object.assign(process.env, env); // the daemon child inherits them
  try {
    return await startDaemon(dataDir);
  } finally {
    for (const k of Object.keys(env)) delete process.env[k];
  }
}

async function withFault(fault: 'exit' | 'throw' | 'oom', expected: RegExp): Promise<void> {
  const d = await daemonWith({ [TEST_ONLY_FAULT_ENV]: fault, ...(fault === 'oom' ? { [TEST_ONLY_HEAP_MB_ENV]: '256' } : {}) });
  try {
    const c = await connect(d.port, d.token);
    await c.request(Methods.subscribe, {});
    const { runId } = await c.request(Methods.startRun, { configPath: TINY_CONFIG, name: `fault-${fault}` });
    const failed = await c.waitFor(Notifications.runChanged, (r) => r.id === runId && r.status === 'failed');
    assert.match(failed.error ?? '', expected);
    const error = await c.waitFor(Notifications.error, (e) => e.runId === runId);
    assert.match(error.message, expected);

    // The daemon keeps answering, with no active run, and the store says why the run failed.
    const status = await c.request(Methods.status, {});
    assert.equal(status.pid, d.pid);
    assert.equal(status.activeRun, null);
    const run = await c.request(Methods.getRun, { runId });
    assert.equal(run.status, 'failed');
    assert.match(run.error ?? '', expected);
    assert.ok(!run.stages.some((s) => s.status === 'running'), 'no stage is left running');

    await c.close();
  } finally {
    assert.equal(await d.stop(), 0);
  }
}

test('an engine thread that calls process.exit: the run fails with the reason, the daemon keeps answering', async () => {
  await withFault('exit', /engine thread exited with code 70/);
});

test('an engine thread with an uncaught exception: the run fails with its message, the daemon keeps answering', async () => {
  await withFault('throw', /engine thread died: .*uncaught exception in the engine thread/);
});

test('an engine thread that runs out of memory: the run fails saying so, the daemon keeps answering', async () => {
  await withFault('oom', /engine thread died: .*out of memory/);
});

test('an engine error crosses the thread with its code: an unknown stage is ConfigInvalid, and the daemon takes the next run', async () => {
  const d = await startDaemon(tmpDataDir());
  try {
    const c = await connect(d.port, d.token);
    await assert.rejects(c.request(Methods.startRun, { configPath: TINY_CONFIG, stages: ['nope'] }), (e: { code: number; message: string }) => {
      assert.equal(e.code, ErrorCodes.ConfigInvalid);
      assert.match(e.message, /unknown stage\(s\) nope \(the config has: math-short, code\)/);
      return true;
    });
    assert.equal((await c.request(Methods.status, {})).activeRun, null);
    const { runId } = await c.request(Methods.startRun, { configPath: TINY_CONFIG, stages: ['math-short'], maxStepsPerStage: 1 });
    await c.request(Methods.subscribe, { runId });
    const end = await c.waitFor(Notifications.runChanged, (r) => r.id === runId && r.status === 'finished');
    assert.deepEqual(end.stages.map((s) => [s.name, s.status]), [['math-short', 'done']]);
    await c.close();
  } finally {
    assert.equal(await d.stop(), 0);
  }
});

test('an engine thread that hangs: the daemon keeps answering; at shutdown it ends the thread and fails the run with the reason', async () => {
  const dir = tmpDataDir();
  const d = await daemonWith({ [TEST_ONLY_FAULT_ENV]: 'hang', RLVR_TEST_ONLY_ENGINE_STOP_GRACE_MS: '1000' }, dir);
  let runId = '';
  try {
    const c = await connect(d.port, d.token);
    await c.request(Methods.subscribe, {});
    ({ runId } = await c.request(Methods.startRun, { configPath: TINY_CONFIG }));
    // The first stage starts, then its first step boundary hangs (an endless loop in the thread).
    await c.waitFor(Notifications.stageChanged, (s) => s.runId === runId && s.stage.status === 'running');
    for (let i = 0; i < 3; i++) assert.equal((await c.request(Methods.status, {})).activeRun?.runId, runId);
    assert.equal((await c.request(Methods.getRun, { runId })).status, 'running');
    await c.close();
  } finally {
    assert.equal(await d.stop(), 0, 'SIGTERM ends the hung engine after the grace period and the daemon exits cleanly');
  }
  const store = openRunStore(path.join(dir, 'runs.db'));
  try {
    const run = store.getRun(runId);
    assert.equal(run.status, 'failed');
    assert.match(run.error ?? '', /the engine did not stop within 1 s of the daemon shutting down/);
  } finally {
    store.close();
  }
});

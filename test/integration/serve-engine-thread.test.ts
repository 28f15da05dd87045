// The engine runs in its own thread: one that dies (process.exit in the thread, an uncaught
// exception) cannot take the daemon down, and its errors reach the client with their codes.
// The real daemon, store and engine; faults are injected at the first step boundary through
// the test-only environment variable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_ONLY_FAULT_ENV } from '../../daemon/engine/worker/messages.js';
import { ErrorCodes, Methods, Notifications } from '../../shared/protocol.js';
import { connect, startDaemon, tmpDataDir, TINY_CONFIG } from './daemon.js';

async function withFault(fault: 'exit' | 'throw', expected: RegExp): Promise<void> {
  process.env[TEST_ONLY_FAULT_ENV] = fault; // the daemon child inherits it
  const d = await startDaemon(tmpDataDir());
  delete process.env[TEST_ONLY_FAULT_ENV];
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
    delete process.env[TEST_ONLY_FAULT_ENV];
    assert.equal(await d.stop(), 0);
  }
}

test('an engine thread that calls process.exit: the run fails with the reason, the daemon keeps answering', async () => {
  await withFault('exit', /engine thread exited with code 70/);
});

test('an engine thread with an uncaught exception: the run fails with its message, the daemon keeps answering', async () => {
  await withFault('throw', /engine thread died: .*uncaught exception in the engine thread/);
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

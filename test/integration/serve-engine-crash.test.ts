// The engine runs in its own thread: one that dies (process.exit in the thread, an uncaught
// exception) cannot take the daemon down. The real daemon, store and engine; the fault is
// injected at the first step boundary through the test-only environment variable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_ONLY_FAULT_ENV } from '../../daemon/engine/worker/messages.js';
import { Methods, Notifications } from '../../shared/protocol.js';
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

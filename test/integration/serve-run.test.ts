// Runs driven through the socket on the tiny config, with the real engine, store and
// verifiers: notifications reach every subscriber, everything announced can be queried
// back, pause/resume/stop work, and a daemon killed mid-step resumes without losing or
// duplicating a rollout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { openRunStore } from '../../daemon/store/index.js';
import { ErrorCodes, Methods, Notifications, type RolloutRecord, type StepMetrics } from '../../shared/protocol.js';
import { connect, startDaemon, tmpDataDir, TINY_CONFIG, type Client } from './daemon.js';

const ofRun = (c: Client, runId: string) =>
  c.seen.filter((s) => {
    const p = s.params as { runId?: string; id?: string };
    return (p.runId ?? p.id) === runId;
  });

test('start a run through the socket: two clients get the same notifications; every rollout announced is queryable', async () => {
  const d = await startDaemon(tmpDataDir());
  try {
    const a = await connect(d.port, d.token);
    const b = await connect(d.port, d.token);
    await a.request(Methods.subscribe, {});
    await b.request(Methods.subscribe, {});
    const { runId } = await a.request(Methods.startRun, { configPath: TINY_CONFIG, name: 'socket-run' });
    await assert.rejects(a.request(Methods.startRun, { configPath: TINY_CONFIG }), (e: { code: number }) => e.code === ErrorCodes.RunAlreadyActive);
    await a.waitFor(Notifications.runChanged, (r) => r.id === runId && r.status === 'finished');
    await b.waitFor(Notifications.runChanged, (r) => r.id === runId && r.status === 'finished');

    const seqA = ofRun(a, runId);
    assert.deepEqual(ofRun(b, runId), seqA, 'both clients saw the same notifications in the same order');
    const methods = new Set(seqA.map((s) => s.method));
    for (const n of [Notifications.progress, Notifications.stepMetrics, Notifications.rollouts, Notifications.stageChanged, Notifications.log]) {
      assert.ok(methods.has(n.method), `received ${n.method}`);
    }
    const announced = seqA
      .filter((s) => s.method === Notifications.rollouts.method)
      .flatMap((s) => (s.params as { rollouts: RolloutRecord[] }).rollouts);
    const stored = await a.request(Methods.queryRollouts, { runId, limit: 1000 });
    assert.equal(stored.total, 16, '2 stages x 2 steps x 2 prompts x G=2');
    assert.deepEqual(stored.rollouts, announced, 'what was announced is what was stored, ids included');

    const code = stored.rollouts.find((r) => r.kind === 'code')!;
    const detail = await a.request(Methods.getRollout, { id: code.id });
    assert.equal(detail.verify?.details.kind, 'code');
    const series = await a.request(Methods.metricSeries, { runId });
    assert.deepEqual(series.map((m) => [m.stage, m.step, m.globalStep]), [['math-short', 1, 1], ['math-short', 2, 2], ['code', 1, 3], ['code', 2, 4]]);
    const metrics = seqA.filter((s) => s.method === Notifications.stepMetrics.method).map((s) => s.params as StepMetrics);
    assert.deepEqual(metrics, series);
    assert.ok((await a.request(Methods.passRates, { runId })).length > 0);
    assert.ok((await a.request(Methods.evalResults, { runId })).length >= 2);
    const run = await b.request(Methods.getRun, { runId });
    assert.equal(run.status, 'finished');
    assert.equal(run.name, 'socket-run');
    assert.deepEqual(run.stages.map((s) => [s.name, s.status, s.stepsDone]), [['math-short', 'done', 2], ['code', 'done', 2]]);
    await a.close();
    await b.close();
  } finally {
    assert.equal(await d.stop(), 0);
  }
});

test('pause holds the run between steps, resume continues it, stop ends it after a whole step', async () => {
  const d = await startDaemon(tmpDataDir());
  try {
    const c = await connect(d.port, d.token);
    const { runId } = await c.request(Methods.startRun, { configPath: TINY_CONFIG, maxStepsPerStage: 2 });
    await c.request(Methods.subscribe, { runId });
    await c.waitFor(Notifications.stepMetrics, (m) => m.runId === runId);
    assert.deepEqual(await c.request(Methods.pauseRun, { runId }), { paused: true });
    await c.waitFor(Notifications.runChanged, (r) => r.id === runId && r.status === 'paused');
    assert.equal((await c.request(Methods.status, {})).activeRun?.status, 'paused');
    // The step in flight when the pause came is finished and stored; then the run holds.
    await c.waitFor(Notifications.log, (l) => l.runId === runId && l.message.startsWith('paused after step'));
    const before = (await c.request(Methods.metricSeries, { runId })).length;
    assert.ok(before < 4, 'paused before the run could finish');
    const stepsSeen = () => c.seen.filter((n) => n.method === Notifications.stepMetrics.method).length;
    const seenAtPause = stepsSeen();

    // The engine holds until resumed: the next step it stores is the one after the pause,
    // and no step was reported between the hold and the resume.
    assert.deepEqual(await c.request(Methods.resumeRun, { runId }), { resumed: true });
    const next = await c.waitFor(Notifications.stepMetrics, (m) => m.runId === runId && m.globalStep > before);
    assert.equal(next.globalStep, before + 1, 'no step while paused');
    const stepNotes = c.seen.filter((n) => n.method === Notifications.stepMetrics.method);
    assert.equal((stepNotes[seenAtPause].params as { globalStep: number }).globalStep, before + 1, 'the first step reported after the hold is the one after the pause');
    assert.deepEqual(await c.request(Methods.stopRun, { runId }), { stopped: true });
    const end = await c.waitFor(Notifications.runChanged, (r) => r.id === runId && (r.status === 'stopped' || r.status === 'finished'));
    const series = await c.request(Methods.metricSeries, { runId });
    const rollouts = await c.request(Methods.queryRollouts, { runId, limit: 1000 });
    assert.equal(rollouts.total, series.length * 4, 'every stored step is whole');
    if (end.status === 'stopped') assert.ok(series.length < 4);
    assert.deepEqual(await c.request(Methods.stopRun, { runId }), { stopped: false });
    await c.close();
  } finally {
    assert.equal(await d.stop(), 0);
  }
});

test('kill -9 in the middle of a step, restart, resume: stored rollouts intact, none lost or duplicated, the run finishes', async () => {
  const dir = tmpDataDir();
  const d = await startDaemon(dir);
  const c = await connect(d.port, d.token);
  await c.request(Methods.subscribe, {});
  const { runId } = await c.request(Methods.startRun, { configPath: TINY_CONFIG });
  // Step 1 is stored and checkpointed; step 2 has begun sampling: kill now.
  await c.waitFor(Notifications.progress, (p) => p.runId === runId && p.stageIndex === 0 && p.step === 2 && p.phase === 'sample');
  await d.kill9();
  await c.close().catch(() => {});

  const d2 = await startDaemon(dir);
  try {
    const c2 = await connect(d2.port, d2.token);
    const interrupted = await c2.request(Methods.getRun, { runId });
    assert.equal(interrupted.status, 'stopped', 'marked interrupted on restart');
    assert.match(interrupted.error ?? '', /interrupted/);
    const beforeResume = await c2.request(Methods.queryRollouts, { runId, limit: 1000 });
    assert.ok(beforeResume.total >= 4 && beforeResume.total % 4 === 0, `whole steps only: ${beforeResume.total}`);

    await c2.request(Methods.subscribe, { runId });
    await c2.request(Methods.startRun, { resumeRunId: runId });
    await c2.waitFor(Notifications.runChanged, (r) => r.id === runId && r.status === 'finished');

    const after = await c2.request(Methods.queryRollouts, { runId, limit: 1000 });
    assert.equal(after.total, 16, 'every step of the run stored exactly once');
    const keys = after.rollouts.map((r) => `${r.stage}/${r.step}/${r.problemId}/${r.sampleIndex}`);
    assert.equal(new Set(keys).size, keys.length, 'no duplicates');
    // What was stored before the kill (up to the checkpoint) is untouched, ids included.
    const ck = beforeResume.rollouts.filter((r) => r.stage === 'math-short' && r.step === 1);
    assert.equal(ck.length, 4);
    assert.deepEqual(after.rollouts.filter((r) => r.stage === 'math-short' && r.step === 1), ck);
    assert.deepEqual((await c2.request(Methods.metricSeries, { runId })).map((m) => m.globalStep), [1, 2, 3, 4]);
    await c2.close();
  } finally {
    assert.equal(await d2.stop(), 0);
  }
});

test('SIGTERM during a run: the daemon stores the current step whole, marks the run stopped, removes its lock, exits 0', async () => {
  const dir = tmpDataDir();
  const d = await startDaemon(dir);
  const c = await connect(d.port, d.token);
  await c.request(Methods.subscribe, {});
  const { runId } = await c.request(Methods.startRun, { configPath: TINY_CONFIG });
  await c.waitFor(Notifications.progress, (p) => p.runId === runId && p.step === 2 && p.phase === 'sample');
  assert.equal(await d.stop(), 0);
  assert.equal(existsSync(d.lockFile), false);
  const store = openRunStore(path.join(dir, 'runs.db'));
  try {
    const run = store.getRun(runId);
    assert.equal(run.status, 'stopped');
    const steps = store.metricSeries(runId).length;
    assert.ok(steps >= 1 && steps < 4, `${steps} steps`);
    assert.equal(store.queryRollouts({ runId }).total, steps * 4);
  } finally {
    store.close();
  }
});

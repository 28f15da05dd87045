import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openRunStore, type RunStore } from '../../../daemon/store/index.js';
import { ErrorCodes } from '../../../shared/protocol.js';
import { metrics, rollouts } from './helpers.js';

function fresh(): { store: RunStore; runId: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-store-'));
  const store = openRunStore(path.join(dir, 'runs.db'));
  const runId = store.createRun({ name: 't', configPath: null, config: { a: 1 }, seed: 7 });
  store.upsertStage(runId, { index: 0, name: 's0', kind: 'code', status: 'running', stepsDone: 0, stepsPlanned: 3 });
  return { store, runId };
}

test('a recorded step reads back whole: rollouts, per-test results, metrics, stage progress', () => {
  const { store, runId } = fresh();
  const stored = store.recordStep(metrics(runId, 0, 1), rollouts(runId, 's0', 1));
  assert.equal(stored.length, 8);
  assert.ok(stored.every((r) => Number.isInteger(r.id) && r.runId === runId));

  const detail = store.getRollout(stored[1].id);
  assert.equal(detail.problemId, 'p0');
  assert.equal(detail.sampleIndex, 1);
  assert.equal(detail.truncated, false);
  assert.equal(detail.tests.length, 2);
  assert.deepEqual(detail.tests[1], { verdict: 'wrong_answer', input: '2\n', expected: '4', actual: '5', firstDiffLine: 1, stderrTail: '' });
  assert.equal(detail.verify?.details.kind, 'code');
  assert.deepEqual(detail.verify?.details.kind === 'code' && detail.verify.details.tests, detail.tests);

  assert.deepEqual(store.metricSeries(runId), [metrics(runId, 0, 1)]);
  assert.equal(store.getRun(runId).stages[0].stepsDone, 1);
  assert.throws(() => store.getRollout(999_999), (e: { code: number }) => e.code === ErrorCodes.RolloutNotFound);
});

test('a step that fails half way stores nothing of itself', () => {
  const { store, runId } = fresh();
  store.recordStep(metrics(runId, 0, 1), rollouts(runId, 's0', 1));
  const bad = rollouts(runId, 's0', 2);
  bad[5] = { ...bad[5], sampleIndex: bad[4].sampleIndex, problemId: bad[4].problemId }; // duplicate key
  assert.throws(() => store.recordStep(metrics(runId, 0, 2), bad), /UNIQUE/);
  assert.equal(store.queryRollouts({ runId }).total, 8);
  assert.equal(store.queryRollouts({ runId, step: 2 }).total, 0);
  assert.equal(store.metricSeries(runId).length, 1);
  const tests = store.db.prepare('SELECT COUNT(*) AS n FROM test_results').get() as { n: number };
  assert.equal(tests.n, 16);
  // The same step recorded twice is refused rather than duplicated.
  assert.throws(() => store.recordStep(metrics(runId, 0, 1), rollouts(runId, 's0', 1)), /UNIQUE/);
  assert.equal(store.queryRollouts({ runId }).total, 8);
});

test('queries filter and paginate rollouts; pass rates count per problem and step', () => {
  const { store, runId } = fresh();
  for (let s = 1; s <= 3; s++) store.recordStep(metrics(runId, 0, s), rollouts(runId, 's0', s, 3, 4));
  assert.equal(store.queryRollouts({ runId }).total, 36);
  assert.equal(store.queryRollouts({ runId, step: 2 }).total, 12);
  assert.equal(store.queryRollouts({ runId, problemId: 'p2', verdict: 'passed' }).total, 6);
  assert.equal(store.queryRollouts({ runId, reward: 1 }).total, 9);
  assert.equal(store.queryRollouts({ runId, truncated: true }).total, 9);
  assert.equal(store.queryRollouts({ runId, stage: 'nope' }).total, 0);

  const page1 = store.queryRollouts({ runId, limit: 10 });
  const page4 = store.queryRollouts({ runId, offset: 30, limit: 10 });
  assert.equal(page1.rollouts.length, 10);
  assert.equal(page4.rollouts.length, 6);
  assert.ok(page1.rollouts[9].id < page4.rollouts[0].id);

  const cells = store.passRates(runId);
  assert.equal(cells.length, 9);
  assert.deepEqual(cells.find((c) => c.problemId === 'p2' && c.step === 3), { problemId: 'p2', step: 3, passed: 2, total: 4 });
  assert.throws(() => store.queryRollouts({ runId: 'missing' }), (e: { code: number }) => e.code === ErrorCodes.RunNotFound);
});

test('resume: deleteStepsAfter drops later steps with their rollouts, tests and checkpoints', () => {
  const { store, runId } = fresh();
  store.upsertStage(runId, { index: 1, name: 's1', kind: 'math', status: 'running', stepsDone: 0, stepsPlanned: 2 });
  for (let s = 1; s <= 3; s++) store.recordStep(metrics(runId, 0, s), rollouts(runId, 's0', s));
  store.recordStep(metrics(runId, 1, 1, 4, 's1'), rollouts(runId, 's1', 1, 2, 4, 'math'));
  store.recordCheckpoint({ runId, stageIndex: 0, step: 2, path: '/ck/2' });
  store.recordCheckpoint({ runId, stageIndex: 0, step: 3, path: '/ck/3' });
  store.recordCheckpoint({ runId, stageIndex: 1, step: 1, path: '/ck/4' });
  assert.equal(store.lastCheckpoint(runId)?.path, '/ck/4');

  store.deleteStepsAfter(runId, 0, 2);
  assert.equal(store.lastCheckpoint(runId)?.path, '/ck/2');
  assert.deepEqual(store.metricSeries(runId).map((m) => m.globalStep), [1, 2]);
  assert.equal(store.queryRollouts({ runId }).total, 16);
  assert.equal((store.db.prepare('SELECT COUNT(*) AS n FROM test_results').get() as { n: number }).n, 32);
  const stages = store.getRun(runId).stages;
  assert.equal(stages[0].stepsDone, 2);
  assert.equal(stages[1].stepsDone, 0);
  // Redoing step 3 after the delete stores it once.
  store.recordStep(metrics(runId, 0, 3), rollouts(runId, 's0', 3));
  assert.equal(store.queryRollouts({ runId, step: 3 }).total, 8);
});

test('evaluations: redone after a resume, replaced rather than counted twice', () => {
  const { store, runId } = fresh();
  const e = { runId, after: 'warm-start', domain: 'math' as const, avgAtK: 0.2, passAtK: 0.5, k: 4, problems: 10 };
  store.recordEval(e);
  store.recordEval({ ...e, domain: 'code', avgAtK: 0.1 });
  store.recordEval({ ...e, avgAtK: 0.25 });
  const evals = store.evalResults(runId);
  assert.deepEqual(evals.map((x) => [x.domain, x.avgAtK]), [['math', 0.25], ['code', 0.1]]);
});

test('runs list newest first with paging; status and errors stick; interrupted runs are reconciled', () => {
  const { store, runId } = fresh();
  const second = store.createRun({ name: 'u', configPath: '/c.yaml', config: null, seed: 1 });
  assert.deepEqual(store.listRuns().map((r) => r.id).sort(), [runId, second].sort());
  assert.equal(store.listRuns({ limit: 1 }).length, 1);
  store.setRunStatus(second, 'failed', 'boom');
  assert.equal(store.getRun(second).error, 'boom');
  assert.equal(store.getRun(second).status, 'failed');
  assert.deepEqual(store.runConfig(runId), { config: { a: 1 }, configPath: null, seed: 7 });

  // A run whose writer died (a pid that cannot exist) is marked stopped; ours is left alone.
  store.db.prepare('UPDATE runs SET owner_pid = ? WHERE id = ?').run(2 ** 22 + 1, runId);
  const third = store.createRun({ name: 'v', configPath: null, config: null, seed: 1 });
  assert.deepEqual(store.reconcileInterrupted(), [runId]);
  assert.equal(store.getRun(runId).status, 'stopped');
  assert.equal(store.getRun(third).status, 'running');
});

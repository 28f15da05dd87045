// rlvr/rolloutProblem: a stored rollout's problem, with every test case, rebuilt from the
// run's stage config and seed (embedded generators or a JSONL file); a run that keeps no
// config, or a dataset that changed, is refused with a message that says so.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { embeddedTrainPool } from '../../../daemon/data/embedded/index.js';
import { loadConfig } from '../../../daemon/engine/config.js';
import { rolloutProblem } from '../../../daemon/server/rollout-problem.js';
import { taskOf } from '../../../shared/problem.js';
import { openRunStore, type RunStore } from '../../../daemon/store/index.js';
import { PROJECT_ROOT } from '../../../daemon/data/fixtures.js';
import { ErrorCodes } from '../../../shared/protocol.js';
import { metrics, rollouts } from '../store/helpers.js';

const TINY = path.join(PROJECT_ROOT, 'test', 'configs', 'tiny.yaml');

const dirs: string[] = [];
const stores: RunStore[] = [];
after(() => {
  stores.forEach((s) => s.close());
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

function tmp(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-rp-'));
  dirs.push(dir);
  return dir;
}

function storeIn(dir: string): RunStore {
  const store = openRunStore(path.join(dir, 'runs.db'));
  stores.push(store);
  return store;
}

/** One code step of `stage` whose rollouts answered `problemId` with `prompt`. */
function recordCodeStep(store: RunStore, runId: string, stageIndex: number, stage: string, problemId: string, prompt: string): number {
  store.upsertStage(runId, { index: stageIndex, name: stage, kind: 'code', status: 'running', stepsDone: 0, stepsPlanned: 1 });
  const rs = rollouts(runId, stage, 1, 1, 2).map((r) => ({ ...r, problemId, prompt }));
  return store.recordStep(metrics(runId, stageIndex, 1, 1, stage), rs)[0].id;
}

test('an embedded code rollout gets back its problem\'s task, with the expected output of every case', async () => {
  const store = storeIn(tmp());
  const config = loadConfig(TINY);
  const runId = store.createRun({ name: 'tiny', configPath: TINY, config, seed: config.seed });
  const expected = embeddedTrainPool('embedded:code', config.seed)![5];
  const id = recordCodeStep(store, runId, 1, 'code', expected.id, expected.prompt);

  const got = await rolloutProblem(store, id);
  assert.equal(got.problemId, expected.id);
  assert.deepEqual(got.task, taskOf(expected));
  assert.ok(got.task.kind === 'code' && Array.isArray(got.task.tests) && got.task.tests.every((t) => t.output !== ''), 'every case carries its expected output');
  assert.equal(got.checkpoint, null, 'the run saved no checkpoint');

  // With a checkpoint on disk, re-sampling uses the run's own latest policy.
  const ck = path.join(path.dirname(store.file), 'checkpoints', 'code-1');
  mkdirSync(path.join(ck, 'policy'), { recursive: true });
  writeFileSync(path.join(ck, 'policy', 'manifest.json'), '{}');
  store.recordCheckpoint({ runId, stageIndex: 1, step: 1, path: ck });
  assert.deepEqual((await rolloutProblem(store, id)).checkpoint, { dir: path.join(ck, 'policy'), label: 'tiny · code-1' });
});

test('a rollout of a JSONL dataset finds its problem in the file, relative to the config', async () => {
  const dir = tmp();
  const problem = { id: 'add-1', prompt: 'Read a and b; print a+b.', tests: [{ input: '1 2\n', output: '3\n' }, { input: '5 5\n', output: '10\n' }] };
  writeFileSync(path.join(dir, 'train.jsonl'), JSON.stringify({ id: 'other', prompt: 'x', tests: [{ input: '', output: '1' }] }) + '\n' + JSON.stringify(problem) + '\n');
  const configPath = path.join(dir, 'stages.yaml');
  const config = { seed: 1, stages: [{ name: 'mine', kind: 'code', dataset: 'train.jsonl' }] };
  const store = storeIn(dir);
  const runId = store.createRun({ name: 'file', configPath, config, seed: 1 });
  const id = recordCodeStep(store, runId, 0, 'mine', 'add-1', problem.prompt);
  assert.deepEqual((await rolloutProblem(store, id)).task, { kind: 'code', tests: problem.tests });

  // The file changed under the run: its problem is refused, not silently replaced.
  writeFileSync(path.join(dir, 'train.jsonl'), JSON.stringify({ ...problem, prompt: 'Read a and b; print a-b.' }) + '\n');
  await assert.rejects(() => rolloutProblem(store, id), (e: { code: number; message: string }) => e.code === ErrorCodes.ProblemNotFound && /add-1 .*has changed since the run/.test(e.message));
  writeFileSync(path.join(dir, 'train.jsonl'), JSON.stringify({ ...problem, id: 'renamed' }) + '\n');
  await assert.rejects(() => rolloutProblem(store, id), /problem add-1 is no longer in the dataset of stage mine \(train\.jsonl\)/);
});

test('an imported run keeps no config: its rollouts\' problems are refused by name', async () => {
  const store = storeIn(tmp());
  const runId = store.createImportedRun('verl', '/somewhere');
  const id = recordCodeStep(store, runId, 0, 'verl', 'p0', 'problem 0');
  await assert.rejects(() => rolloutProblem(store, id), (e: { code: number; message: string }) => e.code === ErrorCodes.ProblemNotFound && /keeps no stage config .*imported run/.test(e.message));
  await assert.rejects(() => rolloutProblem(store, 123_456), (e: { code: number }) => e.code === ErrorCodes.RolloutNotFound);
});

// The engine end to end on tiny configs, with the real policy, verifiers and SQLite store:
// reward rises under GRPO, a stopped run resumed from its checkpoint repeats the straight run
// exactly, and a step whose rewards are all 0 because the sandbox is missing stops the run.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Notifications, ErrorCodes, type NotificationType, type StepMetrics } from '../../shared/protocol.js';
import type { CodeTask } from '../../shared/verify.js';
import type { Notify } from '../../daemon/engine/api.js';
import { runCurriculum } from '../../daemon/engine/run.js';
import type { VerifyBatch } from '../../daemon/engine/rollouts.js';
import { runProgram, SandboxPool } from '../../daemon/verify/code/index.js';
import { openRunStore, type RunStore } from '../../daemon/store/index.js';

let dir: string;
let store: RunStore;

// Copy a digit into \boxed{}: a few SFT steps teach the format and leave sampling noisy, so
// GRPO has something to sharpen within a dozen steps.
const COPY_CONFIG = `seed: 3
model:
  scratch: { contextLength: 24, dModel: 32, nLayers: 1, nHeads: 2, mlpRatio: 2 }
eval: { problems: 10, k: 2, max_response_length: { math: 12, code: 12 }, datasets: { math: copy.jsonl, code: none } }
stages:
  - name: sft
    kind: sft
    dataset: copy.jsonl
    max_response_length: 12
    prompts_per_step: 16
    learning_rate: 1.0e-2
    steps: 50
  - name: rl
    kind: math
    dataset: copy.jsonl
    max_response_length: 12
    group_size: 8
    prompts_per_step: 8
    temperature: 1.0
    learning_rate: 5.0e-3
    steps: 20
    checkpoint_every: 4
`;

const TIMING: (keyof StepMetrics)[] = ['sampleSeconds', 'verifySeconds', 'updateSeconds', 'tokensPerSecond', 'runId'];

function comparable(m: StepMetrics): Partial<StepMetrics> {
  const out: Partial<StepMetrics> = { ...m };
  for (const k of TIMING) delete out[k];
  return out;
}

function rolloutsOf(runId: string) {
  return store
    .queryRollouts({ runId, limit: 1000 })
    .rollouts.map((r) => [r.stage, r.step, r.problemId, r.sampleIndex, r.response, r.reward, r.advantage.toFixed(6)].join('|'))
    .sort();
}

let straight: { runId: string; metrics: StepMetrics[]; evals: unknown };

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-engine-'));
  const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ id: `p${i}`, prompt: String(i % 10), answer: String(i % 10), solution: `\\boxed{${i % 10}}` }));
  writeFileSync(path.join(dir, 'copy.jsonl'), lines.join('\n') + '\n');
  writeFileSync(path.join(dir, 'copy.yaml'), COPY_CONFIG);
  store = openRunStore(path.join(dir, 'runs.db'));
  const out = await runCurriculum({ configPath: path.join(dir, 'copy.yaml'), outDir: path.join(dir, 'straight'), sink: store });
  assert.equal(out.status, 'finished');
  straight = { runId: out.runId, metrics: store.metricSeries(out.runId), evals: out.summary.evals };
});

after(() => {
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('GRPO raises the reward of a tiny policy within a few steps', () => {
  const rl = straight.metrics.filter((m) => m.stage === 'rl').map((m) => m.meanReward);
  assert.equal(rl.length, 20);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const first = mean(rl.slice(0, 5));
  const last = mean(rl.slice(-5));
  assert.ok(last >= first + 0.1, `mean reward of the last 5 steps ${last.toFixed(3)} should exceed the first 5 (${first.toFixed(3)}) by 0.1`);
  // Held-out (avg@2 at temperature 0.6) rises too: the policy learned, not just the sampler.
  const evals = straight.evals as { after: string; math: number }[];
  const [sft, rlEval] = [evals.find((e) => e.after === 'sft')!, evals.find((e) => e.after === 'rl')!];
  assert.ok(rlEval.math >= sft.math + 0.1, `held-out accuracy after RL ${rlEval.math} should exceed after SFT ${sft.math} by 0.1`);
});

test('a run stopped mid-stage and resumed from its checkpoint repeats the straight run', async () => {
  const controller = new AbortController();
  // Stop after rl step 6: the last checkpoint is rl step 4, so steps 5-6 are redone on resume.
  const notify: Notify = <P>(type: NotificationType<P>, params: P) => {
    const m = params as unknown as StepMetrics;
    if (type.method === Notifications.stepMetrics.method && m.stage === 'rl' && m.step === 6) controller.abort();
  };
  const first = await runCurriculum({ configPath: path.join(dir, 'copy.yaml'), outDir: path.join(dir, 'resumed'), sink: store, notify, signal: controller.signal });
  assert.equal(first.status, 'stopped');
  assert.equal(store.metricSeries(first.runId).filter((m) => m.stage === 'rl').length, 6);

  const resumed = await runCurriculum({ resumeRunId: first.runId, outDir: path.join(dir, 'ignored'), sink: store });
  assert.equal(resumed.status, 'finished');
  assert.equal(resumed.outDir, path.join(dir, 'resumed'));
  const a = straight.metrics.map(comparable);
  const b = store.metricSeries(first.runId).map(comparable);
  assert.deepEqual(b, a);
  assert.deepEqual(rolloutsOf(first.runId), rolloutsOf(straight.runId));
  // Through JSON: a domain evaluated on `none` is NaN, which summary.json writes as null.
  assert.equal(JSON.stringify(resumed.summary.evals), JSON.stringify(straight.evals));
});

test('all-zero rewards because the sandbox is missing stop the run with a clear error', async () => {
  // The real code verifier, pointed at a bubblewrap that does not exist: every response comes
  // back `sandbox_error`, as on a machine without bubblewrap.
  const pool = new SandboxPool({ bwrap: path.join(dir, 'no-such-bwrap'), size: 1 });
  const verify: VerifyBatch = (items) =>
    Promise.all(items.map((x) => runProgram(x.task as CodeTask, 'print(1)', { pool, stopOnFailure: true })));
  writeFileSync(path.join(dir, 'code.yaml'), `seed: 1
model:
  scratch: { contextLength: 96, dModel: 16, nLayers: 1, nHeads: 2, mlpRatio: 2 }
eval: { datasets: { math: none, code: none } }
stages:
  - name: code
    kind: code
    dataset: embedded:code
    max_response_length: 8
    group_size: 2
    prompts_per_step: 2
    learning_rate: 1.0e-3
    steps: 3
`);
  const errors: { code: number; message: string }[] = [];
  const notify: Notify = <P>(type: NotificationType<P>, params: P) => {
    if (type.method === Notifications.error.method) errors.push(params as unknown as { code: number; message: string });
  };
  let runId = '';
  await assert.rejects(
    runCurriculum({ configPath: path.join(dir, 'code.yaml'), outDir: path.join(dir, 'code'), sink: store, notify, verify }).finally(() => {
      runId = store.listRuns({ limit: 1 })[0].id;
    }),
    /stage code, step 1: every reward is 0 because the verifier failed \(4 sandbox_error of 4 responses\); first: .*bubblewrap/,
  );
  await pool.close();
  assert.equal(errors.length, 1);
  assert.equal(errors[0].code, ErrorCodes.VerifierFailed);
  const run = store.getRun(runId);
  assert.equal(run.status, 'failed');
  assert.match(run.error ?? '', /verifier failed/);
  assert.equal(store.metricSeries(runId).length, 0, 'the failed step is not recorded');
});

test('all-zero rewards because the answers are wrong do not stop the run', async () => {
  writeFileSync(path.join(dir, 'wrong.yaml'), `seed: 1
model:
  scratch: { contextLength: 64, dModel: 16, nLayers: 1, nHeads: 2, mlpRatio: 2 }
eval: { datasets: { math: none, code: none } }
stages:
  - name: math
    kind: math
    dataset: embedded:math
    max_response_length: 8
    group_size: 2
    prompts_per_step: 2
    learning_rate: 1.0e-3
    steps: 2
`);
  const out = await runCurriculum({ configPath: path.join(dir, 'wrong.yaml'), outDir: path.join(dir, 'wrong'), sink: store });
  assert.equal(out.status, 'finished');
  const ms = store.metricSeries(out.runId);
  assert.equal(ms.length, 2);
  assert.ok(ms.every((m) => m.meanReward === 0 && m.zeroVarianceShare === 1 && m.verifierFailureShare === 0));
});

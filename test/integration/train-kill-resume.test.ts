// `rlvr train` killed with SIGKILL mid-run, then `rlvr train --resume`: the run ends with the
// same steps, rollouts and metrics as the same config run straight through (seeded), every
// rollout stored before the kill intact and none stored twice. Once for the embedded char model,
// once for a Hugging Face folder (whose checkpoints are HF folders with the optimizer beside).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { openRunStore } from '../../daemon/store/index.js';
import { QWEN2, skipWithoutFixtures } from '../unit/model/hf/helpers.js';
import { qwenTinyWithTokenizer } from '../unit/model/hf/models.js';
import { BIN, runCli } from './daemon.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-kill-resume-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// The tiny policy, one math stage of five steps with a checkpoint after each, then code.
const CONFIG = path.join(dir, 'five-steps.yaml');
writeFileSync(CONFIG, `seed: 5
model:
  scratch: { contextLength: 96, dModel: 32, nLayers: 1, nHeads: 2, mlpRatio: 2 }
eval: { problems: 4, k: 2, max_response_length: { math: 24, code: 32 } }
stages:
  - { name: math, kind: math, dataset: embedded:math, max_response_length: 24, group_size: 4, prompts_per_step: 2, learning_rate: 1.0e-3, steps: 5, checkpoint_every: 1 }
  - { name: code, kind: code, dataset: embedded:code, max_response_length: 32, group_size: 2, prompts_per_step: 2, learning_rate: 1.0e-3, steps: 2 }
`);

async function train(dataDir: string, ...args: string[]): Promise<string> {
  const r = await runCli(['train', '--data-dir', dataDir, ...args], 300_000);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** Starts a run and SIGKILLs it once the given stdout line has appeared. */
function trainUntil(dataDir: string, config: string, line: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'train', '--data-dir', dataDir, '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (line.test(out)) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && line.test(out)) resolve();
      else reject(new Error(`the run ended (${code ?? signal}) before ${line}:\n${out}`));
    });
  });
}

function snapshot(dataDir: string) {
  const store = openRunStore(path.join(dataDir, 'runs.db'));
  try {
    const [run] = store.listRuns({ limit: 1 });
    const metrics = store.metricSeries(run.id).map((m) => ({ at: `${m.stage}/${m.step}`, loss: m.loss, reward: m.meanReward, entropy: m.entropy }));
    const { rollouts } = store.queryRollouts({ runId: run.id, limit: 1000 });
    return { run, metrics, rollouts };
  } finally {
    store.close();
  }
}

/** Runs `config` straight through, and again killed after `killAt` and resumed: the same run. */
async function killedAndResumedMatchesStraight(name: string, config: string, steps: number, rolloutsPerStep: number, killAt: RegExp): Promise<void> {
  const straightDir = path.join(dir, `${name}-straight`);
  await train(straightDir, '--config', config);
  const straight = snapshot(straightDir);
  assert.equal(straight.metrics.length, steps);

  const killedDir = path.join(dir, `${name}-killed`);
  // Step 2's line is printed once its rows are stored, as its checkpoint is being written: the
  // kill lands there or in step 3, so the resume starts from step 1's or step 2's checkpoint.
  await trainUntil(killedDir, config, killAt);
  const beforeResume = snapshot(killedDir);
  const stepsStored = beforeResume.metrics.length;
  assert.ok(stepsStored >= 2 && stepsStored < steps, `${stepsStored} steps stored at the kill`);
  assert.equal(beforeResume.rollouts.length % rolloutsPerStep, 0, 'whole steps only');

  const resumed = await train(killedDir, '--resume');
  assert.match(resumed, /"evals"/);
  const after = snapshot(killedDir);
  assert.equal(after.run.id, beforeResume.run.id, 'the same run continued');
  assert.equal(after.run.status, 'finished');
  assert.deepEqual(after.metrics, straight.metrics, 'per-step loss, reward and entropy as in the straight run');

  const key = (r: { stage: string; step: number; problemId: string; sampleIndex: number }) => `${r.stage}/${r.step}/${r.problemId}/${r.sampleIndex}`;
  const keys = after.rollouts.map(key);
  assert.equal(new Set(keys).size, keys.length, 'no rollout stored twice');
  assert.deepEqual(after.rollouts.map((r) => [key(r), r.response, r.reward]), straight.rollouts.map((r) => [key(r), r.response, r.reward]));
  // What was stored up to the last checkpoint before the kill is untouched, ids included;
  // steps stored after it are redone (same content, asserted above), not kept twice.
  const keptSteps = new Set(after.rollouts.filter((r) => beforeResume.rollouts.some((b) => b.id === r.id)).map((r) => r.step));
  assert.ok(keptSteps.size >= 1, 'the checkpointed steps kept their rows');
  for (const b of beforeResume.rollouts.filter((r) => keptSteps.has(r.step) && r.stage === 'math')) {
    assert.deepEqual(after.rollouts.find((r) => r.id === b.id), b);
  }
}

test('SIGKILL during `rlvr train`, then --resume: the same run as one never killed', async () => {
  await killedAndResumedMatchesStraight('char', CONFIG, 7, 8, /^step math\/2:/m);
});

test('the same for a Hugging Face model: its HF-folder checkpoints and optimizer state resume it exactly', { skip: skipWithoutFixtures }, async () => {
  const model = qwenTinyWithTokenizer(QWEN2!, dir);
  const data = path.join(dir, 'sums.jsonl');
  writeFileSync(data, Array.from({ length: 8 }, (_, i) => JSON.stringify({ prompt: `What is ${i} + ${i + 2}?`, answer: String(2 * i + 2) })).join('\n') + '\n');
  const config = path.join(dir, 'hf.yaml');
  writeFileSync(config, `seed: 3
model: { hf: ${model} }
eval: { datasets: { math: none, code: none } }
stages:
  - { name: math, kind: math, dataset: ${data}, max_response_length: 6, group_size: 2, prompts_per_step: 2, learning_rate: 1.0e-3, steps: 4, checkpoint_every: 1 }
`);
  await killedAndResumedMatchesStraight('hf', config, 4, 4, /^step math\/2:/m);
});

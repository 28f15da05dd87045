// The paper's pipeline end to end through the CLI: `rlvr curate` cleans raw math (MATH shape,
// JSONL) and code (TACO shape, a JSON array, reference solutions run in the real sandbox)
// records into kept.jsonl; a curriculum whose stages and evaluations name that file, unchanged,
// trains the embedded char model a few steps of math RL then code RL; `rlvr eval` scores the
// last checkpoint on it. kept.jsonl was once refused by the trainer (`prompt: expected a
// non-empty string`): curation writes `problem`.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runCli, tmpDataDir } from './daemon.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-curate-train-'));

const MATH = [
  { problem: 'Compute 7*6+2 for me.', solution: '7*6=42\n42+2=44\n\\boxed{44}' },
  { problem: 'Solve 4x-1=-17 for x.', solution: '4x=-16\nx=-4\n\\boxed{-4}' },
  { problem: 'What is 9-5+5 in total?', solution: '9-5=4\n4+5=9\n\\boxed{9}' },
  // No boxed answer anywhere: curation drops it (the read error names the field).
  { problem: 'Prove that there are infinitely many primes.', solution: 'Suppose finitely many...' },
];
const CODE = [
  {
    question: 'Read n; print n times 9 minus 3.',
    input_output: { inputs: ['1\n', '2\n'], outputs: ['6\n', '15\n'] },
    solutions: ['n=int(input())\nprint(n*9-3)'],
  },
  {
    question: 'Write f(x) that returns x minus 7.',
    input_output: { fn_name: 'f', inputs: [[3], [10]], outputs: [-4, 3] },
    solutions: ['def f(x):\n    return x-7'],
  },
  {
    // Its reference fails its own tests in the sandbox: dropped by reference-fails.
    question: 'Write f(x) that returns x plus 1.',
    input_output: { fn_name: 'f', inputs: [[1]], outputs: [5] },
    solutions: ['def f(x):\n    return x+1'],
  },
];

function jsonLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

test('rlvr curate -> kept.jsonl -> rlvr train (math RL, then code RL) -> rlvr eval on math and code records', async () => {
  const math = path.join(dir, 'math.jsonl');
  writeFileSync(math, MATH.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const code = path.join(dir, 'code.json');
  writeFileSync(code, JSON.stringify(CODE, null, 2));
  const out = path.join(dir, 'curated');

  const curated = await runCli(['curate', '--input', math, code, '--out', out, '--no-default-eval', '--skip', 'near-duplicate'], 120_000);
  assert.equal(curated.code, 0, curated.stderr);
  const keptFile = path.join(out, 'kept.jsonl');
  const kept = jsonLines(keptFile);
  assert.deepEqual(kept.map((r) => [r.kind, r.problem]), [
    ['math', MATH[0].problem], ['math', MATH[1].problem], ['math', MATH[2].problem],
    ['code', CODE[0].question], ['code', CODE[1].question],
  ]);

  const config = path.join(dir, 'curated.yaml');
  writeFileSync(config, `seed: 5
model:
  scratch: { contextLength: 96, dModel: 32, nLayers: 1, nHeads: 2, mlpRatio: 2 }
eval:
  problems: 8
  k: 2
  max_response_length: { math: 24, code: 32 }
  datasets: { math: ${keptFile}, code: ${keptFile} }
stages:
  - { name: math, kind: math, dataset: ${keptFile}, max_response_length: 24, group_size: 2, prompts_per_step: 2, learning_rate: 1.0e-3, steps: 2, checkpoint_every: 1 }
  - { name: code, kind: code, dataset: ${keptFile}, max_response_length: 32, group_size: 2, prompts_per_step: 2, learning_rate: 1.0e-3, steps: 2 }
`);
  const runDir = path.join(dir, 'run');
  const trained = await runCli(['train', '--config', config, '--out', runDir, '--data-dir', tmpDataDir(), '--backend', 'wasm'], 300_000);
  assert.equal(trained.code, 0, trained.stderr);
  const summary = JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
  assert.deepEqual(summary.evals.map((e: { after: string }) => e.after), ['init', 'math', 'code']);
  for (const e of summary.evals) for (const d of ['math', 'code']) assert.equal(typeof e[d], 'number', `${e.after} ${d}: ${JSON.stringify(e)}`);
  // Each RL stage trained on its own kind of the curated problems.
  assert.match(trained.stderr + trained.stdout, /step math\/2/);
  assert.match(trained.stderr + trained.stdout, /step code\/2/);

  const checkpoints = readdirSync(path.join(runDir, 'checkpoints')).sort();
  const last = path.join(runDir, 'checkpoints', checkpoints[checkpoints.length - 1]);
  const evaluated = await runCli(['eval', '--checkpoint', last, '--dataset', keptFile, '--k', '2', '--max-tokens', '24', '--backend', 'wasm'], 120_000);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const result = JSON.parse(evaluated.stdout.trim().split('\n').pop()!);
  assert.equal(result.problems, kept.length);
  assert.deepEqual(Object.keys(result.domains).sort(), ['code', 'math']);
  assert.equal(result.domains.math.problems, 3);
  assert.equal(result.domains.code.problems, 2);
  assert.equal(result.verifier_failed, 0, 'every sample was judged by the verifiers');
});

// Training a Hugging Face folder with `rlvr train`: an SFT stage on qwen2-tiny (with Qwen3's real
// tokenizer) writes HF checkpoints that load back, into our model and into the fixtures' own
// PyTorch reader (tools/check_dir.py, transformers' building blocks), which computes the same
// log-probs from them: what a transformers or vLLM user would load.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fixturePath } from '../../daemon/data/fixtures.js';
import { openRunStore } from '../../daemon/store/index.js';
import { QWEN2, skipWithoutFixtures } from '../unit/model/hf/helpers.js';
import { qwenTinyWithTokenizer } from '../unit/model/hf/models.js';
import { runCli } from './daemon.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-hf-train-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PYTHON = '/usr/bin/python3';
const torchMissing = spawnSync(PYTHON, ['-c', 'import torch']).status === 0 ? false : `${PYTHON} cannot import torch (apt-get install python3-torch)`;
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);

test('an SFT stage on an HF folder learns and writes HF checkpoints that load back, in our model and in PyTorch', { skip: skipWithoutFixtures }, async () => {
  const model = qwenTinyWithTokenizer(QWEN2!, dir);
  const data = path.join(dir, 'sft.jsonl');
  writeFileSync(data, Array.from({ length: 8 }, (_, i) => JSON.stringify({ prompt: `What is ${i} + 2?`, answer: String(i + 2), solution: `${i} + 2 = ${i + 2}. \\boxed{${i + 2}}` })).join('\n') + '\n');
  const config = path.join(dir, 'sft.yaml');
  writeFileSync(config, `seed: 2
model: { hf: ${model}, save_dtype: bf16 }
eval: { datasets: { math: none, code: none } }
stages:
  - { name: sft, kind: sft, dataset: ${data}, max_response_length: 24, prompts_per_step: 8, learning_rate: 1.0e-2, steps: 6, checkpoint_every: 3 }
`);
  const dataDir = path.join(dir, 'data');
  const out = path.join(dir, 'out');
  const r = await runCli(['train', '--config', config, '--data-dir', dataDir, '--out', out], 300_000);
  assert.equal(r.code, 0, r.stderr);

  // learning happened: the supervised loss fell
  const store = openRunStore(path.join(dataDir, 'runs.db'));
  const [run] = store.listRuns({ limit: 1 });
  const losses = store.metricSeries(run.id).map((m) => m.loss);
  store.close();
  assert.equal(losses.length, 6);
  assert.ok(losses[5] < 0.5 * losses[0], `SFT loss ${losses.join(', ')}`);

  // every checkpoint is an HF folder: config, weights in the asked dtype, tokenizer, optimizer beside
  const checkpoints = readdirSync(path.join(out, 'checkpoints')).sort();
  assert.deepEqual(checkpoints, ['00-sft-step00003', '00-sft-step00006']);
  const last = path.join(out, 'checkpoints', checkpoints[1], 'policy');
  assert.deepEqual(readdirSync(last).sort(), ['config.json', 'model.safetensors', 'rlvr-optimizer.f32', 'rlvr-optimizer.json', 'tokenizer.json', 'tokenizer_config.json']);
  assert.equal(JSON.parse(readFileSync(path.join(last, 'config.json'), 'utf8')).torch_dtype, 'bfloat16');

  // it loads back and scores a solution better than the starting model did
  const solution = path.join(dir, 'seq.json');
  const tok = lastJson((await runCli(['model', 'tokenize', '--model', last, '--text', 'What is 3 + 2?', '--chat'])).stdout).ids as number[];
  const answer = lastJson((await runCli(['model', 'tokenize', '--model', last, '--text', '3 + 2 = 5. \\boxed{5}'])).stdout).ids as number[];
  writeFileSync(solution, JSON.stringify({ sequences: [[...tok, ...answer]] }));
  const score = async (m: string) => {
    const res = await runCli(['model', 'logprobs', '--model', m, '--sequences', solution], 120_000);
    assert.equal(res.code, 0, res.stderr);
    return (lastJson(res.stdout).next_token_logprobs as number[][])[0];
  };
  const [trained, untrained] = [await score(last), await score(model)];
  const sumAnswer = (lp: number[]) => lp.slice(tok.length - 1).reduce((a, b) => a + b, 0);
  assert.ok(sumAnswer(trained) > sumAnswer(untrained) + 10, `log p(solution): ${sumAnswer(untrained)} -> ${sumAnswer(trained)}`);

  // PyTorch (the fixtures' reader with transformers' building blocks) agrees on the saved folder
  if (torchMissing && !process.env.CI) return; // said in the skip below; CI has torch
  assert.ok(!torchMissing, torchMissing || '');
  const reference = path.join(dir, 'reference.json');
  writeFileSync(reference, JSON.stringify({ sequences: [[...tok, ...answer]], next_token_logprobs: [trained] }));
  const check = spawnSync(PYTHON, [path.join(fixturePath('hf/tools')!, 'check_dir.py'), last, reference, '2e-3'], { encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  assert.equal(check.status, 0, `check_dir.py: ${check.stdout}${check.stderr}`);
});

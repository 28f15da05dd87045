// The preflight's checks on their own: sizes against the stated maxima and the model's context
// (an HF config's max_position_embeddings, a checkpoint's contextLength), datasets that are no
// regular file, and the first failure as one located error.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ErrorCodes } from '../../../shared/protocol.js';
import { loadConfig } from '../../../daemon/engine/config.js';
import { checkDatasets, checkModelFolder, checkSizes, preflight, SIZE_LIMITS } from '../../../daemon/engine/preflight.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-preflight-unit-'));

function write(name: string, stage: string, model = 'warmstart'): string {
  const file = path.join(dir, name);
  writeFileSync(file, `seed: 1\nmodel: ${model}\neval: { k: 2, datasets: { math: none, code: none } }\nstages:\n  - ${stage}\n`);
  return file;
}
const stage = (over = '') => `{ name: m, kind: math, dataset: embedded:math, max_response_length: 32, group_size: 4, prompts_per_step: 2, learning_rate: 1.0e-4, steps: 1${over} }`;

test('sizes within the maxima pass; group_size and group_size x prompts_per_step past them are located', () => {
  const ok = write('ok.yaml', stage());
  assert.deepEqual(checkSizes(loadConfig(ok), ok, 128).map((c) => c.ok), [true]);
  const big = write('big.yaml', stage().replace('group_size: 4', `group_size: ${SIZE_LIMITS.group_size + 1}`).replace('prompts_per_step: 2', 'prompts_per_step: 20'));
  const [first, second] = checkSizes(loadConfig(big), big, 128);
  assert.equal(first.ok, false);
  assert.deepEqual(first.where, { file: big, line: 5, field: 'stages[0].group_size' });
  assert.match(first.message, /exceeds the maximum 1024/);
  assert.match(second.message, /rollouts per step/);
});

test('a response length that leaves no room for a prompt in the context is refused', () => {
  const f = write('len.yaml', stage().replace('max_response_length: 32', 'max_response_length: 128'));
  const [c] = checkSizes(loadConfig(f), f, 128);
  assert.equal(c.ok, false);
  assert.equal(c.where?.field, 'stages[0].max_response_length');
  assert.deepEqual(checkSizes(loadConfig(f), f, 129).map((x) => x.ok), [true]);
});

test("a Hugging Face folder's context is its max_position_embeddings; an empty folder is no model", () => {
  const hf = path.join(dir, 'hf');
  mkdirSync(hf);
  writeFileSync(path.join(hf, 'config.json'), JSON.stringify({ architectures: ['LlamaForCausalLM'], max_position_embeddings: 2048 }));
  assert.equal(checkModelFolder(hf, 'fix').contextLength, 2048);
  const empty = path.join(dir, 'empty');
  mkdirSync(empty);
  const c = checkModelFolder(empty, 'point it elsewhere');
  assert.equal(c.ok, false);
  assert.equal(c.fix, 'point it elsewhere');
});

test('a dataset that is a FIFO is refused without opening it (opening would block)', async () => {
  const fifo = path.join(dir, 'pipe.jsonl');
  execFileSync('mkfifo', [fifo]);
  const f = write('fifo.yaml', stage().replace('embedded:math', fifo));
  const [c] = await checkDatasets(loadConfig(f), f);
  assert.equal(c.ok, false);
  assert.match(c.message, /pipe\.jsonl: not a regular file/);
  assert.deepEqual(c.where, { file: f, line: 5, field: 'stages[0].dataset' });
});

test('preflight throws one PreflightFailed error for the first failing piece, with its fix', async () => {
  const f = write('model.yaml', stage(), `{ checkpoint: ${path.join(dir, 'nowhere')} }`);
  await assert.rejects(preflight(loadConfig(f), { configPath: f, skipBackend: true }), (e: { code: number; message: string }) => {
    assert.equal(e.code, ErrorCodes.PreflightFailed);
    assert.match(e.message, /^preflight: model: .*nowhere: no model there/);
    assert.match(e.message, /\n {2}fix: point model\.path \(or --model\)/);
    return true;
  });
});

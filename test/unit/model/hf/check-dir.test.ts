// An independent reader agrees: the fixtures' tools/check_dir.py (a plain safetensors parser +
// transformers' building blocks under PyTorch, float64) recomputes the log-probs of folders
// written here and compares them with a reference. Needs Debian's python3-torch, run by
// /usr/bin/python3 (not a pyenv python3 on PATH). CI installs it, and there a missing torch fails.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { fixturePath } from '../../../../daemon/data/fixtures.js';
import type { FloatDtype } from '../../../../daemon/model/hf/dtype.js';
import { writeHfFolder } from '../../../../daemon/model/hf/save.js';
import { openHfModel } from '../../../../daemon/model/hf/weights.js';
import { LLAMA, QWEN2, skipWithoutFixtures, tempDir } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const TOOLS = fixturePath('hf/tools');
const torchCheck = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
const torchMissing = torchCheck.status === 0 ? false : `${PYTHON} cannot import torch: install Debian's python3-torch (apt-get install python3-torch)`;
// Locally a missing torch skips with that message; in CI (CI=true) the test runs and fails on it.
const skip = skipWithoutFixtures || (torchMissing && !process.env.CI ? torchMissing : false);

const tmp = tempDir('check-dir');
after(tmp.cleanup);

function python(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', cwd: TOOLS!, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** check_dir.py's verdict: the largest |log-prob difference| from the reference, and whether it is within `tol`. */
function checkDir(dir: string, reference: string, tol: number): { diff: number; pass: boolean; tensors: number } {
  const r = python([path.join(TOOLS!, 'check_dir.py'), dir, reference, String(tol)]);
  const line = r.out.trim().split('\n').at(-1)!;
  let result: { tensors: number; max_abs_logprob_diff: number };
  try {
    result = JSON.parse(line);
  } catch {
    return assert.fail(`check_dir.py failed on ${dir}:\n${r.out}`);
  }
  return { diff: result.max_abs_logprob_diff, pass: r.status === 0, tensors: result.tensors };
}

async function resave(source: string, name: string, dtype: FloatDtype | 'source', maxShardBytes?: number): Promise<string> {
  const { config, weights } = openHfModel(source);
  const out = path.join(tmp.dir, name);
  const tensors = weights.names.map((n) => ({ name: n, shape: weights.info(n).shape, data: () => weights.read(n) }));
  await writeHfFolder(out, { rawConfig: config.raw, tensors, dtype: dtype === 'source' ? weights.dtype : dtype, sourceDir: source, maxShardBytes });
  return out;
}

test('check_dir.py passes on llama-tiny re-saved (f32) and qwen2-tiny re-saved sharded (bf16), at 1e-6', { skip }, async () => {
  assert.ok(!torchMissing, torchMissing || '');
  const llama = await resave(LLAMA!, 'llama-f32', 'source');
  // Same stored values as the fixture, so the float64 log-probs are the reference's up to its 6 decimals.
  const l = checkDir(llama, path.join(LLAMA!, 'reference.json'), 1e-6);
  assert.ok(l.pass, `llama re-saved: max |diff| ${l.diff}`);
  assert.equal(l.tensors, 30);

  const qwen = await resave(QWEN2!, 'qwen2-sharded', 'source', 64 * 1024);
  assert.ok(JSON.parse(readFileSync(path.join(qwen, 'model.safetensors.index.json'), 'utf8')).weight_map, 'sharded');
  const q = checkDir(qwen, path.join(QWEN2!, 'reference.json'), 1e-6);
  assert.ok(q.pass, `qwen2 re-saved sharded: max |diff| ${q.diff}`);
});

test('llama-tiny re-saved as bf16 matches a reference made from torch\'s own bf16 rounding, at 1e-6', { skip }, async () => {
  assert.ok(!torchMissing, torchMissing || '');
  const bf16 = await resave(LLAMA!, 'llama-bf16', 'BF16');
  // The reference for bf16 weights: the fixture's f32 weights rounded by torch (.to(torch.bfloat16),
  // round-to-nearest-even), log-probs by make_fixtures' forward. Same rounding = same weights = 1e-6.
  const reference = path.join(tmp.dir, 'llama-bf16-reference.json');
  const script = [
    'import json, sys',
    'from check_dir import load_dir',
    'from make_fixtures import reference, round_to',
    'cfg, P = load_dir(sys.argv[1])',
    'seqs = json.load(open(sys.argv[2]))["sequences"]',
    'json.dump(reference(cfg, round_to(P, "BF16"), seqs, greedy_new=0, grads=False), open(sys.argv[3], "w"))',
  ].join('\n');
  const made = python(['-c', script, LLAMA!, path.join(LLAMA!, 'reference.json'), reference]);
  assert.equal(made.status, 0, made.out);
  const exact = checkDir(bf16, reference, 1e-6);
  assert.ok(exact.pass, `bf16 re-save against torch-rounded weights: max |diff| ${exact.diff}`);

  // Against the f32 reference the rounding shows: bf16 keeps 8 significant bits (relative error up
  // to 2^-9 = 0.2% per weight) and these log-probs are near -30, so 0.2% of them is ~0.06 (measured
  // 0.079). 0.5 leaves room for that; a wrong layout or a wrong rounding moves them by whole units.
  const drift = checkDir(bf16, path.join(LLAMA!, 'reference.json'), 0.5);
  console.log(`llama-tiny bf16 re-save vs the f32 reference: max |log-prob diff| ${drift.diff.toFixed(4)}`);
  assert.ok(drift.diff > 1e-6, 'rounding to bf16 changed something');
  assert.ok(drift.pass, `max |diff| ${drift.diff} > 0.5`);
});

test('a Qwen3 folder made by make_fixtures.py (head_dim 16 != hidden/heads, q/k norms) opens and round-trips', { skip }, async () => {
  assert.ok(!torchMissing, torchMissing || '');
  // make_fixtures.build's steps, without its greedy decoding and gradients (slow here, unused).
  const script = [
    'import json, os, sys, torch',
    'import make_fixtures as m',
    'd = os.path.join(sys.argv[1], "qwen3-tiny"); os.makedirs(d)',
    'P = m.round_to(m.make_params(m.QWEN3, 13), "BF16")',
    'm.write_safetensors(os.path.join(d, "model.safetensors"), P, "BF16", sorted(P))',
    'cfg = dict(m.QWEN3, torch_dtype="bfloat16"); json.dump(cfg, open(os.path.join(d, "config.json"), "w"), indent=2)',
    'g = torch.Generator().manual_seed(5)',
    'seqs = [torch.randint(0, 151936, (n,), generator=g).tolist() for n in (7, 11)]',
    'json.dump(m.reference(cfg, P, seqs, greedy_new=0, grads=False), open(os.path.join(d, "reference.json"), "w"))',
  ].join('\n');
  const made = python(['-c', script, tmp.dir]);
  assert.equal(made.status, 0, made.out);
  const source = path.join(tmp.dir, 'qwen3-tiny');
  const { config, weights } = openHfModel(source);
  assert.deepEqual([config.architecture, config.headDim, config.qkNorm], ['Qwen3ForCausalLM', 16, true]);
  assert.ok(weights.names.includes('model.layers.2.self_attn.k_norm.weight'));
  const f32 = await resave(source, 'qwen3-f32-sharded', 'F32', 256 * 1024);
  const r = checkDir(f32, path.join(source, 'reference.json'), 1e-6);
  assert.ok(r.pass, `qwen3 re-saved as f32 (exact for bf16 values), sharded: max |diff| ${r.diff}`);
});

// Opening an HF folder's weights: every mismatch with config.json, and every broken folder
// layout, is an error naming the file and the tensor (or saying what is there and what is needed).
import assert from 'node:assert/strict';
import { readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { HfFormatError } from '../../../../daemon/model/hf/errors.js';
import { writeSafetensors, type TensorToWrite } from '../../../../daemon/model/hf/safetensors.js';
import { writeHfFolder } from '../../../../daemon/model/hf/save.js';
import { openHfModel } from '../../../../daemon/model/hf/weights.js';
import { LLAMA, QWEN2, copyFixture, editJson, errorOf, readRaw, skipWithoutFixtures as skip, tempDir, writeRaw } from './helpers.js';

const tmp = tempDir('weights');
after(tmp.cleanup);

test('both fixtures open: names in model order, dtype, lazy reads', { skip }, () => {
  const q = openHfModel(QWEN2!).weights;
  assert.equal(q.dtype, 'BF16');
  assert.equal(q.names[0], 'model.embed_tokens.weight');
  assert.equal(q.names.at(-1), 'model.norm.weight', 'tied: no lm_head');
  assert.deepEqual(q.info('model.embed_tokens.weight').shape, [151936, 32]);
  const l = openHfModel(LLAMA!).weights;
  assert.equal(l.dtype, 'F32');
  assert.equal(l.names.at(-1), 'lm_head.weight');
  assert.equal(l.read('model.norm.weight').length, 48);
  assert.throws(() => l.read('model.rotary_emb.inv_freq'), /not a weight of this model/);
});

/** llama-tiny's folder with model.safetensors rewritten from its tensors, edited by `edit`. */
async function llamaWith(name: string, edit: (tensors: TensorToWrite[]) => TensorToWrite[]): Promise<string> {
  const dir = copyFixture(LLAMA!, tmp.dir, name, ['config.json']);
  const { weights } = openHfModel(LLAMA!);
  const tensors: TensorToWrite[] = weights.names.map((n) => ({ name: n, dtype: 'F32', shape: weights.info(n).shape, data: () => weights.read(n) }));
  await writeSafetensors(path.join(dir, 'model.safetensors'), edit(tensors));
  return dir;
}

function refusal(dir: string): HfFormatError {
  const err = errorOf(() => openHfModel(dir));
  assert.ok(err instanceof HfFormatError, String(err));
  return err;
}

test('missing, unexpected, misshapen and mistyped tensors name the file and the tensor', { skip }, async () => {
  let dir = await llamaWith('missing', (ts) => ts.filter((t) => t.name !== 'model.layers.1.mlp.up_proj.weight'));
  let err = refusal(dir);
  assert.equal(err.message, `${path.join(dir, 'model.safetensors')}: tensor 'model.layers.1.mlp.up_proj.weight': missing: ${path.join(dir, 'config.json')} needs 'model.layers.1.mlp.up_proj.weight'`);

  dir = await llamaWith('unexpected', (ts) => [...ts, { name: 'model.layers.0.self_attn.q_proj.bias', dtype: 'F32', shape: [48], data: new Float32Array(48) }]);
  err = refusal(dir);
  assert.equal(err.tensor, 'model.layers.0.self_attn.q_proj.bias');
  assert.ok(err.message.startsWith(`${path.join(dir, 'model.safetensors')}: tensor 'model.layers.0.self_attn.q_proj.bias': not part of a LlamaForCausalLM`), err.message);

  dir = await llamaWith('harmless', (ts) => [...ts, { name: 'model.layers.0.self_attn.rotary_emb.inv_freq', dtype: 'F32', shape: [4], data: new Float32Array(4) }]);
  assert.deepEqual(openHfModel(dir).weights.ignored, ['model.layers.0.self_attn.rotary_emb.inv_freq'], 'the old rotary buffer is accepted and ignored');

  dir = await llamaWith('wrong-dtype', (ts) => ts.map((t) => (t.name === 'model.layers.2.input_layernorm.weight' ? { ...t, dtype: 'BF16' } : t)));
  err = refusal(dir);
  assert.equal(err.message, `${path.join(dir, 'model.safetensors')}: tensor 'model.layers.2.input_layernorm.weight': dtype BF16, but ${path.join(dir, 'config.json')} has torch_dtype "float32" (F32)`);

  dir = copyFixture(LLAMA!, tmp.dir, 'wrong-shape');
  editJson(path.join(dir, 'config.json'), (c) => (c.intermediate_size = 96));
  err = refusal(dir);
  assert.equal(err.message, `${path.join(dir, 'model.safetensors')}: tensor 'model.layers.0.mlp.gate_proj.weight': shape [128, 48], but ${path.join(dir, 'config.json')} needs [96, 48]`);

  dir = copyFixture(LLAMA!, tmp.dir, 'int64');
  const raw = readRaw(path.join(dir, 'model.safetensors'));
  Object.assign(raw.header['model.norm.weight'], { dtype: 'I64', shape: [24] });
  writeRaw(path.join(dir, 'model.safetensors'), raw);
  err = refusal(dir);
  assert.equal(err.message, `${path.join(dir, 'model.safetensors')}: tensor 'model.norm.weight': dtype I64: weights must be BF16, F16 or F32`);

  dir = copyFixture(LLAMA!, tmp.dir, 'f8');
  const raw8 = readRaw(path.join(dir, 'model.safetensors'));
  Object.assign(raw8.header['model.norm.weight'], { dtype: 'F8_E4M3', shape: [192] });
  writeRaw(path.join(dir, 'model.safetensors'), raw8);
  assert.match(refusal(dir).message, /tensor 'model\.norm\.weight': dtype F8_E4M3: weights must be BF16, F16 or F32/);
});

test('a config dtype the whole file disagrees with, and a truncated file, are refused', { skip }, () => {
  let dir = copyFixture(QWEN2!, tmp.dir, 'qwen-f32');
  editJson(path.join(dir, 'config.json'), (c) => (c.torch_dtype = 'float32'));
  let err = refusal(dir);
  assert.equal(err.message, `${path.join(dir, 'model.safetensors')}: tensor 'model.embed_tokens.weight': dtype BF16, but ${path.join(dir, 'config.json')} has torch_dtype "float32" (F32)`);

  dir = copyFixture(QWEN2!, tmp.dir, 'qwen-truncated');
  truncateSync(path.join(dir, 'model.safetensors'), 4_000_000);
  err = refusal(dir);
  assert.equal(err.file, path.join(dir, 'model.safetensors'));
  assert.match(err.message, /data_offsets \[\d+, \d+\] run past the end of the data .*truncated/);
});

test('a tied lm_head.weight in the file is accepted and ignored, as transformers does', { skip }, async () => {
  const dir = copyFixture(QWEN2!, tmp.dir, 'qwen-tied-head', ['config.json']);
  const { weights } = openHfModel(QWEN2!);
  const tensors: TensorToWrite[] = weights.names.map((n) => ({ name: n, dtype: 'BF16', shape: weights.info(n).shape, data: () => weights.read(n) }));
  tensors.push({ name: 'lm_head.weight', dtype: 'BF16', shape: [151936, 32], data: () => weights.read('model.embed_tokens.weight') });
  await writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  const opened = openHfModel(dir).weights;
  assert.deepEqual(opened.ignored, ['lm_head.weight']);
  assert.ok(!opened.names.includes('lm_head.weight'));
});

test('broken shard sets: a missing shard, a tensor the shard lacks, a tensor in two shards', { skip }, async () => {
  const { config, weights } = openHfModel(LLAMA!);
  const sharded = async (name: string): Promise<string> => {
    const dir = path.join(tmp.dir, name);
    const tensors = weights.names.map((n) => ({ name: n, shape: weights.info(n).shape, data: () => weights.read(n) }));
    await writeHfFolder(dir, { rawConfig: config.raw, tensors, dtype: 'F32', maxShardBytes: 60_000 });
    return dir;
  };
  const index = (dir: string) => path.join(dir, 'model.safetensors.index.json');
  const shardsOf = (dir: string): string[] => [...new Set(Object.values(JSON.parse(readFileSync(index(dir), 'utf8')).weight_map) as string[])].sort();

  let dir = await sharded('shard-gone');
  assert.equal(openHfModel(dir).weights.names.length, 30, 'intact, it opens');
  const shards = shardsOf(dir);
  assert.ok(shards.length >= 3, `${shards.length} shards`);
  rmSync(path.join(dir, shards[1]));
  let err = refusal(dir);
  assert.ok(err.message.startsWith(`${index(dir)}: tensor '`), err.message);
  assert.ok(err.message.includes(`its shard ${shards[1]} does not exist`), err.message);

  dir = await sharded('shard-lacks');
  editJson(index(dir), (ix) => (ix.weight_map['model.norm.weight'] = shards[0]));
  err = refusal(dir);
  assert.equal(err.message, `${path.join(dir, shards[0])}: tensor 'model.norm.weight': model.safetensors.index.json places 'model.norm.weight' in this file, which does not hold them`);

  dir = await sharded('shard-twice');
  const first = readRaw(path.join(dir, shards[0]));
  const second = readRaw(path.join(dir, shards[1]));
  const dup = Object.keys(first.header).find((k) => k !== '__metadata__')!;
  const [b, e] = first.header[dup].data_offsets;
  second.header[dup] = { ...first.header[dup], data_offsets: [second.data.byteLength, second.data.byteLength + e - b] };
  writeRaw(path.join(dir, shards[1]), { header: second.header, data: Buffer.concat([second.data, first.data.subarray(b, e)]) });
  err = refusal(dir);
  assert.equal(err.message, `${path.join(dir, shards[1])}: tensor '${dup}': also in ${path.join(dir, shards[0])}: a tensor must be in one shard`);
});

test('folders without usable weights say what they hold and what is needed', { skip }, () => {
  const noConfig = copyFixture(LLAMA!, tmp.dir, 'no-config', ['model.safetensors']);
  assert.equal(
    refusal(noConfig).message,
    `${path.join(noConfig, 'config.json')}: not found: a Hugging Face model folder needs config.json beside its safetensors weights; ${noConfig} holds: model.safetensors`,
  );

  const pickle = copyFixture(LLAMA!, tmp.dir, 'pickle', ['config.json', 'model.safetensors']);
  renameSync(path.join(pickle, 'model.safetensors'), path.join(pickle, 'pytorch_model.bin'));
  let err = refusal(pickle);
  assert.ok(err.message.startsWith(`${pickle}: holds PyTorch pickle weights (pytorch_model.bin), which are not read here`), err.message);
  assert.match(err.message, /convert them to safetensors.*needed: model\.safetensors, or model\.safetensors\.index\.json with its shards/);

  const empty = copyFixture(LLAMA!, tmp.dir, 'no-weights', ['config.json']);
  writeFileSync(path.join(empty, 'adapter_model.safetensors'), '');
  err = refusal(empty);
  assert.match(err.message, /has adapter_model\.safetensors but no model\.safetensors or model\.safetensors\.index\.json/);
});

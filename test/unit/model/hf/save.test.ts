// Saving HF folders: a round trip in the source dtype is bit-exact (per tensor and for the whole
// data section), sharding follows transformers' layout, the folder is replaced atomically.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { readHfConfig } from '../../../../daemon/model/hf/config.js';
import { f32BitsToBf16 } from '../../../../daemon/model/hf/dtype.js';
import { savedDtype } from '../../../../daemon/model/hf/save-dtype.js';
import { writeHfFolder, type HfTensorToSave } from '../../../../daemon/model/hf/save.js';
import { openHfModel, type HfWeights } from '../../../../daemon/model/hf/weights.js';
import { LLAMA, QWEN2, copyFixture, errorOf, readRaw, skipWithoutFixtures as skip, tempDir } from './helpers.js';

const tmp = tempDir('save');
after(tmp.cleanup);

/** The weights as tensors to save, read lazily, in the order of their bytes in the source file(s). */
function lazyTensors(w: HfWeights): HfTensorToSave[] {
  const inFileOrder = [...w.names].sort((a, b) => w.info(a).file.localeCompare(w.info(b).file) || w.info(a).begin - w.info(b).begin);
  return inFileOrder.map((name) => ({ name, shape: w.info(name).shape, data: () => w.read(name) }));
}

test('save in the source dtype, re-read: identical bytes per tensor and an identical data section', { skip }, async () => {
  for (const fixture of [QWEN2!, LLAMA!]) {
    const source = copyFixture(fixture, tmp.dir, `src-${path.basename(fixture)}`);
    writeFileSync(path.join(source, 'tokenizer.json'), '{"model": {}}');
    writeFileSync(path.join(source, 'generation_config.json'), '{"temperature": 0.7}');
    const { config, weights } = openHfModel(source);
    const out = path.join(tmp.dir, `out-${path.basename(fixture)}`);
    await writeHfFolder(out, { rawConfig: config.raw, tensors: lazyTensors(weights), dtype: savedDtype('source', weights.dtype), sourceDir: source });

    assert.deepEqual(readdirSync(out).sort(), ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json']);
    assert.deepEqual(JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')), config.raw, 'config.json written back unchanged');
    assert.equal(readFileSync(path.join(out, 'tokenizer.json'), 'utf8'), '{"model": {}}');
    const again = openHfModel(out).weights;
    assert.equal(again.dtype, weights.dtype);
    for (const name of weights.names) assert.ok(again.readBytes(name).equals(weights.readBytes(name)), `${fixture}: ${name}`);
    const [before, saved] = [readRaw(path.join(fixture, 'model.safetensors')), readRaw(path.join(out, 'model.safetensors'))];
    assert.ok(saved.data.equals(before.data), `${fixture}: the data sections are the same bytes`);
  }
});

test('sharded save (tiny shard limit) as transformers lays it out, and it reads back identical', { skip }, async () => {
  const { config, weights } = openHfModel(QWEN2!);
  const out = path.join(tmp.dir, 'sharded');
  const limit = 6000;
  await writeHfFolder(out, { rawConfig: config.raw, tensors: lazyTensors(weights), dtype: weights.dtype, maxShardBytes: limit });

  const index = JSON.parse(readFileSync(path.join(out, 'model.safetensors.index.json'), 'utf8'));
  const shards = [...new Set(Object.values(index.weight_map) as string[])].sort();
  assert.ok(shards.length > 3, `${shards.length} shards`);
  assert.deepEqual(shards, shards.map((_, i) => `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`));
  assert.deepEqual(Object.keys(index.weight_map), Object.keys(index.weight_map).sort(), 'weight_map sorted by name');
  assert.deepEqual(Object.keys(index.weight_map).sort(), [...weights.names].sort());
  const total = weights.names.reduce((s, n) => s + weights.info(n).end - weights.info(n).begin, 0);
  assert.equal(index.metadata.total_size, total);
  assert.ok(!existsSync(path.join(out, 'model.safetensors')), 'no single file beside the shards');
  for (const shard of shards) {
    const raw = readRaw(path.join(out, shard));
    const names = Object.keys(raw.header).filter((k) => k !== '__metadata__');
    assert.ok(raw.data.byteLength <= limit || names.length === 1, `${shard}: within the limit, or one tensor larger than it`);
  }
  const again = openHfModel(out).weights;
  for (const name of weights.names) assert.ok(again.readBytes(name).equals(weights.readBytes(name)), name);
});

test('f32 saved as bf16: config says bfloat16, values are the f32 values rounded to nearest even', { skip }, async () => {
  const { config, weights } = openHfModel(LLAMA!);
  const out = path.join(tmp.dir, 'llama-bf16');
  const dtype = savedDtype('bf16', weights.dtype);
  await writeHfFolder(out, { rawConfig: config.raw, tensors: lazyTensors(weights), dtype });
  assert.equal(readHfConfig(out).raw.torch_dtype, 'bfloat16');
  const again = openHfModel(out).weights;
  assert.equal(again.dtype, 'BF16');
  const src = new Uint32Array(weights.read('lm_head.weight').buffer);
  const got = new Uint32Array(again.read('lm_head.weight').buffer);
  let changed = 0;
  for (let i = 0; i < src.length; i++) {
    assert.equal(got[i], f32BitsToBf16(src[i]) << 16 >>> 0);
    if (got[i] !== src[i]) changed++;
  }
  assert.ok(changed > src.length / 2, 'random f32 weights mostly change when rounded');
  assert.equal(savedDtype('f32', 'BF16'), 'F32');
  assert.equal(savedDtype('source', 'F16'), 'F16');
});

test('extra files go beside the weights, never as *.safetensors; a save replaces the folder whole', { skip }, async () => {
  const { config, weights } = openHfModel(LLAMA!);
  const out = path.join(tmp.dir, 'with-extra');
  mkdirSync(out);
  writeFileSync(path.join(out, 'stale.txt'), 'from an older save');
  const optimizer = Buffer.from([1, 2, 3, 4]);
  await writeHfFolder(out, { rawConfig: config.raw, tensors: lazyTensors(weights), dtype: 'F32', extraFiles: [{ name: 'rlvr-optimizer.bin', data: optimizer }] });
  assert.deepEqual(readdirSync(out).sort(), ['config.json', 'model.safetensors', 'rlvr-optimizer.bin']);
  assert.ok(readFileSync(path.join(out, 'rlvr-optimizer.bin')).equals(optimizer));

  for (const [name, reason] of [['optimizer.safetensors', /vLLM loads every \*\.safetensors/], ['../x.bin', /plain file name/], ['config.json', /writes a file of that name/]] as const) {
    const err = await writeHfFolder(path.join(tmp.dir, 'refused'), { rawConfig: config.raw, tensors: [], dtype: 'F32', extraFiles: [{ name, data: '' }] }).then(
      () => assert.fail(`${name} accepted`),
      (e: Error) => e,
    );
    assert.match(err.message, reason);
    assert.ok(err.message.startsWith(path.join(tmp.dir, 'refused', name)), err.message);
  }
  assert.ok(!existsSync(path.join(tmp.dir, 'refused')));

  // A save that fails midway leaves the previous folder as it was and no temp folder behind.
  const failing = [{ name: 'model.norm.weight', shape: [48], data: (): Float32Array => { throw new Error('engine failed'); } }];
  await assert.rejects(writeHfFolder(out, { rawConfig: config.raw, tensors: failing, dtype: 'F32' }), /engine failed/);
  assert.deepEqual(readdirSync(out).sort(), ['config.json', 'model.safetensors', 'rlvr-optimizer.bin']);
  assert.deepEqual(readdirSync(tmp.dir).filter((f) => f.includes('.tmp-') || f.includes('.old-')), []);
  assert.ok(errorOf(() => openHfModel(path.join(tmp.dir, 'refused'))).message.includes('not a folder'));
});

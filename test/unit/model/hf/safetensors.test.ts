// The safetensors reader against a second, plain reader (helpers.readRaw), its validation on
// damaged files (each error names the file and the tensor or field), and the writer's layout.
import assert from 'node:assert/strict';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { HfFormatError } from '../../../../daemon/model/hf/errors.js';
import { readSafetensorsHeader, readTensorBytes, readTensorF32, writeSafetensors } from '../../../../daemon/model/hf/safetensors.js';
import { LLAMA, QWEN2, copyFixture, errorOf, readRaw, skipWithoutFixtures as skip, tempDir, writeRaw } from './helpers.js';

const tmp = tempDir('safetensors');
after(tmp.cleanup);

test('every tensor of both fixtures reads back as the independent decoding of its bytes', { skip }, () => {
  for (const dir of [QWEN2!, LLAMA!]) {
    const file = path.join(dir, 'model.safetensors');
    const raw = readRaw(file);
    const header = readSafetensorsHeader(file);
    assert.deepEqual(header.metadata, { format: 'pt' });
    assert.equal(header.tensors.length, Object.keys(raw.header).length - 1);
    for (const t of header.tensors) {
      const [begin, end] = raw.header[t.name].data_offsets;
      const stored = raw.data.subarray(begin, end);
      const values = readTensorF32(t);
      const bits = new Uint32Array(values.buffer);
      assert.equal(values.length, t.shape.reduce((a, b) => a * b, 1), t.name);
      assert.ok(readTensorBytes(t).equals(stored), `${t.name}: raw bytes`);
      for (let i = 0; i < values.length; i++) {
        // bf16 is the upper half of an f32; f32 is stored as is (both little-endian).
        const want = t.dtype === 'BF16' ? stored.readUInt16LE(2 * i) * 65536 : stored.readUInt32LE(4 * i);
        if (bits[i] !== want) assert.fail(`${t.name}[${i}]: ${bits[i].toString(16)} != ${want.toString(16)}`);
      }
    }
  }
});

/** A copy of llama-tiny's safetensors file, altered, and the error reading its header gives. */
function headerErrorAfter(name: string, alter: (file: string) => void): HfFormatError {
  const dir = copyFixture(LLAMA!, tmp.dir, name, ['model.safetensors']);
  const file = path.join(dir, 'model.safetensors');
  alter(file);
  const err = errorOf(() => readSafetensorsHeader(file));
  assert.ok(err instanceof HfFormatError, String(err));
  assert.ok(err.message.startsWith(`${file}: `), err.message);
  return err;
}

const editHeader = (edit: (h: Record<string, any>) => void) => (file: string) => {
  const raw = readRaw(file);
  edit(raw.header);
  writeRaw(file, raw);
};

test('damaged files are refused with the file and the tensor or field at fault', { skip }, () => {
  let err = headerErrorAfter('truncated', (f) => truncateSync(f, readFileSync(f).byteLength - 100));
  assert.equal(err.tensor, 'model.norm.weight', 'the last tensor in data order runs past the end');
  assert.match(err.message, /run past the end of the data .*truncated/);

  err = headerErrorAfter('header-past-eof', (f) => {
    const bytes = readFileSync(f);
    bytes.writeBigUInt64LE(BigInt(bytes.byteLength), 0);
    writeFileSync(f, bytes);
  });
  assert.match(err.message, /header length \d+ runs past the end of the file/);

  err = headerErrorAfter('tiny', (f) => writeFileSync(f, Buffer.from([1, 2, 3])));
  assert.match(err.message, /3 bytes: too short/);

  err = headerErrorAfter('overrun', editHeader((h) => (h['model.norm.weight'].data_offsets = h['model.norm.weight'].data_offsets.map((o: number) => o + 64))));
  assert.equal(err.tensor, 'model.norm.weight');
  assert.match(err.message, /data_offsets \[\d+, \d+\] run past the end of the data/);

  err = headerErrorAfter('overlap', editHeader((h) => {
    h['model.layers.0.post_attention_layernorm.weight'].data_offsets = h['model.layers.0.input_layernorm.weight'].data_offsets;
  }));
  assert.match(err.tensor!, /model\.layers\.0\.(input|post_attention)_layernorm\.weight/);
  assert.match(err.message, /overlap tensor 'model\.layers\.0\.(input|post_attention)_layernorm\.weight'/);

  err = headerErrorAfter('size', editHeader((h) => (h['model.norm.weight'].shape = [47])));
  assert.equal(err.tensor, 'model.norm.weight');
  assert.match(err.message, /hold 192 bytes, but F32 of shape \[47\] needs 188/);

  err = headerErrorAfter('dtype', editHeader((h) => (h['model.norm.weight'].dtype = 'Q4_K')));
  assert.equal(err.tensor, 'model.norm.weight');
  assert.match(err.message, /dtype "Q4_K" is not one this reader knows/);

  err = headerErrorAfter('shape', editHeader((h) => (h['model.norm.weight'].shape = [-48])));
  assert.match(err.message, /tensor 'model\.norm\.weight': shape must be a list of non-negative integers/);

  err = headerErrorAfter('not-json', (f) => {
    const bytes = readFileSync(f);
    bytes.write('{"model.norm.weight": nonsense', 8);
    writeFileSync(f, bytes);
  });
  assert.match(err.message, /header is not JSON/);

  err = headerErrorAfter('trailing', (f) => writeFileSync(f, Buffer.concat([readFileSync(f), Buffer.alloc(16)])));
  assert.match(err.message, /16 bytes after the last tensor belong to no tensor/);
});

test('a tensor of an integer dtype is refused as weights, naming it', { skip }, () => {
  const dir = copyFixture(LLAMA!, tmp.dir, 'int', ['model.safetensors']);
  const file = path.join(dir, 'model.safetensors');
  editHeader((h) => Object.assign(h['model.norm.weight'], { dtype: 'I64', shape: [24] }))(file);
  const t = readSafetensorsHeader(file).tensors.find((x) => x.name === 'model.norm.weight')!;
  const err = errorOf(() => readTensorF32(t));
  assert.equal(err.message, `${file}: tensor 'model.norm.weight': dtype I64 cannot be read as weights (BF16, F16 or F32 only)`);
});

test('the writer pads the header to 8 bytes with spaces, says format pt, and keeps values bit for bit', async () => {
  const file = path.join(tmp.dir, 'written.safetensors');
  const special = new Float32Array([1, -0, Infinity, -Infinity, NaN, 1e-40, 3.1415927, -65504]);
  new Uint32Array(special.buffer)[4] = 0x7fc12345; // a NaN with a payload
  let made = 0;
  await writeSafetensors(
    file,
    [
      { name: 'a', dtype: 'F32', shape: [2, 4], data: special },
      { name: 'b', dtype: 'BF16', shape: [3], data: () => (made++, new Float32Array([1, 1 + 2 ** -8, 2 ** -133])) },
      { name: 'c', dtype: 'F16', shape: [0], data: new Float32Array(0) },
      { name: 'd', dtype: 'F16', shape: [2], data: new Float32Array([0.1, 70000]) },
    ],
    { note: 'x' },
  );
  assert.equal(made, 1, 'lazy data is made once, when its tensor is written');
  const bytes = readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal(n % 8, 0);
  const headerText = bytes.subarray(8, 8 + n).toString();
  assert.match(headerText, /^\{"__metadata__":\{"format":"pt","note":"x"\},"a":\{"dtype":"F32","shape":\[2,4\],"data_offsets":\[0,32\]\}.* *$/);
  assert.equal(bytes.byteLength, 8 + n + 32 + 6 + 0 + 4);
  const header = readSafetensorsHeader(file);
  const get = (name: string) => readTensorF32(header.tensors.find((t) => t.name === name)!);
  assert.deepEqual(new Uint32Array(get('a').buffer), new Uint32Array(special.buffer));
  assert.deepEqual([...get('b')], [1, 1, 2 ** -133], '1 + 2^-8 is a tie: to even (1)');
  assert.deepEqual([...get('c')], []);
  assert.deepEqual([...get('d')], [0.0999755859375, Infinity]);
});

// The weights of a Hugging Face folder: `model.safetensors`, or shards listed by
// `model.safetensors.index.json`. Every header is read and checked against config.json up
// front (names, shapes, dtypes); the values are read later, one tensor at a time, so a loader
// can move each into its own memory (a GPU, a tf.Variable) before it reads the next.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expectedTensors, readHfConfig, type HfModelConfig } from './config.js';
import { isFloatDtype, type FloatDtype } from './dtype.js';
import { HfFormatError } from './errors.js';
import { readSafetensorsHeader, readTensorBytes, readTensorF32, type TensorInfo } from './safetensors.js';

export const SINGLE_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';

export interface HfWeights {
  dir: string;
  /** The dtype every weight is stored in (config.json's torch_dtype when it gives one). */
  dtype: FloatDtype;
  /** The tensors the model needs, in expectedTensors order. */
  names: string[];
  info(name: string): TensorInfo;
  /** One tensor as f32, exactly. */
  read(name: string): Float32Array;
  /** One tensor's stored bytes. */
  readBytes(name: string): Buffer;
  /**
   * Tensors in the files that are accepted and not used: `*.rotary_emb.inv_freq` (older
   * transformers saved the rotary buffer) and `lm_head.weight` when the head is tied
   * (transformers ties it to the embedding on load, whatever the file holds; so do we).
   */
  ignored: string[];
}

const show = (names: string[], max = 5): string =>
  names.slice(0, max).map((n) => `'${n}'`).join(', ') + (names.length > max ? ` and ${names.length - max} more` : '');

/** All tensors of the folder's safetensors files, by name, each checked to appear once. */
function readAllHeaders(dir: string): Map<string, TensorInfo> {
  const indexFile = path.join(dir, INDEX_FILE);
  const singleFile = path.join(dir, SINGLE_FILE);
  const tensors = new Map<string, TensorInfo>();
  if (existsSync(indexFile)) {
    const weightMap = readIndex(indexFile);
    const byShard = new Map<string, string[]>();
    for (const [name, shard] of Object.entries(weightMap)) byShard.set(shard, [...(byShard.get(shard) ?? []), name]);
    const headers = [...byShard].map(([shard, names]) => {
      const shardFile = path.join(dir, shard);
      if (!existsSync(shardFile)) {
        throw new HfFormatError(indexFile, { tensor: names[0] }, `its shard ${shard} does not exist in ${dir} (the index puts ${names.length} tensors there)`);
      }
      return { shard, names, header: readSafetensorsHeader(shardFile) };
    });
    for (const { header } of headers) {
      for (const t of header.tensors) {
        const other = tensors.get(t.name);
        if (other) throw new HfFormatError(t.file, { tensor: t.name }, `also in ${other.file}: a tensor must be in one shard`);
        tensors.set(t.name, t);
      }
    }
    for (const { shard, names, header } of headers) {
      const here = new Set(header.tensors.map((t) => t.name));
      const absent = names.filter((n) => !here.has(n));
      if (absent.length) throw new HfFormatError(header.file, { tensor: absent[0] }, `${INDEX_FILE} places ${show(absent)} in this file, which does not hold them`);
      const unlisted = header.tensors.find((t) => weightMap[t.name] !== shard);
      if (unlisted) {
        const listed = weightMap[unlisted.name];
        throw new HfFormatError(header.file, { tensor: unlisted.name }, `in this file, but ${INDEX_FILE} ${listed ? `places it in ${listed}` : 'does not list it'}`);
      }
    }
    return tensors;
  }
  if (existsSync(singleFile)) {
    for (const t of readSafetensorsHeader(singleFile).tensors) tensors.set(t.name, t);
    return tensors;
  }
  throw new HfFormatError(dir, {}, noWeightsReason(dir));
}

function noWeightsReason(dir: string): string {
  const files = readdirSync(dir).sort();
  const needed = `${SINGLE_FILE}, or ${INDEX_FILE} with its shards`;
  const pickles = files.filter((f) => f.endsWith('.bin') || f.endsWith('.pt') || f.endsWith('.pth'));
  if (pickles.length) {
    return `holds PyTorch pickle weights (${pickles.join(', ')}), which are not read here (loading a pickle runs code): ` +
      `convert them to safetensors (transformers: model.save_pretrained(dir, safe_serialization=True)); needed: ${needed}`;
  }
  const others = files.filter((f) => f.endsWith('.safetensors'));
  if (others.length) return `has ${others.join(', ')} but no ${SINGLE_FILE} or ${INDEX_FILE} (an adapter or a renamed file?); needed: ${needed}`;
  return `no weights: needed ${needed}; the folder holds: ${files.join(', ') || 'nothing'}`;
}

function readIndex(file: string): Record<string, string> {
  let index: unknown;
  try {
    index = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new HfFormatError(file, {}, `not valid JSON: ${(err as Error).message}`);
  }
  const map = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new HfFormatError(file, { field: 'weight_map' }, 'expected an object mapping each tensor name to its shard file');
  }
  for (const [name, shard] of Object.entries(map)) {
    // A shard is a file beside the index, never a path elsewhere.
    if (typeof shard !== 'string' || shard !== path.basename(shard) || !shard.endsWith('.safetensors')) {
      throw new HfFormatError(file, { field: `weight_map.${name}` }, `expected a .safetensors file name in the same folder, got ${JSON.stringify(shard)}`);
    }
  }
  return map as Record<string, string>;
}

const HARMLESS_EXTRA = /\.rotary_emb\.inv_freq$/;

/** Opens the weights of an HF folder whose config.json is `cfg`, checking them all against it. */
export function openHfWeights(dir: string, cfg: HfModelConfig): HfWeights {
  const found = readAllHeaders(dir);
  const expected = expectedTensors(cfg);
  const expectedNames = new Set(expected.map((t) => t.name));
  const ignored = [...found.keys()].filter(
    (n) => !expectedNames.has(n) && (HARMLESS_EXTRA.test(n) || (n === 'lm_head.weight' && cfg.tieWordEmbeddings)),
  );
  const unexpected = [...found.keys()].filter((n) => !expectedNames.has(n) && !ignored.includes(n));
  if (unexpected.length) {
    const t = found.get(unexpected[0])!;
    throw new HfFormatError(t.file, { tensor: t.name }, `not part of a ${cfg.architecture} with this config.json (unexpected: ${show(unexpected)})`);
  }
  const missing = expected.filter((t) => !found.has(t.name)).map((t) => t.name);
  if (missing.length) {
    const where = existsSync(path.join(dir, INDEX_FILE)) ? path.join(dir, INDEX_FILE) : path.join(dir, SINGLE_FILE);
    throw new HfFormatError(where, { tensor: missing[0] }, `missing: ${cfg.file} needs ${show(missing)}`);
  }
  const first = found.get(expected[0].name)!;
  const dtypeField = cfg.raw.dtype !== undefined && cfg.raw.dtype !== null ? 'dtype' : 'torch_dtype';
  const dtypeSource = cfg.dtype ? `${cfg.file} has ${dtypeField} ${JSON.stringify(cfg.raw[dtypeField])} (${cfg.dtype})` : `'${first.name}' is ${first.dtype}`;
  for (const want of expected) {
    const t = found.get(want.name)!;
    if (!isFloatDtype(t.dtype)) throw new HfFormatError(t.file, { tensor: t.name }, `dtype ${t.dtype}: weights must be BF16, F16 or F32`);
    if (t.shape.length !== want.shape.length || t.shape.some((d, i) => d !== want.shape[i])) {
      throw new HfFormatError(t.file, { tensor: t.name }, `shape [${t.shape.join(', ')}], but ${cfg.file} needs [${want.shape.join(', ')}]`);
    }
    if (t.dtype !== (cfg.dtype ?? first.dtype)) throw new HfFormatError(t.file, { tensor: t.name }, `dtype ${t.dtype}, but ${dtypeSource}`);
  }
  // Every tensor is a float of one dtype by now.
  const dtype = first.dtype as FloatDtype;

  const info = (name: string): TensorInfo => {
    const t = expectedNames.has(name) ? found.get(name) : undefined;
    if (!t) throw new HfFormatError(dir, { tensor: name }, 'not a weight of this model');
    return t;
  };
  return {
    dir,
    dtype,
    names: expected.map((t) => t.name),
    info,
    read: (name) => readTensorF32(info(name)),
    readBytes: (name) => readTensorBytes(info(name)),
    ignored,
  };
}

/** config.json and the weights of an HF folder, both checked. */
export function openHfModel(dir: string): { config: HfModelConfig; weights: HfWeights } {
  const config = readHfConfig(dir);
  return { config, weights: openHfWeights(dir, config) };
}

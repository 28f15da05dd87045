// Saving a model as a Hugging Face folder that transformers and vLLM load as it is: config.json,
// model.safetensors (or shards + model.safetensors.index.json, named and split the way
// transformers does it), the tokenizer files of the source, and the caller's extra files
// (the engine's optimizer state). Written atomically: a kill mid-save leaves the old folder.
import { copyFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { writeDirAtomically } from '../../util/atomic-dir.js';
import type { FloatDtype } from './dtype.js';
import { HfFormatError } from './errors.js';
import { tensorBytes, writeSafetensors, type TensorToWrite } from './safetensors.js';
import { INDEX_FILE, SINGLE_FILE } from './weights.js';

/** transformers' default max_shard_size ("5GB" = 5 * 10^9 bytes). */
export const DEFAULT_MAX_SHARD_BYTES = 5_000_000_000;

/** Files of the source folder that a checkpoint carries along, when the source has them. */
export const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'generation_config.json',
  'special_tokens_map.json',
  'vocab.json',
  'merges.txt',
  'added_tokens.json',
  'chat_template.jinja',
  'tokenizer.model',
];

const TORCH_DTYPE_NAMES: Record<FloatDtype, string> = { BF16: 'bfloat16', F16: 'float16', F32: 'float32' };

export interface HfTensorToSave {
  name: string;
  shape: number[];
  /** The values, or a function that makes them when the writer reaches this tensor (bounded memory). */
  data: Float32Array | (() => Float32Array);
}

export interface HfFolderToWrite {
  /** config.json as read (HfModelConfig.raw); written back with its dtype set to `dtype`. */
  rawConfig: Record<string, unknown>;
  tensors: Iterable<HfTensorToSave>;
  dtype: FloatDtype;
  /** The folder the model came from: its tokenizer files are copied. */
  sourceDir?: string;
  /** More files for the folder, e.g. optimizer state. Never `*.safetensors`: vLLM would load it as weights. */
  extraFiles?: { name: string; data: Buffer | string }[];
  maxShardBytes?: number;
}

/** Shards as huggingface_hub splits a state dict: in order, a new shard when the next tensor would pass the limit. */
function planShards(tensors: TensorToWrite[], maxBytes: number): TensorToWrite[][] {
  const shards: TensorToWrite[][] = [];
  let current: TensorToWrite[] = [];
  let size = 0;
  for (const t of tensors) {
    const bytes = tensorBytes(t.dtype, t.shape);
    if (bytes > maxBytes) {
      shards.push([t]); // too big for any shard: alone in its own
      continue;
    }
    if (size + bytes > maxBytes && current.length) {
      shards.push(current);
      current = [];
      size = 0;
    }
    current.push(t);
    size += bytes;
  }
  if (current.length || !shards.length) shards.push(current);
  return shards;
}

export async function writeHfFolder(dir: string, folder: HfFolderToWrite): Promise<void> {
  const tensors: TensorToWrite[] = [...folder.tensors].map((t) => ({ ...t, dtype: folder.dtype }));
  const shards = planShards(tensors, folder.maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES);
  const shardNames = shards.length === 1 ? [SINGLE_FILE] : shards.map((_, i) => `model-${pad5(i + 1)}-of-${pad5(shards.length)}.safetensors`);
  const written = new Set(['config.json', INDEX_FILE, ...shardNames]);
  const copied = folder.sourceDir ? TOKENIZER_FILES.filter((f) => existsSync(path.join(folder.sourceDir!, f))) : [];
  for (const extra of folder.extraFiles ?? []) checkExtraName(dir, extra.name, written, copied);

  const config: Record<string, unknown> = { ...folder.rawConfig, torch_dtype: TORCH_DTYPE_NAMES[folder.dtype] };
  if ('dtype' in folder.rawConfig) config.dtype = TORCH_DTYPE_NAMES[folder.dtype];

  await writeDirAtomically(dir, async (tmp) => {
    for (const [i, shard] of shards.entries()) await writeSafetensors(path.join(tmp, shardNames[i]), shard);
    if (shards.length > 1) {
      const weightMap: Record<string, string> = {};
      shards.forEach((shard, i) => shard.forEach((t) => (weightMap[t.name] = shardNames[i])));
      const sorted = Object.fromEntries(Object.keys(weightMap).sort().map((k) => [k, weightMap[k]]));
      const totalSize = tensors.reduce((sum, t) => sum + tensorBytes(t.dtype, t.shape), 0);
      await writeFile(path.join(tmp, INDEX_FILE), JSON.stringify({ metadata: { total_size: totalSize }, weight_map: sorted }, null, 2) + '\n');
    }
    for (const f of copied) await copyFile(path.join(folder.sourceDir!, f), path.join(tmp, f));
    for (const extra of folder.extraFiles ?? []) await writeFile(path.join(tmp, extra.name), extra.data);
    await writeFile(path.join(tmp, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  });
}

function pad5(n: number): string {
  return String(n).padStart(5, '0');
}

function checkExtraName(dir: string, name: string, written: Set<string>, copied: string[]): void {
  const fail = (reason: string): never => {
    throw new HfFormatError(path.join(dir, name), {}, `cannot be an extra file of the checkpoint: ${reason}`);
  };
  if (!name || name !== path.basename(name) || name === '.' || name === '..') fail('a plain file name is needed (no folders)');
  if (name.endsWith('.safetensors')) fail('vLLM loads every *.safetensors file of a folder as weights; use another extension');
  if (written.has(name) || copied.includes(name)) fail('the checkpoint writes a file of that name itself');
}

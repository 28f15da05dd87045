// Checkpoint files of a policy, one folder:
//   manifest.json  {format, config, tokenizer, tensors: [{name, shape}], optimizer: {step}}
//   weights.bin    float32 little-endian, tensors in manifest order
// plus any extra files the caller adds (the engine's optimizer state).
// Written atomically (util/atomic-dir.ts): a kill mid-save leaves the old checkpoint or the new one.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeDirAtomically } from '../../util/atomic-dir.js';
import type { PolicyConfig } from './config.js';

export const CHECKPOINT_FORMAT = 'rlvr-policy/1';

export interface CheckpointData {
  config: PolicyConfig;
  tokenizer: unknown;
  names: string[];
  shapes: number[][];
  weights: Float32Array[];
  /** Written into the same folder before the rename (the engine's optimizer state). */
  extraFiles?: { name: string; data: Buffer | string }[];
}

export interface LoadedCheckpoint {
  config: PolicyConfig;
  tokenizer: unknown;
  weights: Map<string, { shape: number[]; data: Float32Array }>;
}

function concat(parts: Float32Array[]): Buffer {
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = new Float32Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

export async function writeCheckpoint(dir: string, c: CheckpointData): Promise<void> {
  const manifest = {
    format: CHECKPOINT_FORMAT,
    config: c.config,
    tokenizer: c.tokenizer,
    tensors: c.names.map((name, i) => ({ name, shape: c.shapes[i] })),
    optimizer: null, // older checkpoints kept the optimizer's step here (engine/optimizer.ts reads it)
  };
  await writeDirAtomically(dir, async (tmp) => {
    await writeFile(path.join(tmp, 'weights.bin'), concat(c.weights));
    for (const f of c.extraFiles ?? []) await writeFile(path.join(tmp, f.name), f.data);
    // The manifest goes last: a folder with a manifest has all its tensors.
    await writeFile(path.join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  });
}

export async function readCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const mpath = path.join(dir, 'manifest.json');
  let manifest: {
    format?: string;
    config: PolicyConfig;
    tokenizer: unknown;
    tensors: { name: string; shape: number[] }[];
  };
  try {
    manifest = JSON.parse(await readFile(mpath, 'utf8'));
  } catch (err) {
    throw new Error(`${mpath}: cannot read checkpoint manifest: ${(err as Error).message}`);
  }
  if (manifest.format !== CHECKPOINT_FORMAT) {
    throw new Error(`${mpath}: field 'format' is ${JSON.stringify(manifest.format)}, expected "${CHECKPOINT_FORMAT}"`);
  }
  if (!Array.isArray(manifest.tensors)) throw new Error(`${mpath}: field 'tensors' must be an array`);
  const sizes = manifest.tensors.map((t) => t.shape.reduce((a, b) => a * b, 1));
  const total = sizes.reduce((a, b) => a + b, 0);
  const buf = await readFile(path.join(dir, 'weights.bin'));
  if (buf.byteLength !== total * 4) throw new Error(`${path.join(dir, 'weights.bin')}: ${buf.byteLength} bytes, manifest needs ${total * 4}`);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  let o = 0;
  const w = sizes.map((n) => all.subarray(o, (o += n)));
  const weights = new Map(manifest.tensors.map((t, i) => [t.name, { shape: t.shape, data: w[i] }]));
  return { config: manifest.config, tokenizer: manifest.tokenizer, weights };
}

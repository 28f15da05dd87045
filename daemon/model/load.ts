// A model folder to a LanguageModel, whatever its family: the char model's checkpoint
// (manifest.json + weights.bin) or a Hugging Face folder (config.json + safetensors).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CharGpt, type CharGptOptions } from './char/char-gpt.js';
import type { LanguageModel } from './language-model.js';

export interface LoadModelOptions {
  /** Training layout of the char model (benchmarks). */
  char?: CharGptOptions;
}

export type ModelFolderKind = 'char' | 'hf';

/** What a folder holds, or null when it is no model folder. */
export function modelFolderKind(dir: string): ModelFolderKind | null {
  if (existsSync(path.join(dir, 'manifest.json'))) return 'char';
  if (existsSync(path.join(dir, 'config.json'))) return 'hf';
  return null;
}

export async function loadModel(dir: string, opts: LoadModelOptions = {}): Promise<LanguageModel> {
  const kind = modelFolderKind(dir);
  if (kind === 'char') return CharGpt.load(dir, opts.char);
  if (kind === 'hf') {
    const { HfModel } = await import('./hf/hf-model.js');
    return HfModel.load(dir);
  }
  throw new Error(`${dir}: not a model folder (expected manifest.json of an rlvr checkpoint, or config.json of a Hugging Face model)`);
}

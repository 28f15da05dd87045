// Which ids stop sampling, pad a batch and open a sequence. A chat model usually ends its turn
// with a token that is not tokenizer_config.json's eos_token alone (Qwen2.5 Instruct stops at
// <|im_end|> 151645 and <|endoftext|> 151643; Llama 3 Instruct at <|eot_id|> and
// <|end_of_text|>), and generation_config.json is where transformers' generate() reads that
// list; so the stop set is the union of every place a checkpoint may declare one.

import path from 'node:path';
import { TokenizerFileError, type JsonObject, type TokenizerFiles } from './tokenizer-files.js';

export interface SpecialTokenIds {
  /** Ids that end a response: generation_config.json eos_token_id (int or list), then
   *  config.json eos_token_id, then tokenizer_config.json eos_token; duplicates dropped. */
  eosIds: number[];
  /** tokenizer_config.json pad_token, else generation_config / config pad_token_id, else eosIds[0]. */
  padId: number;
  /** tokenizer_config.json bos_token, when it names one (Qwen's is null). */
  bosId?: number;
}

/** A special token as tokenizer_config.json spells it: "tok", {"content": "tok", ...} or null. */
export function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return undefined;
}

function idsField(json: JsonObject | null, file: string, field: string, vocabSize: number): number[] {
  const value = json?.[field];
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  for (const id of list) {
    if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= vocabSize) {
      throw new TokenizerFileError(file, `field '${field}': expected a token id in [0, ${vocabSize}) or a list of them, got ${JSON.stringify(value)}`);
    }
  }
  return list as number[];
}

export function resolveSpecialIds(
  files: TokenizerFiles,
  vocabSize: number,
  idOf: (token: string) => number | undefined,
): SpecialTokenIds {
  const configFile = path.join(files.dir, 'tokenizer_config.json');
  const tokenId = (field: string): number | undefined => {
    const text = tokenText(files.tokenizerConfig[field]);
    if (text === undefined) return undefined;
    const id = idOf(text);
    if (id === undefined) throw new TokenizerFileError(configFile, `field '${field}': token ${JSON.stringify(text)} is not in tokenizer.json's vocabulary`);
    return id;
  };
  const generationFile = path.join(files.dir, 'generation_config.json');
  const modelFile = path.join(files.dir, 'config.json');

  const eos = [
    ...idsField(files.generationConfig, generationFile, 'eos_token_id', vocabSize),
    ...idsField(files.modelConfig, modelFile, 'eos_token_id', vocabSize),
  ];
  const configEos = tokenId('eos_token');
  if (configEos !== undefined) eos.push(configEos);
  const eosIds = [...new Set(eos)];
  if (eosIds.length === 0) {
    throw new TokenizerFileError(
      files.dir,
      'no end-of-sequence token: none of generation_config.json eos_token_id, config.json eos_token_id ' +
        'or tokenizer_config.json eos_token is set, so sampling would never stop',
    );
  }
  const padId =
    tokenId('pad_token') ??
    idsField(files.generationConfig, generationFile, 'pad_token_id', vocabSize)[0] ??
    idsField(files.modelConfig, modelFile, 'pad_token_id', vocabSize)[0] ??
    eosIds[0];
  const bosId = tokenId('bos_token');
  return bosId === undefined ? { eosIds, padId } : { eosIds, padId, bosId };
}

// `rlvr model info --model DIR`: what a model folder holds, read from its config and tensor
// headers (no weights loaded).
//   -> {"architecture", "family", "parameters", "dtype", "vocabulary", "context_length",
//       "chat_template", ...}   (last stdout line)
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readHfConfig } from '../../model/hf/config.js';
import { numel } from '../../model/hf/safetensors.js';
import { hasChatTemplate } from '../../model/hf/tokenizer.js';
import { readTokenizerFiles } from '../../model/hf/tokenizer-files.js';
import { openHfWeights } from '../../model/hf/weights.js';
import { modelFolderKind } from '../../model/load.js';

const USAGE = 'usage: rlvr model info --model DIR   (a Hugging Face folder or an rlvr checkpoint)';

export async function modelInfo(dir: string): Promise<Record<string, unknown>> {
  const kind = modelFolderKind(dir);
  if (kind === 'char') {
    const m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { config: Record<string, number>; tensors: { shape: number[] }[] };
    return {
      architecture: 'rlvr char GPT', family: 'char-gpt', parameters: m.tensors.reduce((a, t) => a + numel(t.shape), 0), dtype: 'F32',
      vocabulary: m.config.vocabSize, context_length: m.config.contextLength, chat_template: false,
      layers: m.config.nLayers, hidden_size: m.config.dModel, heads: m.config.nHeads,
    };
  }
  if (kind !== 'hf') throw new Error(`${dir}: not a model folder (expected config.json of a Hugging Face model, or an rlvr checkpoint's manifest.json)`);
  const config = readHfConfig(dir);
  const weights = openHfWeights(dir, config);
  const tokenizer = existsSync(path.join(dir, 'tokenizer.json')) ? await readTokenizerFiles(dir) : null;
  return {
    architecture: config.architecture,
    parameters: weights.names.reduce((a, n) => a + numel(weights.info(n).shape), 0),
    dtype: weights.dtype,
    vocabulary: config.vocabSize,
    context_length: config.maxPositionEmbeddings,
    chat_template: tokenizer ? hasChatTemplate(tokenizer.tokenizerConfig) : false,
    tokenizer: tokenizer !== null,
    layers: config.numLayers,
    hidden_size: config.hiddenSize,
    heads: config.numHeads,
    kv_heads: config.numKvHeads,
    head_dim: config.headDim,
    tied_embeddings: config.tieWordEmbeddings,
  };
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { model: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.model) throw new Error(`--model is required\n${USAGE}`);
  console.log(JSON.stringify(await modelInfo(values.model)));
  return 0;
}

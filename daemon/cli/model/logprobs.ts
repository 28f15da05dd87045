// `rlvr model logprobs --model DIR --sequences FILE.json`: log p(x[t+1] | x[<=t]) at every position
// of every sequence, under the model at temperature 1.
//   -> {"next_token_logprobs": [[...], ...]}   (last stdout line)
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import type { LanguageModel } from '../../model/language-model.js';
import { readSequences } from './sequences.js';
import { openModel } from './open.js';

const USAGE = `usage: rlvr model logprobs --model DIR --sequences FILE.json [--backend B]

  --model DIR          a Hugging Face folder (config.json + safetensors) or an rlvr checkpoint
  --sequences FILE     {"sequences": [[token ids], ...]}, each at least 2 tokens`;

/** Next-token log-probs per sequence, a chunk of sequences at a time (the model's training chunk). */
export async function nextTokenLogProbs(model: LanguageModel, sequences: number[][]): Promise<number[][]> {
  const out: number[][] = [];
  let chunk: number[][] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    const rows = chunk.map((s) => ({ input: s.slice(0, -1), target: s.slice(1) }));
    const lp = tf.tidy(() => model.targetLogProbs(rows, 1, { inference: true }).logp);
    const data = await lp.data();
    lp.dispose();
    let o = 0;
    for (const r of rows) out.push(Array.from(data.subarray(o, (o += r.input.length))));
    chunk = [];
  };
  for (const s of sequences) {
    if (s.length > model.contextLength) throw new Error(`a sequence of ${s.length} tokens exceeds the model's context length ${model.contextLength}`);
    if ((chunk.length + 1) * s.length > model.chunkTokens) await flush();
    chunk.push(s);
  }
  await flush();
  return out;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { model: { type: 'string' }, sequences: { type: 'string' }, backend: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.model || !values.sequences) throw new Error(`--model and --sequences are required\n${USAGE}`);
  const model = await openModel(values.model, values.backend);
  try {
    const sequences = readSequences(values.sequences, model.vocabSize, 2);
    console.log(JSON.stringify({ next_token_logprobs: await nextTokenLogProbs(model, sequences) }));
  } finally {
    model.dispose();
  }
  return 0;
}

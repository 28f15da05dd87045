// A Hugging Face checkpoint (Qwen2/Qwen2.5, Qwen3, Llama/SmolLM2) as a LanguageModel: its
// folder read and checked (config.ts, weights.ts), its decoder in TensorFlow.js (decoder.ts),
// its tokenizer and chat template (tokenizer.ts), and saving back to an HF folder (save.ts)
// that transformers and vLLM load as it is.
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { generate } from '../generate.js';
import type { GenerateOptions, Generation, LanguageModel, ModelTokenizer, SaveOptions, TokenRow } from '../language-model.js';
import { readHfConfig, type HfModelConfig } from './config.js';
import { normals } from '../sampling.js';
import { mulberry32, streamSeed } from '../../util/random.js';
import { DecoderNetwork, type DecoderSpec } from './decoder.js';
import type { FloatDtype } from './dtype.js';
import { writeHfFolder } from './save.js';
import { savedDtype } from './save-dtype.js';
import { HfTokenizer } from './tokenizer.js';
import { openHfWeights } from './weights.js';

/** Activation memory per training chunk the chunk size aims for (the rest: weights, grads, Adam). */
const CHUNK_ACTIVATION_BYTES = 256 * 2 ** 20;

export class HfModel implements LanguageModel {
  readonly family: LanguageModel['family'];
  readonly vocabSize: number;
  readonly contextLength: number;
  readonly chunkTokens: number;
  /** Recompute each layer's activations in the backward pass (see trainingMemoryPlan). */
  private readonly checkpointLayers: boolean;

  private constructor(
    readonly config: HfModelConfig,
    readonly network: DecoderNetwork,
    readonly tokenizer: ModelTokenizer,
    /** What the checkpoint stored its weights in (saves keep it unless told otherwise). */
    readonly sourceDtype: FloatDtype,
  ) {
    this.family = config.architecture === 'Qwen2ForCausalLM' ? 'qwen2' : config.architecture === 'Qwen3ForCausalLM' ? 'qwen3' : 'llama';
    this.vocabSize = config.vocabSize;
    this.contextLength = config.maxPositionEmbeddings;
    ({ checkpoint: this.checkpointLayers, chunkTokens: this.chunkTokens } = trainingMemoryPlan(config));
  }

  /** Checks config.json and every tensor header first, then moves the weights in one tensor at a time. */
  static async load(dir: string): Promise<HfModel> {
    const config = readHfConfig(dir);
    const weights = openHfWeights(dir, config);
    const tokenizer = existsSync(path.join(dir, 'tokenizer.json')) ? engineTokenizer(await HfTokenizer.load(dir), config) : idsOnlyTokenizer(dir, config);
    const network = new DecoderNetwork(config, (name) => weights.read(name));
    return new HfModel(config, network, tokenizer, weights.dtype);
  }

  /**
   * A randomly initialised model of a given shape (normal(0, 0.02) weights, unit norms), without
   * a folder or tokenizer: for benchmarks and tests of sizes no fixture has.
   */
  static random(spec: DecoderSpec, seed: number): HfModel {
    let stream = 0;
    const network = new DecoderNetwork(spec, (name, shape) => {
      const n = shape.reduce((a, b) => a * b, 1);
      return name.endsWith('norm.weight') ? new Float32Array(n).fill(1) : normals(n, 0.02, mulberry32(streamSeed(seed, stream++)));
    });
    const config: HfModelConfig = { ...spec, dir: '(random)', file: '(random)/config.json', raw: {}, bosTokenId: null, eosTokenIds: [], dtype: 'F32' };
    return new HfModel(config, network, idsOnlyTokenizer('(random)', config), 'F32');
  }

  get parameters() {
    return this.network.parameters;
  }

  numParameters(): number {
    return this.network.parameters.reduce((a, p) => a + p.variable.size, 0);
  }

  targetLogProbs(rows: TokenRow[], temperature: number, opts: { inference?: boolean } = {}): { logp: tf.Tensor1D; entropy: tf.Tensor1D } {
    return this.network.targetLogProbs(rows, temperature, { checkpoint: this.checkpointLayers, inference: opts.inference });
  }

  async generate(prompts: number[][], opts: GenerateOptions): Promise<Generation[]> {
    this.network.beginSampling();
    try {
      return await generate(this.network, prompts, opts);
    } finally {
      this.network.endSampling();
    }
  }

  /** An HF folder: config.json, safetensors under the source's names, the tokenizer files, extraFiles. */
  async save(dir: string, opts: SaveOptions = {}): Promise<void> {
    const tensors = [];
    for await (const t of this.network.hfTensors()) tensors.push(t);
    await writeHfFolder(dir, {
      rawConfig: this.config.raw,
      tensors,
      dtype: savedDtype(opts.dtype ?? 'source', this.sourceDtype),
      sourceDir: this.config.dir,
      extraFiles: opts.extraFiles,
    });
  }

  dispose(): void {
    this.network.dispose();
  }
}

/**
 * How training fits in memory: activation bytes per token per layer, calibrated on the WASM
 * backend (SmolLM2-135M's width, 255-token rows: ~320 KB, i.e. ~125 d floats besides the
 * attention scores, which grow with the row length, assumed here up to 512). When a 512-token
 * row's activations would pass the budget, layers are checkpointed (recomputed in the backward
 * pass, keeping one [T, d] input per layer), and chunks hold what the budget allows.
 */
export function trainingMemoryPlan(c: Pick<HfModelConfig, 'numLayers' | 'hiddenSize' | 'numHeads'>): { checkpoint: boolean; chunkTokens: number } {
  const layerBytes = 4 * (125 * c.hiddenSize + 4 * c.numHeads * 512);
  const full = c.numLayers * layerBytes;
  const checkpoint = full * 512 > CHUNK_ACTIVATION_BYTES;
  const perToken = checkpoint ? c.numLayers * 4 * c.hiddenSize + layerBytes : full;
  return { checkpoint, chunkTokens: Math.max(64, Math.floor(CHUNK_ACTIVATION_BYTES / perToken)) };
}

/**
 * The tokenizer as the engine uses it: every HF model reads the paper's instruction in its user
 * message (a chat model inside its template; a base model without one as plain text), and a
 * response ends at the template's end-of-turn token or any configured eos (tokenizer.ts).
 */
function engineTokenizer(tok: HfTokenizer, config: HfModelConfig): ModelTokenizer {
  if (tok.vocabSize > config.vocabSize) {
    throw new Error(`${path.join(config.dir, 'tokenizer.json')}: its ${tok.vocabSize} ids do not fit the model's vocab_size ${config.vocabSize} (${config.file})`);
  }
  const stopIds = [...new Set([...tok.stopIds, ...config.eosTokenIds])];
  return {
    vocabSize: config.vocabSize,
    encode: (text) => tok.encode(text),
    decode: (ids) => tok.decode(ids),
    stopIds,
    endOfResponseId: tok.endOfResponseId,
    chat: true,
    framePrompt: (userMessage) => tok.framePrompt(userMessage),
  };
}

/** A folder with weights but no tokenizer files scores and continues token ids, nothing else. */
function idsOnlyTokenizer(dir: string, config: HfModelConfig): ModelTokenizer {
  const missing = (): never => {
    throw new Error(`${dir} has no tokenizer.json: this model can score and continue token ids (rlvr model logprobs|generate), but not read or write text`);
  };
  return {
    vocabSize: config.vocabSize,
    encode: missing,
    decode: missing,
    framePrompt: missing,
    stopIds: config.eosTokenIds,
    endOfResponseId: config.eosTokenIds[0] ?? 0,
    chat: true,
  };
}

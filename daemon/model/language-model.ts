// The one interface every model family implements: the embedded character GPT and the
// Hugging Face decoders (Qwen2, Qwen3, Llama). The engine (sampling, GRPO / SFT objectives,
// the optimizer, checkpoints) sees only this; nothing in a model class knows about rewards,
// advantages or learning rates.
import type * as tf from '@tensorflow/tfjs';

export type ModelFamily = 'char-gpt' | 'qwen2' | 'qwen3' | 'llama';

/** Text <-> ids, and how a prompt is framed for this model. */
export interface ModelTokenizer {
  readonly vocabSize: number;
  encode(text: string): number[];
  /** Special tokens (bos, eos, chat markers) are left out of the text. */
  decode(ids: readonly number[]): string;
  /** Any of these ends a response (the char model's eos; an HF model's end-of-turn tokens). */
  readonly stopIds: readonly number[];
  /** Appended to an SFT target so the model learns to stop. */
  readonly endOfResponseId: number;
  /**
   * The prompt as the model was trained to read it: the char model reads bos, the text and a
   * newline; a chat model reads `userMessage` in its chat template with the generation prompt.
   */
  framePrompt(userMessage: string): number[];
  /** Chat models get the paper's instructions in the user message; the char model does not. */
  readonly chat: boolean;
}

export interface GenerateOptions {
  maxNewTokens: number;
  /** <= 0: greedy. */
  temperature: number;
  topP: number;
  seed: number;
  /**
   * One seed per row instead of streams derived from `seed` and the row index: a row then samples
   * the same tokens whatever batch it is drawn in (pass-rate measurements rely on it).
   */
  rowSeeds?: readonly number[];
  /** Tokens that end a row (kept as its last token). Empty: rows run to maxNewTokens. */
  stopIds: readonly number[];
  /** false recomputes every prefix at every step (the benchmark's baseline). */
  kvCache?: boolean;
}

export interface Generation {
  /** Sampled tokens, ending with a stop token unless truncated. */
  tokens: number[];
  /** Hit maxNewTokens without emitting a stop token. */
  truncated: boolean;
  /** Per token: log p under softmax(logits / T) (T = 1 when greedy). */
  logProbs: number[];
  /** Per token: entropy of softmax(logits / T), nats. */
  entropy: number[];
}

/** One training row: `target[t]` is the token that follows `input[0..t]`. */
export interface TokenRow {
  input: number[];
  target: number[];
}

export interface NamedVariable {
  name: string;
  variable: tf.Variable;
}

export interface LanguageModel {
  readonly family: ModelFamily;
  readonly tokenizer: ModelTokenizer;
  /** Max prompt + response tokens. */
  readonly contextLength: number;
  readonly vocabSize: number;
  /** Trainable tensors in a fixed order: the optimizer state follows it. */
  readonly parameters: readonly NamedVariable[];
  /** Training tokens (rows x padded length) per forward/backward chunk: bounds memory, not the result. */
  readonly chunkTokens: number;
  numParameters(): number;
  /**
   * log p(target) and the entropy of softmax(logits / temperature) at every position of every
   * row, flat in row order ([sum of row lengths]); differentiable w.r.t. `parameters`. Never
   * materialises more logits than a slice of rows needs (vocabularies reach 152K).
   * `inference`: nothing will be differentiated, so a model may free activations as it goes.
   */
  targetLogProbs(rows: TokenRow[], temperature: number, opts?: { inference?: boolean }): { logp: tf.Tensor1D; entropy: tf.Tensor1D };
  /** Samples one response per prompt, all prompts batched, with a KV cache. */
  generate(prompts: number[][], opts: GenerateOptions): Promise<Generation[]>;
  /**
   * Writes the model in its own format (the char model's manifest + weights.bin; an HF folder
   * for HF models) into `dir`, atomically, with `extraFiles` (the optimizer state) beside it.
   */
  save(dir: string, opts?: SaveOptions): Promise<void>;
  dispose(): void;
}

export interface SaveOptions {
  /** Files written into the same folder in the same atomic rename. */
  extraFiles?: { name: string; data: Buffer | string }[];
  /** HF models: the dtype of the saved tensors (default: the source's). */
  dtype?: 'source' | 'f32' | 'bf16';
}

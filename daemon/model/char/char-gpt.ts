// The embedded default's model: a GPT-style causal transformer in TensorFlow.js (token +
// position embeddings, pre-norm blocks of multi-head causal attention and a GELU MLP, final
// norm, output head) over a character tokenizer. It implements the LanguageModel interface;
// the objectives and the optimizer live in engine/.
//
// Shapes: B sequences, T positions, d = dModel, H heads of hd = d / H, V = vocab, N = B*T.
// Written for the WASM backend, whose facts shaped it (measured on 2 cores):
// - its matMul is fast (XNNPACK) only for 2-D un-transposed products, so every weight
//   product is a 2-D [N, in] @ [in, out] whose gradient (linear() below) uses explicit
//   transposes instead of tf's transposed products (halved a training step);
// - tf.gather has no gradient kernel there, so the embedding's gradient is a one-hot matMul
//   (V is 100 here; the HF decoders scatter-add instead);
// - its batched matMul (attention) has no XNNPACK path, so long sequences train one at a
//   time in 2-D products (sequenceLogits) and short ones in padded batches (perSequenceAt);
// - only small things are synced to JS: [B, V] logits per sampling step.
import * as tf from '@tensorflow/tfjs';
import { decodeMask, generate, prefillMask, type Decoder } from '../generate.js';
import type { GenerateOptions, Generation, LanguageModel, NamedVariable, SaveOptions, TokenRow } from '../language-model.js';
import { embed, gatherRows, linearFast } from '../ops.js';
import { normals } from '../sampling.js';
import { mulberry32, streamSeed } from '../../util/random.js';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { validatePolicyConfig, type PolicyConfig } from './config.js';
import { Tokenizer } from './tokenizer.js';

/** How training rows are laid out (benchmarks compare them; 'auto' is the default). */
export interface CharGptOptions {
  /**
   * One sequence at a time in 2-D products, or padded batches. On WASM the batched attention
   * matMul runs without XNNPACK (~2.5 vs ~25 GFLOP/s) while the per-sequence layout pays
   * ~H*25 more ops per sequence and layer; measured (CPU s per GRPO step): d=128, 16x256
   * tokens 2.7 per sequence vs 5.7 batched; d=64, 64x~50 tokens 2.0 vs 0.6. 'auto' (the
   * default on WASM/CPU) picks per chunk from its padded length; GPU backends batch.
   */
  layout?: 'auto' | 'per-sequence' | 'batched';
  /** tf's own matMul gradient instead of the explicit-transpose one (benchmark baseline). */
  tfMatMulGrad?: boolean;
  /** Training tokens per forward/backward chunk (default 2048). */
  chunkTokens?: number;
}

interface Block {
  ln1g: tf.Variable; ln1b: tf.Variable; // [d]
  wq: tf.Variable; // [d, d]
  wk: tf.Variable; // [d, d]
  wv: tf.Variable; // [d, d]
  // q/k/v biases only with config.qkvBias (checkpoints from before they were dropped).
  bq?: tf.Variable; bk?: tf.Variable; bv?: tf.Variable; // [d]
  wo: tf.Variable; bo: tf.Variable; // [d, d], [d]
  ln2g: tf.Variable; ln2b: tf.Variable; // [d]
  w1: tf.Variable; b1: tf.Variable; // [d, m], [m]
  w2: tf.Variable; b2: tf.Variable; // [m, d], [d]
}

interface SplitWeights {
  heads: { wq: tf.Tensor2D; wk: tf.Tensor2D; wv: tf.Tensor2D; wo: tf.Tensor2D; bq?: tf.Tensor1D; bk?: tf.Tensor1D; bv?: tf.Tensor1D }[][]; // wq, bq pre-scaled by 1/sqrt(hd)
  pos(T: number): tf.Tensor2D; // [T, d]
}

type Cache = { k: tf.Tensor4D; v: tf.Tensor4D }[]; // per layer: [B, H, L, hd]

const NEG = -1e9; // additive mask; finite so a fully masked row softmaxes to uniform, not NaN

export class CharGpt implements LanguageModel, Decoder<Cache> {
  readonly family = 'char-gpt' as const;
  readonly vocabSize: number;
  readonly contextLength: number;
  /** Tokens (rows x padded length) per forward/backward chunk; bounds memory, not the result
   *  (4096 per sequence: ~1.9 GB RSS for a 32x130-token step, 1024: ~0.7 GB, same speed). */
  readonly chunkTokens: number;
  readonly parameters: NamedVariable[] = [];
  private readonly perSequence: boolean | 'auto';
  private readonly customMatMulGrad: boolean;

  private readonly wte: tf.Variable; // [V, d]
  private readonly wpe: tf.Variable; // [C, d]
  private readonly blocks: Block[];
  private readonly lnfg: tf.Variable; // [d]
  private readonly lnfb: tf.Variable; // [d]
  private readonly head: tf.Variable; // [d, V]

  private constructor(
    readonly config: PolicyConfig,
    readonly tokenizer: Tokenizer,
    init: (name: string, shape: number[], kind: 'normal' | 'proj' | 'zeros' | 'ones') => tf.Variable,
    options: CharGptOptions,
  ) {
    const { vocabSize: V, contextLength: C, dModel: d, nLayers, mlpRatio } = config;
    this.vocabSize = V;
    this.contextLength = C;
    const layout = options.layout ?? (['wasm', 'cpu'].includes(tf.getBackend()) ? 'auto' : 'batched');
    this.perSequence = layout === 'auto' ? 'auto' : layout === 'per-sequence';
    this.customMatMulGrad = !options.tfMatMulGrad;
    this.chunkTokens = options.chunkTokens ?? 2048;
    const m = mlpRatio * d;
    // Parameters are registered in construction order: the checkpoint's tensor order.
    const initAndRegister = init;
    init = (name, shape, kind) => {
      const variable = initAndRegister(name, shape, kind);
      this.parameters.push({ name, variable });
      return variable;
    };
    this.wte = init('wte', [V, d], 'normal');
    this.wpe = init('wpe', [C, d], 'normal');
    this.blocks = [];
    for (let l = 0; l < nLayers; l++) {
      const p = `h${l}.`;
      this.blocks.push({
        ln1g: init(p + 'ln1.g', [d], 'ones'), ln1b: init(p + 'ln1.b', [d], 'zeros'),
        wq: init(p + 'attn.wq', [d, d], 'normal'),
        wk: init(p + 'attn.wk', [d, d], 'normal'),
        wv: init(p + 'attn.wv', [d, d], 'normal'),
        ...(config.qkvBias
          ? { bq: init(p + 'attn.bq', [d], 'zeros'), bk: init(p + 'attn.bk', [d], 'zeros'), bv: init(p + 'attn.bv', [d], 'zeros') }
          : {}),
        wo: init(p + 'attn.wo', [d, d], 'proj'), bo: init(p + 'attn.bo', [d], 'zeros'),
        ln2g: init(p + 'ln2.g', [d], 'ones'), ln2b: init(p + 'ln2.b', [d], 'zeros'),
        w1: init(p + 'mlp.w1', [d, m], 'normal'), b1: init(p + 'mlp.b1', [m], 'zeros'),
        w2: init(p + 'mlp.w2', [m, d], 'proj'), b2: init(p + 'mlp.b2', [d], 'zeros'),
      });
    }
    this.lnfg = init('lnf.g', [d], 'ones');
    this.lnfb = init('lnf.b', [d], 'zeros');
    this.head = init('head', [d, V], 'normal');
  }

  /** A freshly initialised model; the same (config, seed) gives the same weights on every backend. */
  static create(config: PolicyConfig, seed: number, options: CharGptOptions = {}, tokenizer: Tokenizer = Tokenizer.characters()): CharGpt {
    config = validatePolicyConfig({ ...config, qkvBias: config.qkvBias ?? false });
    if (tokenizer.vocabSize > config.vocabSize) {
      throw new Error(`policy config: vocabSize ${config.vocabSize} < tokenizer's ${tokenizer.vocabSize}`);
    }
    let stream = 0;
    const projStd = 0.02 / Math.sqrt(2 * config.nLayers); // residual projections, as GPT-2
    return new CharGpt(config, tokenizer, (_name, shape, kind) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const rand = mulberry32(streamSeed(seed, stream++));
      const data =
        kind === 'zeros' ? new Float32Array(n)
        : kind === 'ones' ? new Float32Array(n).fill(1)
        : normals(n, kind === 'proj' ? projStd : 0.02, rand);
      return tf.variable(tf.tensor(data, shape), true);
    }, options);
  }

  /** Weights from a checkpoint folder (manifest.json + weights.bin); optimizer state is the engine's. */
  static async load(dir: string, options: CharGptOptions = {}): Promise<CharGpt> {
    const ck = await readCheckpoint(dir);
    // Checkpoints saved before q/k/v biases were dropped have them but no qkvBias field.
    const qkvBias = ck.config.qkvBias ?? ck.weights.has('h0.attn.bq');
    const config = validatePolicyConfig({ ...ck.config, qkvBias }, `${dir}/manifest.json`);
    const used = new Set<string>();
    const model = new CharGpt(config, Tokenizer.fromJSON(ck.tokenizer), (name, shape) => {
      used.add(name);
      const w = ck.weights.get(name);
      if (!w) throw new Error(`${dir}: checkpoint has no tensor '${name}'`);
      if (w.shape.join(',') !== shape.join(',')) {
        throw new Error(`${dir}: tensor '${name}' has shape [${w.shape}], config needs [${shape}]`);
      }
      return tf.variable(tf.tensor(w.data, shape), true);
    }, options);
    const unused = [...ck.weights.keys()].filter((n) => !used.has(n));
    if (unused.length > 0) {
      model.dispose();
      throw new Error(`${dir}: checkpoint has tensors this policy does not use (${unused.slice(0, 3).join(', ')}): saved by an incompatible version?`);
    }
    return model;
  }

  /** Weights, config and tokenizer (+ extraFiles); written to a temp dir, then renamed. */
  async save(dir: string, opts: SaveOptions = {}): Promise<void> {
    const weights = await Promise.all(this.parameters.map((p) => p.variable.data() as Promise<Float32Array>));
    await writeCheckpoint(dir, {
      config: this.config,
      tokenizer: this.tokenizer.toJSON(),
      names: this.parameters.map((p) => p.name),
      shapes: this.parameters.map((p) => p.variable.shape),
      weights,
      extraFiles: opts.extraFiles,
    });
  }

  numParameters(): number {
    return this.parameters.reduce((a, p) => a + p.variable.size, 0);
  }

  dispose(): void {
    tf.dispose(this.parameters.map((p) => p.variable));
  }

  // ---- the network ---------------------------------------------------------------------

  private mm(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
    return this.customMatMulGrad ? linearFast(x, w) : tf.matMul(x, w);
  }

  private linear(x: tf.Tensor2D, w: tf.Variable, b?: tf.Variable): tf.Tensor2D {
    const y = this.mm(x, w as tf.Tensor2D);
    return b ? (y.add(b) as tf.Tensor2D) : y;
  }

  private static layerNorm(x: tf.Tensor2D, g: tf.Variable, b: tf.Variable): tf.Tensor2D {
    const mean = x.mean(-1, true);
    const xc = x.sub(mean);
    const variance = xc.square().mean(-1, true);
    return xc.mul(variance.add(1e-5).rsqrt()).mul(g).add(b);
  }

  // GELU in its sigmoid form, x * sigmoid(1.702 x): WASM's sigmoid is ~20x faster than its tanh.
  private static gelu(x: tf.Tensor2D): tf.Tensor2D {
    return x.mul(x.mul(1.702).sigmoid());
  }

  /**
   * Runs the blocks over x [B*T, d] (T new positions per row). With `past`, keys/values of
   * earlier positions are prepended (KV cache). `bias` [B|1, 1, T, P+T] is the additive
   * attention mask (causal and padding). Returns the final-norm output [B*T, d] and the
   * full keys/values per layer.
   */
  private blocksForward(x: tf.Tensor2D, B: number, T: number, bias: tf.Tensor, past?: Cache): { h: tf.Tensor2D; cache: Cache } {
    const { dModel: d, nHeads: H } = this.config;
    const hd = d / H;
    const cache: Cache = [];
    this.blocks.forEach((blk, l) => {
      const a = CharGpt.layerNorm(x, blk.ln1g, blk.ln1b);
      // Three 2-D products rather than one fused [d, 3d]: splitting the fused output needs a
      // 5-D transpose or unstack, both ~100x slower than this on WASM.
      const heads = (w: tf.Variable, b?: tf.Variable) =>
        this.linear(a, w, b).reshape([B, T, H, hd]).transpose([0, 2, 1, 3]) as tf.Tensor4D; // [B, H, T, hd]
      const q0 = heads(blk.wq, blk.bq);
      const k0 = heads(blk.wk, blk.bk);
      const v0 = heads(blk.wv, blk.bv);
      const k = past ? tf.concat([past[l].k, k0], 2) : k0; // [B, H, L, hd]
      const v = past ? tf.concat([past[l].v, v0], 2) : v0;
      cache.push({ k, v });
      const L = k.shape[2];
      const q = q0.mul(1 / Math.sqrt(hd)).reshape([B * H, T, hd]);
      const scores = tf
        .matMul(q, k.reshape([B * H, L, hd]), false, true) // [B*H, T, L]
        .reshape([B, H, T, L])
        .add(bias);
      const att = tf.softmax(scores).reshape([B * H, T, L]);
      const y = tf
        .matMul(att, v.reshape([B * H, L, hd])) // [B*H, T, hd]
        .reshape([B, H, T, hd])
        .transpose([0, 2, 1, 3])
        .reshape([B * T, d]) as tf.Tensor2D;
      x = x.add(this.linear(y, blk.wo, blk.bo));
      const f = CharGpt.layerNorm(x, blk.ln2g, blk.ln2b);
      x = x.add(this.linear(CharGpt.gelu(this.linear(f, blk.w1, blk.b1)), blk.w2, blk.b2));
    });
    return { h: CharGpt.layerNorm(x, this.lnfg, this.lnfb), cache };
  }

  /** Logits [B*T, V] for right-padded rows ids [B, T] at positions 0..T-1 (training layout). */
  private logitsFull(ids: number[][]): tf.Tensor2D {
    const B = ids.length;
    const T = ids[0].length;
    const d = this.config.dModel;
    const flat = tf.tensor1d(ids.flat(), 'int32'); // [N]
    const pos = this.wpe.slice([0, 0], [T, d]); // [T, d]
    const x = embed(flat, this.wte as tf.Tensor2D).reshape([B, T, d]).add(pos).reshape([B * T, d]) as tf.Tensor2D;
    const { h } = this.blocksForward(x, B, T, causalBias(T));
    return this.linear(h, this.head);
  }

  /**
   * Logits [T, V] of one unpadded sequence at positions 0..T-1, every product a 2-D
   * un-transposed matMul with an explicit-transpose gradient: per head
   * q_h = a @ Wq[:, h] [T, hd], scores = q_h @ k_h^T [T, T], y_h = P @ v_h [T, hd],
   * out = sum_h y_h @ Wo[h, :]. On WASM a batched [B*H, T, hd] matMul runs at ~1/10 the
   * speed of these (no XNNPACK), and splitting batched tensors per row is slower still.
   */
  private sequenceLogits(ids: number[], w: SplitWeights): tf.Tensor2D {
    const { dModel: d, nHeads: H } = this.config;
    const hd = d / H;
    const T = ids.length;
    let x = embed(tf.tensor1d(ids, 'int32'), this.wte as tf.Tensor2D).add(w.pos(T)) as tf.Tensor2D; // [T, d]
    const causal = causalBias(T).reshape([T, T]);
    this.blocks.forEach((blk, l) => {
      const a = CharGpt.layerNorm(x, blk.ln1g, blk.ln1b);
      let attn: tf.Tensor2D = blk.bo as unknown as tf.Tensor2D;
      for (let h = 0; h < H; h++) {
        const hw = w.heads[l][h];
        const bias = (x: tf.Tensor2D, b?: tf.Tensor1D) => (b ? (x.add(b) as tf.Tensor2D) : x);
        const q = bias(this.mm(a, hw.wq), hw.bq); // [T, hd], already scaled by 1/sqrt(hd)
        const k = bias(this.mm(a, hw.wk), hw.bk); // [T, hd]
        const v = bias(this.mm(a, hw.wv), hw.bv); // [T, hd]
        const att = tf.softmax(this.mm(q, k.transpose()).add(causal)) as tf.Tensor2D; // [T, T]
        attn = attn.add(this.mm(this.mm(att, v), hw.wo)); // [T, d]
      }
      x = x.add(attn);
      const f = CharGpt.layerNorm(x, blk.ln2g, blk.ln2b);
      x = x.add(this.linear(CharGpt.gelu(this.linear(f, blk.w1, blk.b1)), blk.w2, blk.b2));
    });
    return this.linear(CharGpt.layerNorm(x, this.lnfg, this.lnfb), this.head);
  }

  /** Per-head slices of the attention weights, taken once per forward pass (slicing is slow on WASM). */
  private splitWeights(): SplitWeights {
    const { dModel: d, nHeads: H } = this.config;
    const hd = d / H;
    const posCache = new Map<number, tf.Tensor2D>();
    return {
      heads: this.blocks.map((blk) =>
        Array.from({ length: H }, (_, h) => ({
          wq: blk.wq.slice([0, h * hd], [d, hd]).mul(1 / Math.sqrt(hd)) as tf.Tensor2D,
          wk: blk.wk.slice([0, h * hd], [d, hd]) as tf.Tensor2D,
          wv: blk.wv.slice([0, h * hd], [d, hd]) as tf.Tensor2D,
          bq: blk.bq?.slice([h * hd], [hd]).mul(1 / Math.sqrt(hd)) as tf.Tensor1D | undefined,
          bk: blk.bk?.slice([h * hd], [hd]) as tf.Tensor1D | undefined,
          bv: blk.bv?.slice([h * hd], [hd]) as tf.Tensor1D | undefined,
          wo: blk.wo.slice([h * hd, 0], [hd, d]) as tf.Tensor2D,
        })),
      ),
      pos: (T: number) => {
        let p = posCache.get(T);
        if (!p) posCache.set(T, (p = this.wpe.slice([0, 0], [T, d]) as tf.Tensor2D));
        return p;
      },
    };
  }

  // ---- sampling (Decoder for ../generate.ts) ---------------------------------------------

  generate(prompts: number[][], opts: GenerateOptions): Promise<Generation[]> {
    return generate(this, prompts, opts);
  }

  /** Runs left-padded sequences [B, P] through the model: last-position logits [B, V] and the KV cache. */
  prefill(seqs: number[][]): { logits: tf.Tensor2D; cache: Cache } {
    const B = seqs.length;
    const P = Math.max(...seqs.map((s) => s.length));
    const pads = seqs.map((s) => P - s.length);
    return tf.tidy(() => {
      const ids = tf.tensor1d(seqs.flatMap((s, b) => [...new Array(pads[b]).fill(this.tokenizer.pad), ...s]), 'int32');
      const pos = tf.tensor1d(pads.flatMap((pad) => Array.from({ length: P }, (_, j) => Math.max(0, j - pad))), 'int32');
      const x = tf.gather(this.wte, ids).add(tf.gather(this.wpe, pos)) as tf.Tensor2D; // [B*P, d]
      const { h, cache } = this.blocksForward(x, B, P, prefillMask(pads, P, NEG));
      const lastRows = tf.tensor1d(seqs.map((_, b) => b * P + P - 1), 'int32');
      const last = tf.gather(h, lastRows) as tf.Tensor2D; // [B, d]
      return { logits: this.linear(last, this.head), cache };
    });
  }

  /** One decode step: x [B, d] at position P + t - pad, attending to L = P + t + 1 keys. */
  decode(tokens: number[], pads: number[], P: number, t: number, cache: Cache): { logits: tf.Tensor2D; cache: Cache } {
    const B = tokens.length;
    const L = P + t + 1;
    return tf.tidy(() => {
      const bias = decodeMask(pads, L, NEG);
      const pos = tf.tensor1d(pads.map((pad) => P + t - pad), 'int32');
      const x = tf.gather(this.wte, tf.tensor1d(tokens, 'int32')).add(tf.gather(this.wpe, pos)) as tf.Tensor2D;
      const res = this.blocksForward(x, B, 1, bias, cache);
      return { logits: this.linear(res.h, this.head), cache: res.cache };
    });
  }

  keepRows(cache: Cache, rows: number[]): Cache {
    return tf.tidy(() => {
      const keep = tf.tensor1d(rows, 'int32');
      return cache.map(({ k, v }) => ({ k: tf.gather(k, keep), v: tf.gather(v, keep) }));
    });
  }

  disposeCache(cache: Cache): void {
    tf.dispose(cache.flatMap((c) => [c.k, c.v]));
  }

  // ---- training layout -----------------------------------------------------------------

  /** log p(target) and entropy [sum of row lengths] under softmax(logits / T), rows in order. */
  targetLogProbs(rows: TokenRow[], temperature: number): { logp: tf.Tensor1D; entropy: tf.Tensor1D } {
    if (!(temperature > 0)) throw new Error(`temperature must be > 0 for log-probs, got ${temperature}`);
    const T = Math.max(1, ...rows.map((r) => r.input.length));
    const V = this.config.vocabSize;
    const score = (logits: tf.Tensor2D, tgt: number[]) => {
      const lsm = tf.logSoftmax(logits);
      const oh = tf.oneHot(tf.tensor1d(tgt, 'int32'), V).toFloat();
      return { logp: lsm.mul(oh).sum(-1) as tf.Tensor1D, entropy: tf.softmax(logits).mul(lsm).sum(-1).neg() as tf.Tensor1D };
    };
    if (this.perSequenceAt(T)) {
      // per row logp [T_b], concatenated 1-D (cheap to split in the gradient)
      const w = this.splitWeights();
      const parts = rows.map((r) => score(this.sequenceLogits(r.input, w).div(temperature), r.target));
      return { logp: tf.concat(parts.map((p) => p.logp)), entropy: tf.concat(parts.map((p) => p.entropy)) };
    }
    // Right-padded to T; the padding positions are then dropped.
    const padTo = (a: number[]) => [...a, ...new Array(T - a.length).fill(this.tokenizer.pad)];
    const { logp, entropy } = score(this.logitsFull(rows.map((r) => padTo(r.input))).div(temperature), rows.flatMap((r) => padTo(r.target)));
    const keep = tf.tensor1d(rows.flatMap((r, b) => r.input.map((_, t) => b * T + t)), 'int32');
    const unpad = (x: tf.Tensor1D) => gatherRows(x.reshape([-1, 1]), keep).reshape([-1]) as tf.Tensor1D;
    return { logp: unpad(logp), entropy: unpad(entropy) };
  }

  /**
   * Whether a chunk of padded length T trains faster one sequence at a time (auto mode):
   * when the batched attention's extra time, ~12*T^2*d FLOP at ~2.5 GFLOP/s per sequence
   * and layer, exceeds the per-sequence op overhead, ~(25*H + 20) ops * 3 (forward and
   * backward) at ~25 us. Crossover T ~ 120 at d=128, ~170 at d=64 (H=4), as measured.
   */
  private perSequenceAt(T: number): boolean {
    if (this.perSequence !== 'auto') return this.perSequence;
    const { dModel: d, nHeads: H } = this.config;
    return (12 * T * T * d) / 2.5e9 > (25 * H + 20) * 3 * 25e-6;
  }

}

const causalCache = new Map<number, tf.Tensor4D>();
/** [1, 1, T, T]: 0 on and below the diagonal, NEG above. Kept per T (training reuses a few lengths). */
function causalBias(T: number): tf.Tensor4D {
  let b = causalCache.get(T);
  if (!b || b.isDisposed) {
    const m = new Float32Array(T * T);
    for (let i = 0; i < T; i++) m.fill(NEG, i * T + i + 1, (i + 1) * T);
    b = tf.keep(tf.tensor4d(m, [1, 1, T, T]));
    causalCache.set(T, b);
  }
  return b;
}

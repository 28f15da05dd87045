// The policy: a GPT-style causal transformer in TensorFlow.js (token + position
// embeddings, pre-norm blocks of multi-head causal attention and a GELU MLP, final norm,
// output head), with KV-cache sampling, the GRPO token-level loss and supervised warm start.
//
// Shapes: B sequences, T positions, d = dModel, H heads of hd = d / H, V = vocab, N = B*T.
// Written for the WASM backend, whose facts shaped it (measured on 2 cores):
// - its matMul is fast (XNNPACK) only for 2-D un-transposed products, so every weight
//   product is a 2-D [N, in] @ [in, out] whose gradient (linear() below) uses explicit
//   transposes instead of tf's transposed products (halved a training step);
// - tf.gather has no gradient kernel there, so the embedding's gradient is a one-hot matMul;
// - its batched matMul (attention) has no XNNPACK path, so long sequences train one at a
//   time in 2-D products (sequenceLogits) and short ones in padded batches (perSequenceAt);
// - only small things are synced to JS: [B, V] logits per sampling step, scalars per update.
import * as tf from '@tensorflow/tfjs';
import { adamWUpdate, createAdamWState, type AdamWState } from './adamw.js';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { validatePolicyConfig, type PolicyConfig } from './config.js';
import { embed, linearFast, stopGradient } from './ops.js';
import { mixSeed, normals, prng, sampleToken } from './sampling.js';
import { Tokenizer } from './tokenizer.js';

export interface GenerateOptions {
  maxNewTokens: number;
  /** <= 0: greedy. */
  temperature: number;
  topP: number;
  seed: number;
  stopToken: number;
}

export interface Generation {
  /** Sampled tokens, ending with stopToken unless truncated. */
  tokens: number[];
  /** Hit maxNewTokens without emitting stopToken. */
  truncated: boolean;
  /** Per token: log p under softmax(logits / T) (T = 1 when greedy). */
  logProbs: number[];
  /** Per token: entropy of softmax(logits / T), nats. */
  entropy: number[];
}

export interface PgSample {
  prompt: number[];
  response: number[];
  advantage: number;
  /** false: excluded from the loss (overlong filtering). */
  mask: boolean;
  /** Off-policy option: log-probs at sampling time, one per response token (PPO ratio + clip). */
  oldLogProbs?: number[];
}

export interface PgOptions {
  learningRate: number;
  /** PPO clip epsilon; only acts when oldLogProbs are given and differ from the current policy. */
  clipRatio?: number;
  /** Clip the global gradient norm to this. */
  maxGradNorm?: number;
  /** Logits are divided by this before the log-softmax (match the sampling temperature
   *  when oldLogProbs come from generate()); default 1. */
  temperature?: number;
  weightDecay?: number;
}

export interface StepStats {
  loss: number;
  /** Mean entropy of softmax(logits / T) over the unmasked response tokens. */
  entropy: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Unmasked response tokens in the loss. */
  tokens: number;
}

/** One training row: the sequence shifted by one, with a weight per predicted token. */
interface Row {
  input: number[]; // prompt ++ response without its last token
  target: number[]; // the same shifted left by one
  weight: number[]; // per target position; 0 where it is not in the loss
  old?: number[]; // per target position: old log-prob (off-policy), NaN where unused
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

export class Policy {
  /** Set false to use tf's own matMul gradient (benchmark baseline). */
  customMatMulGrad = true;
  /**
   * Training layout: one sequence at a time in 2-D products, or padded batches. On WASM the
   * batched attention matMul runs without XNNPACK (~2.5 vs ~25 GFLOP/s) while the per-sequence
   * layout pays ~H*25 more ops per sequence and layer; measured (CPU s per GRPO step):
   * d=128, 16x256 tokens 2.7 per sequence vs 5.7 batched; d=64, 64x~50 tokens 2.0 vs 0.6.
   * 'auto' (default on WASM/CPU) picks per chunk from its padded length; GPU backends batch.
   */
  perSequence: boolean | 'auto' = ['wasm', 'cpu'].includes(tf.getBackend()) ? 'auto' : false;
  /** Tokens (rows x padded length) per forward/backward chunk; bounds memory, not the result
   *  (4096 per sequence: ~1.9 GB RSS for a 32x130-token step, 1024: ~0.7 GB, same speed). */
  microBatchTokens = 2048;

  private readonly wte: tf.Variable; // [V, d]
  private readonly wpe: tf.Variable; // [C, d]
  private readonly blocks: Block[];
  private readonly lnfg: tf.Variable; // [d]
  private readonly lnfb: tf.Variable; // [d]
  private readonly head: tf.Variable; // [d, V]
  private readonly params: tf.Variable[];
  private readonly names: string[];
  private opt: AdamWState;

  private constructor(
    readonly config: PolicyConfig,
    readonly tokenizer: Tokenizer,
    init: (name: string, shape: number[], kind: 'normal' | 'proj' | 'zeros' | 'ones') => tf.Variable,
  ) {
    const { vocabSize: V, contextLength: C, dModel: d, nLayers, mlpRatio } = config;
    const m = mlpRatio * d;
    this.params = [];
    this.names = [];
    // Parameters are registered in construction order: the checkpoint's tensor order.
    const initAndRegister = init;
    init = (name, shape, kind) => {
      const v = initAndRegister(name, shape, kind);
      this.names.push(name);
      this.params.push(v);
      return v;
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
    this.opt = createAdamWState(this.params);
  }

  /** A freshly initialised policy; the same (config, seed) gives the same weights on every backend. */
  static create(config: PolicyConfig, seed: number, tokenizer: Tokenizer = Tokenizer.characters()): Policy {
    config = validatePolicyConfig({ ...config, qkvBias: config.qkvBias ?? false });
    if (tokenizer.vocabSize > config.vocabSize) {
      throw new Error(`policy config: vocabSize ${config.vocabSize} < tokenizer's ${tokenizer.vocabSize}`);
    }
    let stream = 0;
    const projStd = 0.02 / Math.sqrt(2 * config.nLayers); // residual projections, as GPT-2
    return new Policy(config, tokenizer, (_name, shape, kind) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const rand = prng(mixSeed(seed, stream++));
      const data =
        kind === 'zeros' ? new Float32Array(n)
        : kind === 'ones' ? new Float32Array(n).fill(1)
        : normals(n, kind === 'proj' ? projStd : 0.02, rand);
      return tf.variable(tf.tensor(data, shape), true);
    });
  }

  static async load(dir: string): Promise<Policy> {
    const ck = await readCheckpoint(dir);
    // Checkpoints saved before q/k/v biases were dropped have them but no qkvBias field.
    const qkvBias = ck.config.qkvBias ?? ck.weights.has('h0.attn.bq');
    const config = validatePolicyConfig({ ...ck.config, qkvBias }, `${dir}/manifest.json`);
    const used = new Set<string>();
    const policy = new Policy(config, Tokenizer.fromJSON(ck.tokenizer), (name, shape) => {
      used.add(name);
      const w = ck.weights.get(name);
      if (!w) throw new Error(`${dir}: checkpoint has no tensor '${name}'`);
      if (w.shape.join(',') !== shape.join(',')) {
        throw new Error(`${dir}: tensor '${name}' has shape [${w.shape}], config needs [${shape}]`);
      }
      return tf.variable(tf.tensor(w.data, shape), true);
    });
    const unused = [...ck.weights.keys()].filter((n) => !used.has(n));
    if (unused.length > 0) {
      policy.dispose();
      throw new Error(`${dir}: checkpoint has tensors this policy does not use (${unused.slice(0, 3).join(', ')}): saved by an incompatible version?`);
    }
    if (ck.optimizer) {
      policy.opt.step = ck.optimizer.step;
      policy.names.forEach((name, i) => {
        const m = ck.optimizer!.m.get(name);
        const v = ck.optimizer!.v.get(name);
        if (!m || !v) throw new Error(`${dir}: optimizer state lacks '${name}'`);
        policy.opt.m[i].assign(tf.tensor(m, policy.params[i].shape));
        policy.opt.v[i].assign(tf.tensor(v, policy.params[i].shape));
      });
    }
    return policy;
  }

  /** Weights, config, tokenizer and optimizer state; written to a temp dir, then renamed. */
  async save(dir: string): Promise<void> {
    const read = async (ts: tf.Tensor[]) => Promise.all(ts.map((t) => t.data() as Promise<Float32Array>));
    const [w, m, v] = await Promise.all([read(this.params), read(this.opt.m), read(this.opt.v)]);
    await writeCheckpoint(dir, {
      config: this.config,
      tokenizer: this.tokenizer.toJSON(),
      names: this.names,
      shapes: this.params.map((p) => p.shape),
      weights: w,
      optimizer: { step: this.opt.step, m, v },
    });
  }

  numParameters(): number {
    return this.params.reduce((a, p) => a + p.size, 0);
  }

  dispose(): void {
    tf.dispose([...this.params, ...this.opt.m, ...this.opt.v]);
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
      const a = Policy.layerNorm(x, blk.ln1g, blk.ln1b);
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
      const f = Policy.layerNorm(x, blk.ln2g, blk.ln2b);
      x = x.add(this.linear(Policy.gelu(this.linear(f, blk.w1, blk.b1)), blk.w2, blk.b2));
    });
    return { h: Policy.layerNorm(x, this.lnfg, this.lnfb), cache };
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
      const a = Policy.layerNorm(x, blk.ln1g, blk.ln1b);
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
      const f = Policy.layerNorm(x, blk.ln2g, blk.ln2b);
      x = x.add(this.linear(Policy.gelu(this.linear(f, blk.w1, blk.b1)), blk.w2, blk.b2));
    });
    return this.linear(Policy.layerNorm(x, this.lnfg, this.lnfb), this.head);
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

  // ---- sampling --------------------------------------------------------------------------

  /**
   * Samples a response per prompt, all prompts batched, with a KV cache. Prompts are
   * left-padded to a common length (padding keys masked, positions counted from each
   * prompt's own start), so the logits equal the unpadded full recompute.
   * `kvCache: false` recomputes every prefix at every step (the benchmark's baseline).
   */
  async generate(prompts: number[][], opts: GenerateOptions & { kvCache?: boolean }): Promise<Generation[]> {
    const { contextLength: C, vocabSize: V } = this.config;
    if (prompts.length === 0) return [];
    const P = Math.max(...prompts.map((p) => p.length));
    if (prompts.some((p) => p.length === 0)) throw new Error('generate: every prompt needs at least one token (e.g. bos)');
    if (P + opts.maxNewTokens > C) {
      throw new Error(`generate: longest prompt (${P}) + maxNewTokens (${opts.maxNewTokens}) exceeds contextLength ${C}`);
    }
    const useCache = opts.kvCache ?? true;
    const out: Generation[] = prompts.map(() => ({ tokens: [], truncated: true, logProbs: [], entropy: [] }));
    const rands = prompts.map((_, i) => prng(mixSeed(opts.seed, i)));
    const padOf = prompts.map((p) => P - p.length);
    let rows = prompts.map((_, i) => i); // original index of each live batch row
    let { logits, cache } = this.prefill(prompts);
    if (!useCache) cache = disposeCache(cache);

    try {
      for (let t = 0; t < opts.maxNewTokens; t++) {
        const data = (await logits.data()) as Float32Array; // [B, V]
        logits.dispose();
        const next: number[] = [];
        const alive: number[] = []; // batch rows still generating
        rows.forEach((orig, r) => {
          const g = out[orig];
          if (!g.truncated) return next.push(opts.stopToken); // finished, kept in the batch until compaction
          const s = sampleToken(data, r * V, V, opts.temperature, opts.topP, rands[orig]);
          g.tokens.push(s.token);
          g.logProbs.push(s.logProb);
          g.entropy.push(s.entropy);
          if (s.token === opts.stopToken) g.truncated = false;
          else alive.push(r);
          next.push(s.token);
        });
        if (alive.length === 0 || t === opts.maxNewTokens - 1) break;
        if (!useCache) {
          rows = alive.map((r) => rows[r]);
          ({ logits, cache } = this.prefill(rows.map((orig) => [...prompts[orig], ...out[orig].tokens])));
          cache = disposeCache(cache);
          continue;
        }
        // Drop finished rows from the batch once they are a quarter of it: decoding cost is per row.
        let tokens = next;
        if (alive.length <= rows.length * 0.75) {
          const keep = tf.tensor1d(alive, 'int32');
          const old = cache;
          cache = old.map(({ k, v }) => ({ k: tf.gather(k, keep), v: tf.gather(v, keep) }));
          keep.dispose();
          disposeCache(old);
          tokens = alive.map((r) => next[r]);
          rows = alive.map((r) => rows[r]);
        }
        // One decode step: x [B, d] at position P + t - pad, attending to L = P + t + 1 keys.
        const B = rows.length;
        const L = P + t + 1;
        const step = tf.tidy(() => {
          const m = new Float32Array(B * L);
          rows.forEach((orig, b) => m.fill(NEG, b * L, b * L + padOf[orig]));
          const bias = tf.tensor4d(m, [B, 1, 1, L]);
          const pos = tf.tensor1d(rows.map((orig) => P + t - padOf[orig]), 'int32');
          const x = tf.gather(this.wte, tf.tensor1d(tokens, 'int32')).add(tf.gather(this.wpe, pos)) as tf.Tensor2D;
          const res = this.blocksForward(x, B, 1, bias, cache);
          return { logits: this.linear(res.h, this.head), cache: res.cache };
        });
        disposeCache(cache);
        cache = step.cache;
        logits = step.logits;
      }
    } finally {
      logits.dispose();
      disposeCache(cache);
    }
    return out;
  }

  /** Runs left-padded sequences [B, P] through the model: last-position logits [B, V] and the KV cache. */
  private prefill(seqs: number[][]): { logits: tf.Tensor2D; cache: Cache } {
    const B = seqs.length;
    const P = Math.max(...seqs.map((s) => s.length));
    const pads = seqs.map((s) => P - s.length);
    const m = new Float32Array(B * P * P); // [B, 1, P, P]: causal, and no attending to padding
    pads.forEach((pad, b) => {
      for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) m[(b * P + i) * P + j] = j <= i && j >= pad ? 0 : NEG;
    });
    return tf.tidy(() => {
      const ids = tf.tensor1d(seqs.flatMap((s, b) => [...new Array(pads[b]).fill(this.tokenizer.pad), ...s]), 'int32');
      const pos = tf.tensor1d(pads.flatMap((pad) => Array.from({ length: P }, (_, j) => Math.max(0, j - pad))), 'int32');
      const x = tf.gather(this.wte, ids).add(tf.gather(this.wpe, pos)) as tf.Tensor2D; // [B*P, d]
      const { h, cache } = this.blocksForward(x, B, P, tf.tensor4d(m, [B, 1, P, P]));
      const lastRows = tf.tensor1d(seqs.map((_, b) => b * P + P - 1), 'int32');
      const last = tf.gather(h, lastRows) as tf.Tensor2D; // [B, d]
      return { logits: this.linear(last, this.head), cache };
    });
  }

  // ---- losses and updates --------------------------------------------------------------

  /** Per-token log p(response token) under softmax(logits / T), T = opts.temperature ?? 1. */
  async tokenLogProbs(samples: { prompt: number[]; response: number[] }[], opts: { temperature?: number } = {}): Promise<number[][]> {
    const rows = samples.map((s) => this.toRow(s.prompt, s.response, 1));
    const out: number[][] = samples.map(() => []);
    for (const chunk of this.chunks(rows)) {
      const { ids, tgt, offsets, perSequence } = this.pad(chunk.map((i) => rows[i]));
      const lp = tf.tidy(() => this.targetLogProbs(ids, tgt, opts.temperature ?? 1, perSequence).logp);
      const data = (await lp.data()) as Float32Array;
      lp.dispose();
      chunk.forEach((i, r) => {
        const start = samples[i].prompt.length - 1;
        out[i] = Array.from(data.subarray(offsets[r] + start, offsets[r] + start + samples[i].response.length));
      });
    }
    return out;
  }

  /**
   * One GRPO update, token-level as in DAPO: loss = -(1 / n) * sum over unmasked response
   * tokens t of sample i of A_i * ratio_t, n = number of those tokens in the whole batch.
   * On-policy (no oldLogProbs) ratio = exp(logp - sg(logp)) = 1, so only grad logp acts;
   * with oldLogProbs ratio = exp(logp - old), PPO-clipped when clipRatio is set. No KL,
   * no entropy bonus. One optimizer step per call.
   */
  async policyGradientStep(samples: PgSample[], opts: PgOptions): Promise<StepStats> {
    const n = samples.reduce((a, s) => a + (s.mask ? s.response.length : 0), 0);
    const rows = samples.map((s, i) => {
      if (s.oldLogProbs && s.oldLogProbs.length !== s.response.length) {
        throw new Error(`policyGradientStep: sample ${i} has ${s.oldLogProbs.length} oldLogProbs for ${s.response.length} response tokens`);
      }
      return this.toRow(s.prompt, s.response, s.mask && n > 0 ? s.advantage / n : 0, s.oldLogProbs);
    });
    const T = opts.temperature ?? 1;
    const eps = opts.clipRatio;
    return this.update(rows, n, opts, (logp, w, old) => {
      // ratio [N]: exp(logp - old) where old is known, else exp(logp - sg(logp)) (= 1).
      const sg = stopGradient(logp);
      const base = old ? tf.where(old.isNaN(), sg, old) : sg;
      const ratio = logp.sub(base).exp();
      let obj = ratio.mul(w); // w = A_i / n per token
      if (eps !== undefined) obj = tf.minimum(obj, ratio.clipByValue(1 - eps, 1 + eps).mul(w));
      return obj.sum().neg() as tf.Scalar;
    }, T);
  }

  /** Cross-entropy on target tokens only, mean over all target tokens of the batch. */
  async supervisedStep(samples: { prompt: number[]; target: number[] }[], opts: { learningRate: number; maxGradNorm?: number; weightDecay?: number }): Promise<{ loss: number }> {
    const n = samples.reduce((a, s) => a + s.target.length, 0);
    const rows = samples.map((s) => this.toRow(s.prompt, s.target, n > 0 ? 1 / n : 0));
    const { loss } = await this.update(rows, n, opts, (logp, w) => logp.mul(w).sum().neg() as tf.Scalar, 1);
    return { loss };
  }

  /** Gradients of sum(lossOf) accumulated over chunks, then one clipped AdamW step. */
  private async update(
    rows: Row[],
    n: number,
    opts: { learningRate: number; maxGradNorm?: number; weightDecay?: number },
    lossOf: (logp: tf.Tensor1D, w: tf.Tensor1D, old?: tf.Tensor1D) => tf.Scalar,
    temperature: number,
  ): Promise<StepStats> {
    let grads: tf.Tensor[] | null = null;
    let loss = 0;
    let entropySum = 0;
    for (const chunk of this.chunks(rows)) {
      const part = chunk.map((i) => rows[i]);
      if (part.every((r) => r.weight.every((w) => w === 0))) continue; // nothing to learn from
      const { ids, tgt, w, old, perSequence } = this.pad(part);
      let ent: tf.Scalar | null = null;
      const { value, grads: g } = tf.variableGrads(() => {
        const { logp, entropy } = this.targetLogProbs(ids, tgt, temperature, perSequence);
        const wt = tf.tensor1d(w);
        ent = tf.keep(entropy.mul(wt.notEqual(0).toFloat()).sum() as tf.Scalar);
        return lossOf(logp, wt, old ? tf.tensor1d(old) : undefined);
      }, this.params);
      loss += (await value.data())[0];
      entropySum += (await ent!.data())[0];
      tf.dispose([value, ent!]);
      const list = this.params.map((p) => g[p.name]);
      if (grads === null) grads = list;
      else {
        const prev: tf.Tensor[] = grads;
        grads = prev.map((a, i) => a.add(list[i]));
        tf.dispose([...prev, ...list]);
      }
    }
    if (grads === null) return { loss: 0, entropy: 0, gradNorm: 0, tokens: n };
    const normT = tf.tidy(() => tf.addN(grads!.map((g) => g.square().sum())).sqrt());
    const gradNorm = (await normT.data())[0];
    normT.dispose();
    const scale = opts.maxGradNorm !== undefined && gradNorm > opts.maxGradNorm ? opts.maxGradNorm / (gradNorm + 1e-6) : 1;
    if (scale !== 1) {
      const prev = grads;
      grads = prev.map((g) => g.mul(scale));
      tf.dispose(prev);
    }
    adamWUpdate(this.params, grads, this.opt, { learningRate: opts.learningRate, weightDecay: opts.weightDecay });
    tf.dispose(grads);
    return { loss, entropy: n > 0 ? entropySum / n : 0, gradNorm, tokens: n };
  }

  /** logp [N] of each target under softmax(logits / T), and entropy [N] of that softmax. */
  private targetLogProbs(ids: number[][], tgt: number[], temperature: number, perSequence: boolean): { logp: tf.Tensor1D; entropy: tf.Tensor1D } {
    if (!(temperature > 0)) throw new Error(`temperature must be > 0 for log-probs, got ${temperature}`);
    if (perSequence) {
      // ids unpadded; per row logp [T_b], concatenated 1-D (cheap to split in the gradient)
      const w = this.splitWeights();
      let o = 0;
      const parts = ids.map((row) => {
        const logits = this.sequenceLogits(row, w).div(temperature);
        const lsm = tf.logSoftmax(logits);
        const oh = tf.oneHot(tf.tensor1d(tgt.slice(o, (o += row.length)), 'int32'), this.config.vocabSize).toFloat();
        return { logp: lsm.mul(oh).sum(-1) as tf.Tensor1D, entropy: tf.softmax(logits).mul(lsm).sum(-1).neg() as tf.Tensor1D };
      });
      return { logp: tf.concat(parts.map((p) => p.logp)), entropy: tf.concat(parts.map((p) => p.entropy)) };
    }
    const logits = this.logitsFull(ids).div(temperature); // [N, V]
    const lsm = tf.logSoftmax(logits); // [N, V]
    const oh = tf.oneHot(tf.tensor1d(tgt, 'int32'), this.config.vocabSize).toFloat(); // [N, V]
    const logp = lsm.mul(oh).sum(-1) as tf.Tensor1D;
    const entropy = tf.softmax(logits).mul(lsm).sum(-1).neg() as tf.Tensor1D;
    return { logp, entropy };
  }

  private toRow(prompt: number[], response: number[], weight: number, old?: number[]): Row {
    if (prompt.length === 0) throw new Error('every prompt needs at least one token (e.g. bos)');
    const seq = [...prompt, ...response];
    if (seq.length > this.config.contextLength) {
      throw new Error(`sequence of ${seq.length} tokens exceeds contextLength ${this.config.contextLength}`);
    }
    const k = prompt.length - 1; // first target position that predicts a response token
    const w = new Array(seq.length - 1).fill(0);
    for (let t = 0; t < response.length; t++) w[k + t] = weight;
    let o: number[] | undefined;
    if (old) {
      o = new Array(seq.length - 1).fill(NaN);
      for (let t = 0; t < response.length; t++) o[k + t] = old[t];
    }
    return { input: seq.slice(0, -1), target: seq.slice(1), weight: w, old: o };
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

  /** Row indices grouped by similar length into chunks of at most microBatchTokens padded tokens. */
  private chunks(rows: Row[]): number[][] {
    const order = rows.map((_, i) => i).sort((a, b) => rows[a].input.length - rows[b].input.length || a - b);
    const out: number[][] = [];
    let cur: number[] = [];
    for (const i of order) {
      const len = Math.max(1, rows[i].input.length);
      if (cur.length > 0 && (cur.length + 1) * len > this.microBatchTokens) {
        out.push(cur);
        cur = [];
      }
      cur.push(i);
    }
    if (cur.length) out.push(cur);
    return out;
  }

  /** Right-pads rows to a common T; flat per-position arrays of length B*T. */
  private pad(rows: Row[]): { ids: number[][]; tgt: number[]; w: number[]; old?: number[]; T: number; offsets: number[]; perSequence: boolean } {
    const anyOld = rows.some((r) => r.old);
    const T = Math.max(1, ...rows.map((r) => r.input.length));
    if (this.perSequenceAt(T)) {
      const offsets: number[] = [];
      let o = 0;
      for (const r of rows) offsets.push((o += r.input.length) - r.input.length);
      return {
        ids: rows.map((r) => r.input),
        tgt: rows.flatMap((r) => r.target),
        w: rows.flatMap((r) => r.weight),
        old: anyOld ? rows.flatMap((r) => r.old ?? new Array(r.input.length).fill(NaN)) : undefined,
        T,
        offsets,
        perSequence: true,
      };
    }
    const padTo = (a: number[], v: number) => [...a, ...new Array(T - a.length).fill(v)];
    return {
      ids: rows.map((r) => padTo(r.input, this.tokenizer.pad)),
      tgt: rows.flatMap((r) => padTo(r.target, this.tokenizer.pad)),
      w: rows.flatMap((r) => padTo(r.weight, 0)),
      // NaN = no old log-prob (on-policy row or padding): the loss uses sg(logp) there.
      old: anyOld ? rows.flatMap((r) => padTo(r.old ?? new Array(r.input.length).fill(NaN), NaN)) : undefined,
      T,
      offsets: rows.map((_, i) => i * T),
      perSequence: false,
    };
  }
}

function disposeCache(cache: Cache): Cache {
  tf.dispose(cache.flatMap((c) => [c.k, c.v]));
  return [];
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

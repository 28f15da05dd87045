// A Llama-family decoder in TensorFlow.js, written after transformers' modeling_llama /
// modeling_qwen2 / modeling_qwen3: token embedding, per layer RMSNorm -> q/k/v projections
// (Qwen2: with biases; Qwen3: RMSNorm of q and k per head) -> rotate-half RoPE -> causal
// grouped-query attention -> o_proj, residual, RMSNorm -> SwiGLU MLP, residual; final RMSNorm;
// output head (the embedding table when tied).
//
// Shapes: N tokens of several sequences packed end to end, d = hidden, H query heads and KV
// key/value heads of hd = headDim, rep = H / KV query heads per key/value head, V = vocab.
// Written for WASM's facts (see ../policy.ts): every weight product is a 2-D un-transposed
// [N, in] @ [in, out] (weights are kept [in, out], transposed from HF's [out, in]), attention
// runs per sequence and per key/value head as 2-D products ([rep*T, hd] @ [hd, T]: the rep
// query heads that share a key/value head are stacked as rows, so keys are never repeated),
// and the embedding's gradient is a scatter-add, not a one-hot product over 152K rows.
import * as tf from '@tensorflow/tfjs';
import { decodeMask, type Decoder } from '../generate.js';
import { gatherRows, linearFast, recomputedInBackward } from '../ops.js';
import { vocabLogProbs } from '../vocab-head.js';
import { expectedTensors, ropeInverseFrequencies, type HfModelConfig } from './config.js';

/** What the network needs of a config.json (benches build it by hand for random models). */
export type DecoderSpec = Omit<HfModelConfig, 'dir' | 'file' | 'raw' | 'bosTokenId' | 'eosTokenIds' | 'dtype'>;

/** Linear weights are kept as [in, out] (x @ W is the fast product on WASM); HF stores [out, in]. */
export function isLinearWeight(name: string): boolean {
  return /_proj\.weight$/.test(name);
}

/** One layer's weights: its variables, or in a recomputed backward pass the same as arguments. */
interface Layer {
  inNorm: tf.Tensor; // [d]
  wq: tf.Tensor; wk: tf.Tensor; wv: tf.Tensor; // [d, H*hd], [d, KV*hd], [d, KV*hd]
  bq?: tf.Tensor; bk?: tf.Tensor; bv?: tf.Tensor;
  qNorm?: tf.Tensor; kNorm?: tf.Tensor; // [hd]
  wo: tf.Tensor; bo?: tf.Tensor; // [H*hd, d]
  postNorm: tf.Tensor; // [d]
  wg: tf.Tensor; wu: tf.Tensor; wd: tf.Tensor; // [d, I], [d, I], [I, d]
  bg?: tf.Tensor; bu?: tf.Tensor; bd?: tf.Tensor;
}

/** Per layer: keys (after RoPE) and values of every position so far, [B, KV, L, hd]. */
export type KvCache = { k: tf.Tensor4D; v: tf.Tensor4D }[];

const NEG = -1e9; // additive mask; finite so a fully masked row softmaxes to uniform, not NaN

/** Cos and sin of RoPE for each position, [n, hd] each (emb = cat(freqs, freqs), as HF). */
function ropeTables(positions: number[], invFreq: Float64Array): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const half = invFreq.length;
  const hd = 2 * half;
  const c = new Float32Array(positions.length * hd);
  const s = new Float32Array(positions.length * hd);
  positions.forEach((p, n) => {
    for (let i = 0; i < half; i++) {
      const a = p * invFreq[i];
      c[n * hd + i] = c[n * hd + half + i] = Math.cos(a);
      s[n * hd + i] = s[n * hd + half + i] = Math.sin(a);
    }
  });
  return { cos: tf.tensor2d(c, [positions.length, hd]), sin: tf.tensor2d(s, [positions.length, hd]) };
}

export class DecoderNetwork implements Decoder<KvCache> {
  readonly vocabSize: number;
  readonly contextLength: number;
  private readonly invFreq: Float64Array;
  /** Parameters in HF's tensor order, under HF's names (Linear weights held transposed). */
  readonly parameters: { name: string; variable: tf.Variable }[] = [];
  private readonly embed: tf.Variable; // [V, d]
  private readonly layers: Layer[] = [];
  private readonly finalNorm: tf.Variable; // [d]
  private readonly lmHead: tf.Variable | null; // [V, d] when untied
  /** The head as [d, V] for sampling, made once per generate() call. */
  private headT: tf.Tensor2D | null = null;

  /**
   * `load(name, shape)` gives each tensor's values in HF's layout ([out, in] for Linear weights);
   * they are transposed here once.
   */
  constructor(
    readonly spec: DecoderSpec,
    load: (name: string, hfShape: number[]) => Float32Array,
  ) {
    this.vocabSize = spec.vocabSize;
    this.contextLength = spec.maxPositionEmbeddings;
    this.invFreq = ropeInverseFrequencies(spec);
    const vars = new Map<string, tf.Variable>();
    for (const { name, shape } of expectedTensors(spec)) {
      const data = load(name, shape);
      const t = tf.tidy(() => {
        const x = tf.tensor(data, shape);
        return isLinearWeight(name) ? tf.transpose(x) : x;
      });
      const v = tf.variable(t, true); // unnamed: tf names are global, and two models of one checkpoint can be loaded at once
      t.dispose();
      vars.set(name, v);
      this.parameters.push({ name, variable: v });
    }
    const get = (n: string) => vars.get(n)!;
    const opt = (n: string) => vars.get(n);
    this.embed = get('model.embed_tokens.weight');
    for (let l = 0; l < spec.numLayers; l++) {
      const p = `model.layers.${l}.`;
      const a = p + 'self_attn.';
      const m = p + 'mlp.';
      this.layers.push({
        inNorm: get(p + 'input_layernorm.weight'),
        wq: get(a + 'q_proj.weight'), wk: get(a + 'k_proj.weight'), wv: get(a + 'v_proj.weight'),
        bq: opt(a + 'q_proj.bias'), bk: opt(a + 'k_proj.bias'), bv: opt(a + 'v_proj.bias'),
        qNorm: opt(a + 'q_norm.weight'), kNorm: opt(a + 'k_norm.weight'),
        wo: get(a + 'o_proj.weight'), bo: opt(a + 'o_proj.bias'),
        postNorm: get(p + 'post_attention_layernorm.weight'),
        wg: get(m + 'gate_proj.weight'), wu: get(m + 'up_proj.weight'), wd: get(m + 'down_proj.weight'),
        bg: opt(m + 'gate_proj.bias'), bu: opt(m + 'up_proj.bias'), bd: opt(m + 'down_proj.bias'),
      });
    }
    this.finalNorm = get('model.norm.weight');
    this.lmHead = spec.tieWordEmbeddings ? null : get('lm_head.weight');
  }

  /** Each parameter's current values in HF's layout, for saving. */
  async *hfTensors(): AsyncGenerator<{ name: string; shape: number[]; data: Float32Array }> {
    for (const { name, variable } of this.parameters) {
      const t = isLinearWeight(name) ? tf.transpose(variable) : variable;
      const data = (await t.data()) as Float32Array;
      const shape = t.shape;
      if (t !== variable) t.dispose();
      yield { name, shape, data };
    }
  }

  dispose(): void {
    this.headT?.dispose();
    tf.dispose(this.parameters.map((p) => p.variable));
  }

  // ---- the network ---------------------------------------------------------------------

  private rmsNorm(x: tf.Tensor2D, w: tf.Tensor): tf.Tensor2D {
    return x.mul(x.square().mean(-1, true).add(this.spec.rmsNormEps).rsqrt()).mul(w) as tf.Tensor2D;
  }

  private static linear(x: tf.Tensor2D, w: tf.Tensor, b?: tf.Tensor): tf.Tensor2D {
    const y = linearFast(x, w as tf.Tensor2D);
    return b ? (y.add(b) as tf.Tensor2D) : y;
  }

  /** rotate_half(x) = cat(-x2, x1) on the last axis; x [n, heads, hd], cos/sin [n, hd]. */
  private static rope(x: tf.Tensor3D, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor3D {
    const [n, heads, hd] = x.shape;
    const half = hd / 2;
    const x1 = x.slice([0, 0, 0], [n, heads, half]);
    const x2 = x.slice([0, 0, half], [n, heads, half]);
    const rotated = tf.concat([x2.neg(), x1], 2);
    return x.mul(cos.reshape([n, 1, hd])).add(rotated.mul(sin.reshape([n, 1, hd]))) as tf.Tensor3D;
  }

  /** q, k, v of one layer for x [n, d] at the given RoPE tables: [n, H, hd], [n, KV, hd] x 2. */
  private qkv(x: tf.Tensor2D, L: Layer, cos: tf.Tensor2D, sin: tf.Tensor2D): { q: tf.Tensor3D; k: tf.Tensor3D; v: tf.Tensor3D } {
    const { numHeads: H, numKvHeads: KV, headDim: hd } = this.spec;
    const n = x.shape[0];
    const a = this.rmsNorm(x, L.inNorm);
    let q = DecoderNetwork.linear(a, L.wq, L.bq);
    let k = DecoderNetwork.linear(a, L.wk, L.bk);
    const v = DecoderNetwork.linear(a, L.wv, L.bv).reshape([n, KV, hd]) as tf.Tensor3D;
    if (L.qNorm && L.kNorm) {
      q = this.rmsNorm(q.reshape([n * H, hd]), L.qNorm);
      k = this.rmsNorm(k.reshape([n * KV, hd]), L.kNorm);
    }
    return {
      q: DecoderNetwork.rope(q.reshape([n, H, hd]) as tf.Tensor3D, cos, sin),
      k: DecoderNetwork.rope(k.reshape([n, KV, hd]) as tf.Tensor3D, cos, sin),
      v,
    };
  }

  private mlpBlock(x: tf.Tensor2D, L: Layer): tf.Tensor2D {
    const m = this.rmsNorm(x, L.postNorm);
    const g = DecoderNetwork.linear(m, L.wg, L.bg);
    const u = DecoderNetwork.linear(m, L.wu, L.bu);
    return x.add(DecoderNetwork.linear(g.mul(g.sigmoid()).mul(u) as tf.Tensor2D, L.wd, L.bd)) as tf.Tensor2D;
  }

  /**
   * Causal attention over packed sequences (lengths `lens`, end to end), one 2-D product pair per
   * sequence and key/value head. q [N, H, hd], k/v [N, KV, hd] -> [N, H*hd].
   */
  private attendPacked(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, lens: number[]): tf.Tensor2D {
    const { numHeads: H, numKvHeads: KV, headDim: hd } = this.spec;
    const rep = H / KV;
    const scale = 1 / Math.sqrt(hd);
    const outs: tf.Tensor3D[] = [];
    let o = 0;
    for (const T of lens) {
      const mask = causalMask(T);
      const groups: tf.Tensor3D[] = [];
      for (let g = 0; g < KV; g++) {
        const qg = q.slice([o, g * rep, 0], [T, rep, hd]).transpose([1, 0, 2]).reshape([rep * T, hd]).mul(scale) as tf.Tensor2D;
        const kg = k.slice([o, g, 0], [T, 1, hd]).reshape([T, hd]) as tf.Tensor2D;
        const vg = v.slice([o, g, 0], [T, 1, hd]).reshape([T, hd]) as tf.Tensor2D;
        const scores = linearFast(qg, tf.transpose(kg)).reshape([rep, T, T]).add(mask); // causal per stacked head
        const att = tf.softmax(scores).reshape([rep * T, T]) as tf.Tensor2D;
        groups.push(linearFast(att, vg).reshape([rep, T, hd]).transpose([1, 0, 2]) as tf.Tensor3D); // [T, rep, hd]
      }
      outs.push(groups.length === 1 ? groups[0] : (tf.concat(groups, 1) as tf.Tensor3D));
      o += T;
    }
    const y = outs.length === 1 ? outs[0] : tf.concat(outs, 0);
    return y.reshape([o, H * hd]) as tf.Tensor2D;
  }

  /** One layer over packed rows, x [N, d] -> [N, d] (and its keys and values, for a cache). */
  private layer(x: tf.Tensor2D, L: Layer, cos: tf.Tensor2D, sin: tf.Tensor2D, lens: number[]): { x: tf.Tensor2D; k: tf.Tensor3D; v: tf.Tensor3D } {
    const { q, k, v } = this.qkv(x, L, cos, sin);
    x = x.add(DecoderNetwork.linear(this.attendPacked(q, k, v, lens), L.wo, L.bo)) as tf.Tensor2D;
    return { x: this.mlpBlock(x, L), k, v };
  }

  /**
   * The same layer, keeping only its input for the backward pass, which recomputes the layer's
   * activations: a layer of 16 x 256 tokens keeps ~1 GB for its gradient (measured ~320 KB per
   * token at SmolLM2-135M's width), 30 layers would not fit WASM's 2 GB heap; recomputing costs
   * one more forward pass.
   */
  private checkpointedLayer(x: tf.Tensor2D, l: number, positions: number[], lens: number[]): tf.Tensor2D {
    const names = LAYER_FIELDS.filter((f) => this.layers[l][f] !== undefined);
    const weights = names.map((f) => this.layers[l][f]!);
    const asLayer = (ws: tf.Tensor[]) => Object.fromEntries(names.map((f, i) => [f, ws[i]])) as unknown as Layer;
    const run = (xIn: tf.Tensor2D, ws: tf.Tensor[]) => {
      const { cos, sin } = ropeTables(positions, this.invFreq);
      return this.layer(xIn, asLayer(ws), cos, sin, lens).x;
    };
    return recomputedInBackward(run)(x, weights);
  }

  /**
   * Final hidden states [N, d] of sequences packed end to end (each from position 0), and,
   * when asked, each layer's keys (after RoPE) and values, [N, KV, hd]. `checkpoint` trades one
   * more forward pass in the backward for keeping one [N, d] tensor per layer instead of all;
   * `inference` (nothing will be differentiated) frees each layer's intermediates as it goes.
   */
  forwardPacked(seqs: number[][], opts: { keepKv?: boolean; checkpoint?: boolean; inference?: boolean } = {}): { h: tf.Tensor2D; kv: { k: tf.Tensor3D; v: tf.Tensor3D }[] } {
    const lens = seqs.map((s) => s.length);
    const positions = seqs.flatMap((s) => s.map((_, t) => t));
    let x = gatherRows(this.embed as tf.Tensor2D, tf.tensor1d(seqs.flat(), 'int32'));
    const kv: { k: tf.Tensor3D; v: tf.Tensor3D }[] = [];
    if (opts.checkpoint && !opts.keepKv) {
      for (let l = 0; l < this.layers.length; l++) x = this.checkpointedLayer(x, l, positions, lens);
    } else {
      const { cos, sin } = ropeTables(positions, this.invFreq);
      for (const L of this.layers) {
        if (opts.inference) {
          // Nothing will be differentiated: let each layer's intermediates go as soon as it is
          // done, instead of at the caller's tidy (a 16 x 32-token prefill held 1.3 GB of them,
          // and the WASM heap never gives back what it grew to).
          const input = x;
          const [next, k, v] = tf.tidy(() => {
            const out = this.layer(input, L, cos, sin, lens);
            return opts.keepKv ? [out.x, out.k, out.v] : [out.x];
          });
          if (opts.keepKv) kv.push({ k: k as tf.Tensor3D, v: v as tf.Tensor3D });
          input.dispose();
          x = next as tf.Tensor2D;
          continue;
        }
        const out = this.layer(x, L, cos, sin, lens);
        if (opts.keepKv) kv.push({ k: out.k, v: out.v });
        x = out.x;
      }
    }
    return { h: this.rmsNorm(x, this.finalNorm), kv };
  }

  /** The output head as stored: [V, d] (the embedding table when tied). */
  get headWeight(): tf.Tensor2D {
    return (this.lmHead ?? this.embed) as tf.Tensor2D;
  }

  /** log p(target) and entropy per position of packed rows (training layout). */
  targetLogProbs(
    rows: { input: number[]; target: number[] }[],
    temperature: number,
    opts: { checkpoint?: boolean; inference?: boolean } = {},
  ): { logp: tf.Tensor1D; entropy: tf.Tensor1D } {
    // Checkpointing only matters when there will be a backward pass.
    const { h } = this.forwardPacked(rows.map((r) => r.input), opts.inference ? { inference: true } : { checkpoint: opts.checkpoint });
    return vocabLogProbs(h, this.headWeight, rows.flatMap((r) => r.target), temperature);
  }

  // ---- sampling (Decoder for ../generate.ts) ---------------------------------------------

  /** Call around a generate(): the [d, V] head for per-step logits, made once. */
  beginSampling(): void {
    this.headT ??= tf.keep(tf.transpose(this.headWeight));
  }

  endSampling(): void {
    this.headT?.dispose();
    this.headT = null;
  }

  private logitsOf(h: tf.Tensor2D): tf.Tensor2D {
    if (!this.headT) throw new Error('DecoderNetwork: sampling outside beginSampling()/endSampling()');
    return tf.matMul(h, this.headT);
  }

  prefill(prompts: number[][]): { logits: tf.Tensor2D; cache: KvCache } {
    const { numKvHeads: KV, headDim: hd } = this.spec;
    const B = prompts.length;
    const P = Math.max(...prompts.map((p) => p.length));
    // Identical prompts (a GRPO group) run once; their cache rows are copies.
    const unique = new Map<string, number>();
    const seqs: number[][] = [];
    const which = prompts.map((p) => {
      const key = p.join(',');
      let u = unique.get(key);
      if (u === undefined) unique.set(key, (u = seqs.push(p) - 1));
      return u;
    });
    const starts: number[] = [];
    let N = 0;
    for (const s of seqs) {
      starts.push(N);
      N += s.length;
    }
    return tf.tidy(() => {
      const { h, kv } = this.forwardPacked(seqs, { keepKv: true, inference: true });
      // Left-padded cache rows: index N is an appended zero row standing for padding.
      const idx = new Int32Array(B * P);
      prompts.forEach((p, b) => {
        const pad = P - p.length;
        for (let j = 0; j < P; j++) idx[b * P + j] = j < pad ? N : starts[which[b]] + j - pad;
      });
      const gatherIdx = tf.tensor1d(idx, 'int32');
      const toCache = (x: tf.Tensor3D) =>
        tf.gather(tf.concat([x, tf.zeros([1, KV, hd])], 0), gatherIdx).reshape([B, P, KV, hd]).transpose([0, 2, 1, 3]) as tf.Tensor4D;
      const cache = kv.map(({ k, v }) => ({ k: toCache(k), v: toCache(v) }));
      const last = tf.gather(h, tf.tensor1d(prompts.map((p, b) => starts[which[b]] + p.length - 1), 'int32')) as tf.Tensor2D;
      return { logits: this.logitsOf(last), cache };
    });
  }

  decode(tokens: number[], pads: number[], P: number, t: number, cache: KvCache): { logits: tf.Tensor2D; cache: KvCache } {
    const { numHeads: H, numKvHeads: KV, headDim: hd } = this.spec;
    const rep = H / KV;
    const B = tokens.length;
    const L = P + t + 1;
    return tf.tidy(() => {
      const { cos, sin } = ropeTables(pads.map((pad) => P + t - pad), this.invFreq);
      const mask = decodeMask(pads, L, NEG);
      let x = tf.gather(this.embed, tf.tensor1d(tokens, 'int32')) as tf.Tensor2D; // [B, d]
      const next: KvCache = [];
      this.layers.forEach((layer, l) => {
        const { q, k, v } = this.qkv(x, layer, cos, sin);
        const K = tf.concat([cache[l].k, k.reshape([B, KV, 1, hd])], 2) as tf.Tensor4D; // [B, KV, L, hd]
        const Vv = tf.concat([cache[l].v, v.reshape([B, KV, 1, hd])], 2) as tf.Tensor4D;
        next.push({ k: K, v: Vv });
        const qs = q.reshape([B * KV, rep, hd]).mul(1 / Math.sqrt(hd)) as tf.Tensor3D;
        const scores = tf.matMul(qs, K.reshape([B * KV, L, hd]), false, true).reshape([B, KV, rep, L]).add(mask);
        const att = tf.softmax(scores).reshape([B * KV, rep, L]) as tf.Tensor3D;
        const y = tf.matMul(att, Vv.reshape([B * KV, L, hd])).reshape([B, H * hd]) as tf.Tensor2D;
        x = x.add(DecoderNetwork.linear(y, layer.wo, layer.bo)) as tf.Tensor2D;
        x = this.mlpBlock(x, layer);
      });
      return { logits: this.logitsOf(this.rmsNorm(x, this.finalNorm)), cache: next };
    });
  }

  keepRows(cache: KvCache, rows: number[]): KvCache {
    return tf.tidy(() => {
      const keep = tf.tensor1d(rows, 'int32');
      return cache.map(({ k, v }) => ({ k: tf.gather(k, keep), v: tf.gather(v, keep) }));
    });
  }

  disposeCache(cache: KvCache): void {
    tf.dispose(cache.flatMap((c) => [c.k, c.v]));
  }

  // Decoder's vocabSize/contextLength come from the spec.
}

const LAYER_FIELDS = ['inNorm', 'wq', 'wk', 'wv', 'bq', 'bk', 'bv', 'qNorm', 'kNorm', 'wo', 'bo', 'postNorm', 'wg', 'wu', 'wd', 'bg', 'bu', 'bd'] as const;

const maskCache = new Map<number, tf.Tensor3D>();
/** [1, T, T]: 0 on and below the diagonal, NEG above; kept for the most recent lengths. */
function causalMask(T: number): tf.Tensor3D {
  let m = maskCache.get(T);
  if (!m || m.isDisposed) {
    const a = new Float32Array(T * T);
    for (let i = 0; i < T; i++) a.fill(NEG, i * T + i + 1, (i + 1) * T);
    m = tf.keep(tf.tensor3d(a, [1, T, T]));
    maskCache.set(T, m);
    if (maskCache.size > 64) {
      const [oldest, t] = maskCache.entries().next().value as [number, tf.Tensor3D];
      maskCache.delete(oldest);
      t.dispose();
    }
  }
  return m;
}

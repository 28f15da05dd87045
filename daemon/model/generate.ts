// Batched sampling with a KV cache, shared by every model family. Prompts are left-padded to
// a common length P (padding keys masked, positions counted from each prompt's own start), so
// a row's logits equal its unpadded full recompute. Sampling runs in JS on the synced [B, V]
// logits of each step, with a seeded PRNG per row: a row's tokens depend only on (seed, row,
// logits), however early other rows stop.
import * as tf from '@tensorflow/tfjs';
import type { GenerateOptions, Generation } from './language-model.js';
import { sampleToken } from './sampling.js';
import { mulberry32, streamSeed } from '../util/random.js';

/** What a model provides to be sampled from; `C` is its per-layer key/value cache. */
export interface Decoder<C> {
  readonly vocabSize: number;
  readonly contextLength: number;
  /** Left-padded prompts [B, P] through the model: last-position logits [B, V] and the cache. */
  prefill(prompts: number[][]): { logits: tf.Tensor2D; cache: C };
  /**
   * One token per row at step t (row b sits at position P + t - pads[b] and attends to the
   * L = P + t + 1 keys of its cache, the first pads[b] of them padding).
   */
  decode(tokens: number[], pads: number[], P: number, t: number, cache: C): { logits: tf.Tensor2D; cache: C };
  /** The cache of the given batch rows only. */
  keepRows(cache: C, rows: number[]): C;
  disposeCache(cache: C): void;
}

export async function generate<C>(model: Decoder<C>, prompts: number[][], opts: GenerateOptions): Promise<Generation[]> {
  const { contextLength: C, vocabSize: V } = model;
  if (prompts.length === 0) return [];
  if (prompts.some((p) => p.length === 0)) throw new Error('generate: every prompt needs at least one token (e.g. bos)');
  const P = Math.max(...prompts.map((p) => p.length));
  if (P + opts.maxNewTokens > C) {
    throw new Error(`generate: longest prompt (${P}) + maxNewTokens (${opts.maxNewTokens}) exceeds contextLength ${C}`);
  }
  const stops = new Set(opts.stopIds);
  const useCache = opts.kvCache ?? true;
  const out: Generation[] = prompts.map(() => ({ tokens: [], truncated: true, logProbs: [], entropy: [] }));
  if (opts.rowSeeds && opts.rowSeeds.length !== prompts.length) throw new Error(`generate: ${opts.rowSeeds.length} rowSeeds for ${prompts.length} prompts`);
  const rands = prompts.map((_, i) => mulberry32(opts.rowSeeds?.[i] ?? streamSeed(opts.seed, i)));
  const padOf = prompts.map((p) => P - p.length);
  let rows = prompts.map((_, i) => i); // original index of each live batch row
  let { logits, cache } = model.prefill(prompts);
  let hasCache = true;
  if (!useCache) {
    model.disposeCache(cache);
    hasCache = false;
  }

  try {
    for (let t = 0; t < opts.maxNewTokens; t++) {
      const data = (await logits.data()) as Float32Array; // [B, V]
      logits.dispose();
      const next: number[] = [];
      const alive: number[] = []; // batch rows still generating
      rows.forEach((orig, r) => {
        const g = out[orig];
        if (!g.truncated) return next.push(g.tokens[g.tokens.length - 1]); // finished: kept in the batch until compaction, its input unused
        const s = sampleToken(data, r * V, V, opts.temperature, opts.topP, rands[orig]);
        g.tokens.push(s.token);
        g.logProbs.push(s.logProb);
        g.entropy.push(s.entropy);
        if (stops.has(s.token)) g.truncated = false;
        else alive.push(r);
        next.push(s.token);
      });
      if (alive.length === 0 || t === opts.maxNewTokens - 1) break;
      if (!useCache) {
        rows = alive.map((r) => rows[r]);
        const full = model.prefill(rows.map((orig) => [...prompts[orig], ...out[orig].tokens]));
        model.disposeCache(full.cache);
        logits = full.logits;
        continue;
      }
      // Drop finished rows from the batch once they are a quarter of it: decoding cost is per row.
      let tokens = next;
      if (alive.length <= rows.length * 0.75) {
        const old = cache;
        cache = model.keepRows(old, alive);
        model.disposeCache(old);
        tokens = alive.map((r) => next[r]);
        rows = alive.map((r) => rows[r]);
      }
      const step = model.decode(tokens, rows.map((orig) => padOf[orig]), P, t, cache);
      model.disposeCache(cache);
      cache = step.cache;
      logits = step.logits;
    }
  } finally {
    logits.dispose();
    if (hasCache) model.disposeCache(cache);
  }
  return out;
}

/** Left-padding mask [B, 1, P, P]: causal, and no attending to padding. NEG where masked. */
export function prefillMask(pads: number[], P: number, NEG: number): tf.Tensor4D {
  const B = pads.length;
  const m = new Float32Array(B * P * P);
  pads.forEach((pad, b) => {
    for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) m[(b * P + i) * P + j] = j <= i && j >= pad ? 0 : NEG;
  });
  return tf.tensor4d(m, [B, 1, P, P]);
}

/** Decode-step mask [B, 1, 1, L]: NEG over each row's padding keys. */
export function decodeMask(pads: number[], L: number, NEG: number): tf.Tensor4D {
  const B = pads.length;
  const m = new Float32Array(B * L);
  pads.forEach((pad, b) => m.fill(NEG, b * L, b * L + pad));
  return tf.tensor4d(m, [B, 1, 1, L]);
}

// Sampling runs in JS on small synced logits ([B, V] per step), with a seeded PRNG per
// row, so a row's tokens depend only on (seed, row, logits): same seed -> same tokens,
// whatever the backend's thread scheduling and however early other rows stop.

/** mulberry32: a 32-bit state PRNG, uniform in [0, 1). Plenty for sampling; not crypto. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Derives independent streams (one per row, one per weight tensor) from one seed. */
export function mixSeed(seed: number, stream: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(stream + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x27d4eb2f);
  return (h ^ (h >>> 15)) >>> 0;
}

/** Standard normal draws (Box-Muller) for weight initialisation. */
export function normals(n: number, std: number, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - rand();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    const th = 2 * Math.PI * rand();
    out[i] = r * Math.cos(th);
    if (i + 1 < n) out[i + 1] = r * Math.sin(th);
  }
  return out;
}

export interface Draw {
  token: number;
  /** log p(token) under softmax(logits / T) before top-p truncation (the policy's own
   *  distribution at that temperature, which the loss recomputes). */
  logProb: number;
  /** Entropy of softmax(logits / T), in nats. */
  entropy: number;
}

/**
 * Draws one token from logits[offset .. offset+V). temperature <= 0 means greedy, and
 * logProb / entropy are then those of softmax(logits).
 */
export function sampleToken(
  logits: Float32Array,
  offset: number,
  V: number,
  temperature: number,
  topP: number,
  rand: () => number,
): Draw {
  const T = temperature > 0 ? temperature : 1;
  const p = new Float64Array(V);
  let max = -Infinity;
  for (let i = 0; i < V; i++) max = Math.max(max, logits[offset + i] / T);
  let z = 0;
  for (let i = 0; i < V; i++) z += p[i] = Math.exp(logits[offset + i] / T - max);
  const logZ = Math.log(z) + max;
  let entropy = 0;
  for (let i = 0; i < V; i++) {
    p[i] /= z;
    if (p[i] > 0) entropy -= p[i] * Math.log(p[i]);
  }
  let token = 0;
  if (temperature <= 0) {
    for (let i = 1; i < V; i++) if (p[i] > p[token]) token = i;
  } else {
    // Top-p: the smallest set of most likely tokens whose mass reaches topP, renormalised, and
    // a draw walking it from the most likely token down. Sorting a 152K vocabulary per row and
    // step would dominate sampling, so tokens are sorted in two tiers: those with
    // p >= (1 - topP) / V (the others together weigh less than 1 - topP, so a nucleus lies in
    // this tier), and, only when the walk gets past the first tier (topP = 1), the rest.
    // Either way the walk sees the order of a full sort.
    const floor = topP < 1 ? (1 - topP) / V : 1 / (16 * V);
    const head: number[] = [];
    const tail: number[] = [];
    for (let i = 0; i < V; i++) (p[i] >= floor ? head : tail).push(i);
    const byP = (a: number, b: number) => p[b] - p[a] || a - b;
    head.sort(byP);
    let keep = 0;
    let mass = 0;
    if (topP < 1) while (keep < head.length && (keep === 0 || mass < topP)) mass += p[head[keep++]];
    else for (let i = 0; i < V; i++) mass += p[i];
    let u = rand() * mass;
    token = head[0];
    const walk = (order: number[], n: number) => {
      for (let j = 0; j < n; j++) {
        token = order[j];
        if ((u -= p[order[j]]) <= 0) return true;
      }
      return false;
    };
    if (topP < 1) walk(head, keep);
    else if (!walk(head, head.length)) walk(tail.sort(byP), tail.length);
  }
  return { token, logProb: logits[offset + token] / T - logZ, entropy };
}

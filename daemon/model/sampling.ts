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
    // Top-p: the smallest set of most likely tokens whose mass reaches topP, renormalised.
    const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => p[b] - p[a] || a - b);
    let keep = 0;
    let mass = 0;
    while (keep < V && (keep === 0 || mass < topP)) mass += p[order[keep++]];
    let u = rand() * mass;
    token = order[keep - 1];
    for (let j = 0; j < keep; j++) {
      u -= p[order[j]];
      if (u <= 0) {
        token = order[j];
        break;
      }
    }
  }
  return { token, logProb: logits[offset + token] / T - logZ, entropy };
}

// Sampling runs in JS on small synced logits ([B, V] per step), with a seeded PRNG per
// row, so a row's tokens depend only on (seed, row, logits): same seed -> same tokens,
// whatever the backend's thread scheduling and however early other rows stop.

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
    // a draw that walks it from the most likely token down (ties by id). Sorting a 152K
    // vocabulary per row and step would dominate sampling, so both the nucleus' edge and the
    // draw are found by selection in linear expected time, with the same outcome as the walk.
    let mass = 0;
    let candidates: Int32Array;
    if (topP < 1) {
      // Only tokens with p >= (1 - topP) / V can be in the nucleus: the others weigh < 1 - topP.
      candidates = tokensAtLeast(p, (1 - topP) / V);
      const edge = crossing(candidates, p, topP);
      candidates = candidates.filter((i) => ranksBefore(p, i, edge.token) || i === edge.token);
      mass = edge.before + p[edge.token];
    } else {
      candidates = tokensAtLeast(p, Number.MIN_VALUE);
      for (const i of candidates) mass += p[i];
    }
    token = crossing(candidates, p, rand() * mass).token;
  }
  return { token, logProb: logits[offset + token] / T - logZ, entropy };
}

/** Whether token a comes before token b when tokens are ordered by probability, ties by id. */
function ranksBefore(p: Float64Array, a: number, b: number): boolean {
  return p[a] > p[b] || (p[a] === p[b] && a < b);
}

function tokensAtLeast(p: Float64Array, floor: number): Int32Array {
  let n = 0;
  for (let i = 0; i < p.length; i++) if (p[i] >= floor) n++;
  const out = new Int32Array(n);
  for (let i = 0, k = 0; i < p.length; i++) if (p[i] >= floor) out[k++] = i;
  return out;
}

/**
 * The first token, in that order, at which the cumulative probability of `ids` reaches `target`
 * (the last one if rounding keeps it short), and the mass of the tokens before it: quickselect
 * on the running mass, partitioning `ids` in place, instead of a full sort.
 */
export function crossing(ids: Int32Array, p: Float64Array, target: number): { token: number; before: number } {
  let lo = 0;
  let hi = ids.length;
  let acc = 0;
  while (hi - lo > 32) {
    const pivot = ids[(lo + hi) >> 1];
    const pp = p[pivot];
    // [lo, store) := the tokens that rank before the pivot
    let store = lo;
    let mass = 0;
    for (let k = lo; k < hi; k++) {
      const i = ids[k];
      if (p[i] > pp || (p[i] === pp && i < pivot)) {
        ids[k] = ids[store];
        ids[store++] = i;
        mass += p[i];
      }
    }
    if (store > lo && acc + mass >= target) {
      hi = store;
      continue;
    }
    acc += mass;
    if (acc + pp >= target) return { token: pivot, before: acc };
    acc += pp;
    // Go on after the pivot: move it to `store`, keep (store, hi).
    for (let k = store; k < hi; k++) {
      if (ids[k] === pivot) {
        ids[k] = ids[store];
        ids[store] = pivot;
        break;
      }
    }
    lo = store + 1;
    if (lo >= hi) return { token: pivot, before: acc - pp };
  }
  const rest = Array.from(ids.subarray(lo, hi)).sort((a, b) => (ranksBefore(p, a, b) ? -1 : 1));
  for (const i of rest) {
    if (acc + p[i] >= target) return { token: i, before: acc };
    acc += p[i];
  }
  const last = rest[rest.length - 1];
  return { token: last, before: acc - p[last] };
}

// Every hash and seeded generator of the daemon, in one place. Runs must be pure functions of
// their seeds (a resumed run redraws what the uninterrupted one drew; an evaluation sample is
// seeded by its problem's content, so eval, the easy-prompt filter, curation and the lens agree),
// so each function here is frozen: test/unit/util/random.test.ts pins their outputs, and
// changing one would silently move every measured number in the README. None is cryptographic.

/** 32-bit FNV-1a over a string's UTF-16 code units: problem-content keys and dedup hashes. */
export function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A 52-bit hash (two independent FNV-1a lanes) as a plain number, so n-gram sets are
 * Set<number> rather than Set<string>: 100K records x 100 n-grams stay cheap, and the
 * chance of a false collision among ~10^7 keys is ~10^-2 / 2^20.
 */
export function hash52(s: string): number {
  const hi = fnv1a(s, 0x811c9dc5) & 0xfffff;
  const lo = fnv1a(s, 0x01000193 ^ 0x5bd1e995);
  return hi * 0x100000000 + lo;
}

/** murmur3's 32-bit finaliser (signed result, a small integer in V8): MinHash permutations and seed mixing. */
export function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x | 0;
}

/**
 * One 32-bit seed from a key of any length (run seed, stage, step, problem hash, ...):
 * murmur3's body per part, then its finaliser. Parts may exceed 32 bits (both halves count).
 */
export function combineSeeds(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    let k = Math.imul((p | 0) ^ Math.floor(p / 0x100000000), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return fmix32(h) >>> 0;
}

/**
 * The seed of stream `stream` (a sampled row, a weight tensor) under one seed: cheaper than
 * combineSeeds and fixed by the shipped warm start's initialisation and every sampled token.
 */
export function streamSeed(seed: number, stream: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(stream + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x27d4eb2f);
  return (h ^ (h >>> 15)) >>> 0;
}

/** mulberry32: a 32-bit state generator, uniform in [0, 1). Plenty for sampling and task generation. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** mulberry32 with the draws a task generator or a shuffle needs. */
export class Rng {
  /** Uniform in [0, 1). */
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** Integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  /** A 32-bit seed for a child generator or a sampler. */
  seed(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  }
}

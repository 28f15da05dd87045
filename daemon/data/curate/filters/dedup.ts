// Duplicate removal. Exact: the same normalised text (case, spacing, punctuation and
// LaTeX markup ignored). Near: Jaccard similarity of word 3-gram sets at or above a
// threshold, found through MinHash + LSH so 100K records need no all-pairs pass.
// The first occurrence is kept; later ones name it.
import path from 'node:path';
import type { Filter } from '../filter.js';
import type { Problem } from '../../records/record.js';
import { normalizedText, tokenHashes, tokenize, windowHash32 } from '../text.js';
import { fmix32, fnv1a, hash52 } from '../../../util/random.js';

/** Where the kept copy is: `file:line`, with the id when it says more than that. */
export function where(p: Problem, sameFile = false): string {
  const at = sameFile ? `line ${p.source.line}` : `${path.basename(p.source.file)}:${p.source.line}`;
  return p.id === `${path.basename(p.source.file)}:${p.source.line}` ? at : `${p.id} (${at})`;
}

/** Per problem: the earlier problem it duplicates (and their similarity), or null. */
export interface DuplicateOf {
  first: Problem;
  jaccard: number;
}

/** What makes two problems exact duplicates: their kind and normalised text, hashed. */
export function exactKey(p: Problem): number {
  return hash52(`${p.kind}\u0000${normalizedText(p.prompt)}`);
}

/** `keyOf`: exactKey, or a cache of it (the editor's diagnostics keep one per record), given the problem and its index. */
export function exactDuplicates(problems: readonly Problem[], keyOf: (p: Problem, i: number) => number = exactKey): (DuplicateOf | null)[] {
  const seen = new Map<number, Problem>();
  return problems.map((p, i) => {
    const key = keyOf(p, i);
    const first = seen.get(key);
    if (first) return { first, jaccard: 1 };
    seen.set(key, p);
    return null;
  });
}

export const exactDuplicate: Filter = {
  name: 'exact-duplicate',
  kinds: ['math', 'code'],
  description: 'same normalised text as an earlier problem',
  run: async (problems) => exactDuplicates(problems).map((d) => d && `same text as ${where(d.first)}`),
};

const SHINGLE = 3;
// 16 bands x 6 rows: a pair at Jaccard 0.8 shares a band with probability 0.99, one at
// 0.4 (two instances of one template) with 0.06, so few candidates need an exact check.
const BANDS = 16;
const ROWS = 6;
const PERMUTATIONS = BANDS * ROWS;
/** At most this many earlier problems per bucket, and exact comparisons per problem: one template cannot go quadratic. */
const MAX_BUCKET = 32;
const MAX_COMPARISONS = 64;

// Per-permutation seeds for a 32-bit mix (murmur3's finaliser): cheap independent hashes.
const SEEDS = Int32Array.from({ length: PERMUTATIONS }, (_, i) => Math.imul(i + 1, 0x9e3779b1));

/** Word 3-grams as 32-bit hashes (small integers: no allocation per lookup). */
export function shingles(text: string): Set<number> {
  const tokens = tokenize(text);
  if (tokens.length < SHINGLE) return new Set([fnv1a(tokens.join(' ')) | 0]);
  const h = tokenHashes(tokens);
  const set = new Set<number>();
  for (let i = 0; i + SHINGLE <= tokens.length; i++) set.add(windowHash32(h, i, SHINGLE));
  return set;
}

export function minhash(set: ReadonlySet<number>): Int32Array {
  const sig = new Int32Array(PERMUTATIONS).fill(0x7fffffff);
  for (const x of set) {
    for (let i = 0; i < PERMUTATIONS; i++) {
      const v = fmix32(x ^ SEEDS[i]);
      if (v < sig[i]) sig[i] = v;
    }
  }
  return sig;
}

export function jaccard(a: ReadonlySet<number>, b: ReadonlySet<number>): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let inter = 0;
  for (const x of small) if (large.has(x)) inter++;
  const union = a.size + b.size - inter;
  return union === 0 ? 1 : inter / union;
}

export const NEAR_DUPLICATE_THRESHOLD = 0.8;

/** One LSH bucket key per band (32-bit: a collision only costs one extra comparison). */
function bandKeys(sig: Int32Array, kind: string): Int32Array {
  const keys = new Int32Array(BANDS);
  const k = kind === 'code' ? 0x27d4eb2f : 0x165667b1;
  for (let b = 0; b < BANDS; b++) {
    let x = Math.imul(b + 1, 0x9e3779b1) ^ k;
    for (let r = b * ROWS; r < (b + 1) * ROWS; r++) x = fmix32(x ^ sig[r]);
    keys[b] = x;
  }
  return keys;
}

/** A problem's word 3-grams, their MinHash and its LSH band keys: the costly part of near-duplicate search. */
export interface NearSignature {
  set: Set<number>;
  sig: Int32Array;
  keys: Int32Array;
}

export function nearSignature(p: Problem): NearSignature {
  const set = shingles(p.prompt);
  const sig = minhash(set);
  return { set, sig, keys: bandKeys(sig, p.kind) };
}

/**
 * The kept problems' LSH buckets, filled in order: each problem is matched against the
 * earlier kept ones that share a band with it, and kept itself when it matches none.
 */
export class NearDuplicateBuckets<P = Problem> {
  private readonly buckets: BandTable;
  // A kept problem's shingles and MinHash are needed only when another problem shares a band
  // with it: `signature` computes them then (the editor keeps band keys only, not 1.5 KB each).
  private readonly kept: { p: P; signature: () => NearSignature }[] = [];
  // Signatures agreeing on fewer rows than this are far below the threshold: skip the exact check.
  private readonly minAgree: number;

  /** `expected`: about how many problems will be kept (sizes the table once). */
  constructor(private readonly threshold = NEAR_DUPLICATE_THRESHOLD, expected = 256) {
    this.minAgree = Math.floor((threshold - 0.15) * PERMUTATIONS);
    this.buckets = new BandTable(expected * BANDS);
  }

  /** The earliest kept problem `s` is a near-duplicate of, or null. */
  match({ set, sig, keys }: NearSignature): { first: P; jaccard: number } | null {
    const tried = new Set<number>();
    for (const key of keys) {
      for (let e = this.buckets.first(key); e >= 0; e = this.buckets.next(e)) {
        const k = this.buckets.value(e);
        if (tried.has(k)) continue;
        if (tried.size >= MAX_COMPARISONS) return null;
        tried.add(k);
        const other = this.kept[k].signature();
        let agree = 0;
        for (let i = 0; i < PERMUTATIONS; i++) if (sig[i] === other.sig[i]) agree++;
        if (agree < this.minAgree) continue;
        const j = jaccard(set, other.set);
        if (j >= this.threshold) return { first: this.kept[k].p, jaccard: j };
      }
    }
    return null;
  }

  /** `signature`: its shingles and MinHash, asked for (once) only when a later problem shares a band. */
  keep(p: P, keys: Int32Array, signature: () => NearSignature): void {
    const index = this.kept.push({ p, signature: once(signature) }) - 1;
    for (const key of keys) this.buckets.append(key, index, MAX_BUCKET);
  }
}

/**
 * key -> the first few values appended under it, in order: open addressing over typed arrays.
 * 100,000 problems make 1.6 million band entries, most of them alone in their bucket; as a
 * Map of arrays that was a second of allocation on every editor check.
 */
class BandTable {
  private slotKey: Int32Array;
  private slotHead: Int32Array;
  private slotTail: Int32Array;
  private slotCount: Int32Array;
  private used = 0;
  private entryValue: Int32Array<ArrayBuffer>;
  private entryNext: Int32Array<ArrayBuffer>;
  private entries = 0;

  constructor(expectedEntries: number) {
    let size = 1 << 10;
    while (size < 2 * expectedEntries) size *= 2;
    this.slotKey = new Int32Array(size);
    this.slotHead = new Int32Array(size).fill(-1);
    this.slotTail = new Int32Array(size);
    this.slotCount = new Int32Array(size);
    this.entryValue = new Int32Array(size / 2);
    this.entryNext = new Int32Array(size / 2);
  }

  first(key: number): number {
    const s = this.find(key);
    return this.slotHead[s];
  }

  next(entry: number): number {
    return this.entryNext[entry];
  }

  value(entry: number): number {
    return this.entryValue[entry];
  }

  append(key: number, value: number, cap: number): void {
    if (2 * (this.used + 1) > this.slotKey.length) this.rehash(2 * this.slotKey.length);
    const s = this.find(key);
    if (this.slotHead[s] < 0) {
      this.slotKey[s] = key;
      this.used++;
    } else if (this.slotCount[s] >= cap) {
      return;
    }
    if (this.entries === this.entryValue.length) {
      this.entryValue = grown(this.entryValue);
      this.entryNext = grown(this.entryNext);
    }
    const e = this.entries++;
    this.entryValue[e] = value;
    this.entryNext[e] = -1;
    if (this.slotHead[s] < 0) this.slotHead[s] = e;
    else this.entryNext[this.slotTail[s]] = e;
    this.slotTail[s] = e;
    this.slotCount[s]++;
  }

  /** The slot holding `key`, or the empty slot where it would go. */
  private find(key: number): number {
    const mask = this.slotKey.length - 1;
    let s = fmix32(key) & mask;
    while (this.slotHead[s] >= 0 && this.slotKey[s] !== key) s = (s + 1) & mask;
    return s;
  }

  private rehash(size: number): void {
    const [keys, heads, tails, counts] = [this.slotKey, this.slotHead, this.slotTail, this.slotCount];
    this.slotKey = new Int32Array(size);
    this.slotHead = new Int32Array(size).fill(-1);
    this.slotTail = new Int32Array(size);
    this.slotCount = new Int32Array(size);
    for (let i = 0; i < keys.length; i++) {
      if (heads[i] < 0) continue;
      const s = this.find(keys[i]);
      this.slotKey[s] = keys[i];
      this.slotHead[s] = heads[i];
      this.slotTail[s] = tails[i];
      this.slotCount[s] = counts[i];
    }
  }
}

function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

function grown(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(2 * a.length);
  b.set(a);
  return b;
}

/** `signatureOf`: nearSignature, or a cache of it (the editor's diagnostics keep one per record). */
export function nearDuplicates(
  problems: readonly Problem[],
  threshold = NEAR_DUPLICATE_THRESHOLD,
  signatureOf: (p: Problem) => NearSignature = nearSignature,
): (DuplicateOf | null)[] {
  const buckets = new NearDuplicateBuckets(threshold, problems.length);
  return problems.map((p) => {
    const s = signatureOf(p);
    const found = buckets.match(s);
    if (!found) buckets.keep(p, s.keys, () => s);
    return found;
  });
}

export function nearDuplicate(threshold = NEAR_DUPLICATE_THRESHOLD): Filter {
  return {
    name: 'near-duplicate',
    kinds: ['math', 'code'],
    description: `word 3-gram Jaccard >= ${threshold} with an earlier problem`,
    run: async (problems) => nearDuplicates(problems, threshold).map((d) => d && `near-duplicate of ${where(d.first)} (Jaccard ${d.jaccard.toFixed(2)})`),
  };
}

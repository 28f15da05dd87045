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

export function exactDuplicates(problems: readonly Problem[]): (DuplicateOf | null)[] {
  const seen = new Map<number, Problem>();
  return problems.map((p) => {
    const key = hash52(`${p.kind}\u0000${normalizedText(p.prompt)}`);
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
function bandKeys(sig: Int32Array, kind: string): number[] {
  const keys: number[] = [];
  const k = kind === 'code' ? 0x27d4eb2f : 0x165667b1;
  for (let b = 0; b < BANDS; b++) {
    let x = Math.imul(b + 1, 0x9e3779b1) ^ k;
    for (let r = b * ROWS; r < (b + 1) * ROWS; r++) x = fmix32(x ^ sig[r]);
    keys.push(x);
  }
  return keys;
}

export function nearDuplicates(problems: readonly Problem[], threshold = NEAR_DUPLICATE_THRESHOLD): (DuplicateOf | null)[] {
  const buckets = new Map<number, number[]>();
  const kept: { p: Problem; set: Set<number>; sig: Int32Array }[] = [];
  // Signatures agreeing on fewer rows than this are far below the threshold: skip the exact check.
  const minAgree = Math.floor((threshold - 0.15) * PERMUTATIONS);
  return problems.map((p) => {
    const set = shingles(p.prompt);
    const sig = minhash(set);
    const keys = bandKeys(sig, p.kind);
    const tried = new Set<number>();
    for (const key of keys) {
      for (const k of buckets.get(key) ?? []) {
        if (tried.has(k) || tried.size >= MAX_COMPARISONS) continue;
        tried.add(k);
        const other = kept[k];
        let agree = 0;
        for (let i = 0; i < PERMUTATIONS; i++) if (sig[i] === other.sig[i]) agree++;
        if (agree < minAgree) continue;
        const j = jaccard(set, other.set);
        if (j >= threshold) return { first: other.p, jaccard: j };
      }
    }
    const index = kept.push({ p, set, sig }) - 1;
    for (const key of keys) {
      const list = buckets.get(key);
      if (!list) buckets.set(key, [index]);
      else if (list.length < MAX_BUCKET) list.push(index);
    }
    return null;
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

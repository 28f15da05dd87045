// Text normalisation and hashing shared by dedup, decontamination and diagnostics.
// Tokens are lower-cased alphanumeric runs: LaTeX commands reduce to their names
// (`\dfrac{1}{2}` -> dfrac 1 2), so formatting noise does not hide a copied problem.

import { fnv1a } from '../../util/random.js';

const TOKEN = /[\p{L}\p{N}]+/gu;

export function tokenize(text: string): string[] {
  return text.toLowerCase().match(TOKEN) ?? [];
}

/** The text as one canonical string: tokens joined by single spaces. */
export function normalizedText(text: string): string {
  return tokenize(text).join(' ');
}

/** Hashes of every n-token window; a text shorter than n yields nothing. */
export function ngramHashes(tokens: readonly string[], n: number): number[] {
  const h = tokenHashes(tokens);
  const out: number[] = [];
  for (let i = 0; i + n <= tokens.length; i++) out.push(windowHash(h, i, n));
  return out;
}

/** Two 32-bit hashes per token, computed once per text; n-grams combine them with integer arithmetic only. */
export interface TokenHashes {
  a: Uint32Array;
  b: Uint32Array;
}

export function tokenHashes(tokens: readonly string[]): TokenHashes {
  const a = new Uint32Array(tokens.length);
  const b = new Uint32Array(tokens.length);
  tokens.forEach((t, i) => {
    a[i] = fnv1a(t);
    b[i] = fnv1a(t, 0x5bd1e995);
  });
  return { a, b };
}

/** Stands in for "any token" in edit-tolerant keys. */
export const WILDCARD_HASH = 0x9e3779b9;

/**
 * 52-bit hash of tokens[start, start+n), optionally with position `skip` read as the
 * wildcard: the same value for the same token sequence, whatever text it came from.
 */
export function windowHash(h: TokenHashes, start: number, n: number, skip = -1): number {
  let x = 0x811c9dc5 ^ n;
  let y = 0x01000193 ^ n;
  for (let i = start; i < start + n; i++) {
    const ta = i === skip ? WILDCARD_HASH : h.a[i];
    const tb = i === skip ? WILDCARD_HASH : h.b[i];
    x = Math.imul(x ^ ta, 0x01000193);
    x ^= x >>> 15;
    y = Math.imul(y ^ tb, 0x85ebca6b);
    y ^= y >>> 13;
  }
  return (x & 0xfffff) * 0x100000000 + (y >>> 0);
}

/**
 * A 32-bit signed hash of the same window (one lane only). Small integers are stored
 * unboxed by V8, so sets of them cost no allocation: a cheap prefilter in front of the
 * 52-bit key, and the shingle hash for near-duplicate search.
 */
export function windowHash32(h: TokenHashes, start: number, n: number, skip = -1): number {
  let y = 0x01000193 ^ n;
  for (let i = start; i < start + n; i++) {
    y = Math.imul(y ^ (i === skip ? WILDCARD_HASH : h.b[i]), 0x85ebca6b);
    y ^= y >>> 13;
  }
  return y | 0;
}

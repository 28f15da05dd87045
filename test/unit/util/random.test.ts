// The hashes and seeded generators are frozen: per-problem evaluation seeds, curation's dedup
// keys, the embedded task generator and the shipped warm start's sampling all depend on them,
// so every measured number in the README would move if one changed. Values pinned from the
// functions as they were before they were gathered into daemon/util/random.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { combineSeeds, fmix32, fnv1a, hash52, mulberry32, Rng, streamSeed } from '../../../daemon/util/random.js';

test('fnv1a and hash52 give the pinned values', () => {
  assert.deepEqual([fnv1a(''), fnv1a('What is 2+3?'), fnv1a('abc'), fnv1a('abc', 7)], [2166136261, 2830422678, 440920331, 3889444041]);
  assert.deepEqual([hash52('x y z'), hash52('')], [1209266229214927, 3551170678351878]);
});

test('combineSeeds (any number of parts, parts past 32 bits) and streamSeed give the pinned values', () => {
  assert.deepEqual([combineSeeds(1), combineSeeds(1, 2, 3), combineSeeds(0x100000001, -5), combineSeeds()], [2654720615, 3906383291, 2993665154, 2462723854]);
  assert.deepEqual([streamSeed(1, 0), streamSeed(12345, 7), streamSeed(0xffffffff, 1000)], [4037875885, 1845134557, 1310691937]);
});

test('mulberry32 and Rng draw the pinned sequence, and Rng is mulberry32', () => {
  const draw = mulberry32(42);
  assert.deepEqual([draw(), draw(), draw()], [0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
  const rng = new Rng(42);
  assert.deepEqual([rng.next(), rng.int(1, 6), rng.seed(), rng.shuffle([1, 2, 3, 4, 5])], [0.6011037519201636, 3, 3661312704, [3, 5, 2, 1, 4]]);
});

test('fmix32 is a bijection on a sample (MinHash permutations must not collide) and stays a signed 32-bit integer', () => {
  const seen = new Set<number>();
  for (let i = 0; i < 100_000; i++) {
    const h = fmix32(i);
    assert.ok(Number.isInteger(h) && h >= -(2 ** 31) && h < 2 ** 31);
    seen.add(h);
  }
  assert.equal(seen.size, 100_000);
});

test('seeds of nearby keys differ: streams, parts and order all count', () => {
  const seeds = new Set<number>();
  for (let seed = 0; seed < 50; seed++) for (let k = 0; k < 50; k++) { seeds.add(streamSeed(seed, k)); seeds.add(combineSeeds(seed, k) ^ 0x5a5a5a5a); }
  assert.equal(seeds.size, 5000);
  assert.notEqual(combineSeeds(1, 2), combineSeeds(2, 1));
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleToken } from '../../../daemon/model/sampling.js';
import { mulberry32, streamSeed } from '../../../daemon/util/random.js';

test('mulberry32: same seed same stream, different seeds differ, values in [0, 1)', () => {
  const a = mulberry32(7);
  const b = mulberry32(7);
  const c = mulberry32(streamSeed(7, 1));
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b()));
  assert.notDeepEqual(xs.slice(0, 5), Array.from({ length: 5 }, () => c()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
});

test('sampleToken: log-prob and entropy of softmax(logits / T) by hand', () => {
  const logits = new Float32Array([0, 1, 2, 3]);
  const T = 0.5;
  const e = [...logits].map((l) => Math.exp(l / T));
  const z = e.reduce((s, x) => s + x, 0);
  const p = e.map((x) => x / z);
  const H = -p.reduce((s, x) => s + x * Math.log(x), 0);
  const d = sampleToken(logits, 0, 4, T, 1, mulberry32(1));
  assert.ok(Math.abs(d.logProb - Math.log(p[d.token])) < 1e-6);
  assert.ok(Math.abs(d.entropy - H) < 1e-6);
});

test('sampleToken: greedy takes the argmax; top-p keeps only the nucleus', () => {
  const logits = new Float32Array([0, 5, 0.1, 4.9, -3]);
  assert.equal(sampleToken(logits, 0, 5, 0, 0.9, mulberry32(1)).token, 1);
  // softmax: tokens 1 and 3 hold ~99% of the mass; top-p 0.9 never draws another.
  const rand = mulberry32(2);
  const seen = new Set<number>();
  for (let i = 0; i < 500; i++) seen.add(sampleToken(logits, 0, 5, 1, 0.9, rand).token);
  assert.deepEqual([...seen].sort(), [1, 3]);
  // an offset reads the right row of a [B, V] block
  const two = new Float32Array([9, 0, 0, 0, 0, 0, 0, 9]);
  assert.equal(sampleToken(two, 4, 4, 0, 1, rand).token, 3);
});

/** The plain definition: sort every token by probability (ties by id), walk until the mass reaches u. */
function sortedWalk(logits: Float32Array, T: number, topP: number, r: number): number {
  const V = logits.length;
  const m = Math.max(...[...logits].map((l) => l / T));
  const e = [...logits].map((l) => Math.exp(l / T - m));
  const z = e.reduce((s, x) => s + x, 0);
  const p = e.map((x) => x / z);
  const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => p[b] - p[a] || a - b);
  let keep = 0;
  let mass = 0;
  while (keep < V && (keep === 0 || mass < topP)) mass += p[order[keep++]];
  let u = r * mass;
  for (let j = 0; j < keep; j++) if ((u -= p[order[j]]) <= 0) return order[j];
  return order[keep - 1];
}

test('sampleToken draws exactly the token a full sort and walk would, without sorting the vocabulary', () => {
  const rand = mulberry32(5);
  const shapes: [string, (i: number) => number][] = [
    ['flat', () => rand() * 0.01],
    ['peaked', (i) => (i % 97 === 0 ? 8 : 0) + rand()],
    ['ties', (i) => [0, 1, 2][i % 3]],
    ['heavy tail', () => -Math.log(1 - rand()) * 3],
  ];
  let draws = 0;
  for (const [name, logit] of shapes) {
    for (const V of [5, 100, 2000]) {
      const logits = Float32Array.from({ length: V }, (_, i) => logit(i));
      for (const topP of [0.3, 0.9, 0.95, 1]) {
        for (let k = 0; k < 25; k++) {
          const seed = streamSeed(V, k);
          const r = mulberry32(seed)();
          const got = sampleToken(logits, 0, V, 0.8, topP, mulberry32(seed)).token;
          assert.equal(got, sortedWalk(logits, 0.8, topP, r), `${name}, V=${V}, top-p ${topP}, draw ${k}`);
          draws++;
        }
      }
    }
  }
  assert.equal(draws, 4 * 3 * 4 * 25);
});

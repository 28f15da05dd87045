import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { DEFAULT_ALPHABET } from '../../../daemon/model/char/tokenizer.js';
import { generateProblems, heldOutProblems } from '../../../daemon/data/embedded/index.js';
import { openVerifier } from '../../../daemon/engine/verifier.js';
import { taskOf } from '../../../shared/problem.js';

const verifier = await openVerifier();
after(() => verifier.close());

test('held-out problems never appear in a training draw, for any seed', () => {
  for (const domain of ['math', 'code'] as const) {
    const held = new Set(heldOutProblems(domain, 200).map((p) => p.prompt));
    assert.equal(held.size, 200, `${domain}: held-out prompts are distinct`);
    for (const seed of [0, 1, 2]) {
      const train = generateProblems(domain, 'train', 2000, seed);
      assert.equal(train.filter((p) => held.has(p.prompt)).length, 0, `${domain} seed ${seed}`);
    }
  }
});

test('generators are seeded: same seed, same problems; every rung present', () => {
  const a = generateProblems('math', 'train', 50, 7);
  const b = generateProblems('math', 'train', 50, 7);
  assert.deepEqual(a, b);
  assert.notDeepEqual(generateProblems('math', 'train', 50, 8).map((p) => p.prompt), a.map((p) => p.prompt));
  assert.deepEqual([...new Set(a.map((p) => p.level))].sort(), [1, 2, 3, 4, 5]);
});

test('text stays inside the tokenizer alphabet', () => {
  const alphabet = new Set(DEFAULT_ALPHABET);
  for (const p of [...generateProblems('math', 'train', 500, 1), ...generateProblems('code', 'train', 500, 1)]) {
    for (const ch of p.prompt + p.solution) assert.ok(alphabet.has(ch), `${JSON.stringify(ch)} in ${p.id}`);
  }
});

test('every reference solution earns reward 1 from the real verifiers', async () => {
  // All held-out math, and a slice of code (each program costs a sandbox run per test).
  const problems = [...heldOutProblems('math', 200), ...heldOutProblems('code', 20), ...generateProblems('code', 'train', 10, 3)];
  const results = await verifier.verify(problems.map((p) => ({ task: taskOf(p), response: p.solution! })));
  const bad = results.map((r, i) => ({ r, p: problems[i] })).filter(({ r }) => r.reward !== 1);
  assert.deepEqual(bad.map(({ r, p }) => `${p.id} ${JSON.stringify(p.prompt)}: ${r.verdict}`), []);
});

test('a wrong answer earns 0', async () => {
  const [p] = heldOutProblems('math', 1);
  const [r] = await verifier.verify([{ task: taskOf(p), response: p.solution!.replace(/\\boxed\{([^}]*)\}/, '\\boxed{$1 + 1}') }]);
  assert.equal(r.reward, 0);
});

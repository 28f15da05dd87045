// Exact and near-duplicate removal keep the first occurrence and name it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exactDuplicate, jaccard, minhash, nearDuplicate, shingles } from '../../../daemon/data/curate/filters/dedup.js';
import type { Problem } from '../../../daemon/data/records/record.js';

const P = (line: number, prompt: string): Problem => ({ id: `p${line}`, kind: 'math', prompt, answer: '1', source: { file: 'd.jsonl', line } });

const base = 'A bag holds 4 red, 5 blue and 6 green marbles. Two marbles are drawn without replacement. What is the probability that both have the same colour? Express it as a common fraction.';

test('exact duplicates ignore case, spacing and LaTeX markup', async () => {
  const ps = [P(1, base), P(2, base.toUpperCase().replace(/ /g, '  ')), P(3, base.replace('4 red', '$4$ red'))];
  const reasons = await exactDuplicate.run(ps, {});
  assert.equal(reasons[0], null);
  assert.equal(reasons[1], 'same text as p1 (d.jsonl:1)');
  assert.equal(reasons[2], 'same text as p1 (d.jsonl:1)');
});

test('near duplicates: a reworded tail is caught, a different problem is not', async () => {
  const reworded = base.replace('Express it as a common fraction.', 'Express your answer as a common fraction.');
  const other = 'A fair die is rolled three times. What is the probability that the three results are all different? Express your answer as a common fraction.';
  const reasons = await nearDuplicate().run([P(1, base), P(2, reworded), P(3, other)], {});
  assert.equal(reasons[0], null);
  assert.match(reasons[1]!, /^near-duplicate of p1 \(d\.jsonl:1\) \(Jaccard 0\.\d\d\)$/);
  assert.equal(reasons[2], null);
});

test('MinHash signatures estimate Jaccard similarity', () => {
  const a = shingles(base);
  const b = shingles(base.replace('Express it as a common fraction.', 'Express your answer as a common fraction.'));
  const [sa, sb] = [minhash(a), minhash(b)];
  const agree = sa.filter((v, i) => v === sb[i]).length / sa.length;
  assert.ok(Math.abs(agree - jaccard(a, b)) < 0.2, `minhash ${agree} vs jaccard ${jaccard(a, b)}`);
});

// leetcode200 through the code filters, reference solutions run in the real sandbox.
// 200 sandbox runs take minutes on a shared 2-core machine, so a fixed sample of 20
// (every 10th problem) stands in for the set; `rlvr curate` on the whole file runs all.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { fixturePath } from '../../../daemon/data/fixtures.js';
import { interactive, noTests, referenceFails, specialJudge, weakTests } from '../../../daemon/data/curate/filters/code-rules.js';
import { runFilters } from '../../../daemon/data/curate/pipeline.js';
import { isFieldError, toProblem, type Problem } from '../../../daemon/data/records/record.js';
import { loadVerifier, type LoadedVerifier } from '../../../daemon/data/curate/verifier.js';
import { skipUnlessFixtures } from '../../fixtures.js';

const file = fixturePath('code/leetcode200.json');
const skip = skipUnlessFixtures('code/leetcode200.json');
const CODE_FILTERS = [noTests, interactive, specialJudge, weakTests, referenceFails];

let verifier: LoadedVerifier | undefined;
after(async () => verifier?.close());

function sample(): Problem[] {
  const records = JSON.parse(readFileSync(file!, 'utf8')) as unknown[];
  return records
    .filter((_, i) => i % 10 === 0)
    .map((r, i) => {
      const p = toProblem(r, file!, i * 10 + 1);
      if (isFieldError(p)) throw new Error(`${p.field}: ${p.reason}`);
      return p;
    });
}

test('leetcode200 (20 sampled) passes every code filter with its reference solutions', { skip }, async () => {
  verifier = await loadVerifier();
  assert.ok(verifier.kinds.includes('code'), 'the code sandbox is needed for this test');
  const problems = sample();
  assert.equal(problems.length, 20);
  const { kept, dropped } = await runFilters(problems, CODE_FILTERS, { verify: verifier.verify, concurrency: 2 });
  assert.deepEqual(dropped.map((d) => `${d.filter}: ${d.reason}`), []);
  assert.equal(kept.length, 20);
});

test('a wrong reference solution or empty tests are dropped with the right reason', { skip }, async () => {
  verifier ??= await loadVerifier();
  const problems = sample().slice(0, 6);
  // Each of the first three gets the next problem's solution (right shape, wrong problem).
  const wrong = problems.slice(0, 3).map((p, i) => ({ ...p, id: `${p.id}-wrong`, solutions: problems[i + 1].solutions }));
  const empty = problems.slice(3, 6).map((p) => ({ ...p, id: `${p.id}-empty`, tests: [] }));
  const { kept, dropped } = await runFilters([...wrong, ...empty], CODE_FILTERS, { verify: verifier.verify, concurrency: 2 });
  assert.equal(kept.length, 0);
  const byId = new Map(dropped.map((d) => [(d.record as { id: string }).id, d]));
  for (const p of wrong) {
    const d = byId.get(p.id)!;
    assert.equal(d.filter, 'reference-fails', `${p.id}: ${d.filter}: ${d.reason}`);
    assert.match(d.reason, /^reference solution fails its own tests: (runtime_error|wrong_answer)/);
  }
  for (const p of empty) {
    assert.equal(byId.get(p.id)!.filter, 'no-tests');
    assert.equal(byId.get(p.id)!.reason, 'no tests (empty test list)');
  }
});

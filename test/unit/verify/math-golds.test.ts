// Every reference answer of the evaluation sets verifies equal to itself when boxed, and
// never equal to another problem's answer of a different value (zero false positives).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fixturePath } from '../../../daemon/data/fixtures.js';
import { verifyMath } from '../../../daemon/verify/math/index.js';
import { skipUnlessFixtures } from '../../fixtures.js';

const SETS = ['aime24', 'aime25', 'amc23', 'math500'];
const paths = SETS.map((s) => fixturePath(`math/${s}.jsonl`));
const skip = skipUnlessFixtures(...SETS.map((s) => `math/${s}.jsonl`));

function golds(): { set: string; line: number; answer: string }[] {
  return SETS.flatMap((set, k) =>
    readFileSync(paths[k]!, 'utf8')
      .split('\n')
      .map((line, i) => ({ line, i }))
      .filter(({ line }) => line.trim() !== '')
      .map(({ line, i }) => ({ set, line: i + 1, answer: String((JSON.parse(line) as { answer: unknown }).answer) })),
  );
}

// An independent, deliberately crude notion of "the same value" (spelling up to spacing,
// \left/\right, \dfrac and a leading `x =`) so the pairs below are surely different values.
function crude(s: string): string {
  return s
    .replace(/\s|\\left|\\right|\$|\\!|\\,/g, '')
    .replace(/\\[dt]frac/g, '\\frac')
    .replace(/^[a-z]=/, '');
}

test('each gold answer, boxed, verifies equal to itself', { skip }, () => {
  const failures = golds()
    .map((g) => ({ g, r: verifyMath({ kind: 'math', answer: g.answer }, `The answer is \\boxed{${g.answer}}.`) }))
    .filter(({ r }) => r.reward !== 1)
    .map(({ g, r }) => `${g.set}.jsonl:${g.line} ${JSON.stringify(g.answer)} -> ${r.verdict} (${r.details.kind === 'math' ? r.details.rule : ''})`);
  assert.deepEqual(failures, []);
});

test('no gold answer equals a different problem\'s gold of a different value', { skip }, () => {
  const all = golds();
  const falsePositives: string[] = [];
  let pairs = 0;
  for (let i = 0; i < all.length; i++) {
    for (const offset of [1, 8, 55]) {
      const other = all[(i + offset) % all.length];
      if (crude(other.answer) === crude(all[i].answer)) continue;
      pairs++;
      const r = verifyMath({ kind: 'math', answer: all[i].answer }, `\\boxed{${other.answer}}`);
      if (r.reward !== 0 || r.verdict !== 'wrong') {
        falsePositives.push(`${all[i].set}.jsonl:${all[i].line} ${JSON.stringify(all[i].answer)} vs ${other.set}.jsonl:${other.line} ${JSON.stringify(other.answer)} -> ${r.verdict}`);
      }
    }
  }
  assert.ok(pairs > 1500, `only ${pairs} pairs compared`);
  assert.deepEqual(falsePositives, []);
});

// Decontamination on the real evaluation sets: every AIME / AMC / MATH500 problem fed in
// as training data must be caught, and so must a copy with one number changed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixturePath } from '../../../daemon/data/fixtures.js';
import { ContaminationIndex, decontaminate, loadEvalTexts, NGRAM } from '../../../daemon/data/curate/filters/decontaminate.js';
import { loadProblems, defaultEvalFiles } from '../../../daemon/data/curate/pipeline.js';
import { tokenize } from '../../../daemon/data/curate/text.js';
import type { Problem } from '../../../daemon/data/records/record.js';
import { skipUnlessFixtures } from '../../fixtures.js';

const mathDir = fixturePath('math');
const skip = skipUnlessFixtures('math');
const EVAL_SETS = ['aime24.jsonl', 'aime25.jsonl', 'amc23.jsonl', 'math500.jsonl'];

/** The problem with its first number changed (7 -> 8, 12 -> 13, ...), nothing else. */
function changeOneNumber(text: string): string | null {
  const m = text.match(/\d+/);
  if (!m) return null;
  return text.slice(0, m.index) + String(Number(m[0]) + 1) + text.slice(m.index! + m[0].length);
}

test('every evaluation problem fed in as training data is caught by decontamination', { skip }, async () => {
  const files = EVAL_SETS.map((f) => `${mathDir}/${f}`);
  const { problems, errors } = await loadProblems(files, { kind: 'math' });
  assert.equal(errors.length, 0, `unreadable rows: ${JSON.stringify(errors.slice(0, 3))}`);
  assert.equal(problems.length, 600);
  const evalFiles = defaultEvalFiles();
  assert.ok(evalFiles.length >= 4, `default evaluation files: ${evalFiles}`);
  const filter = decontaminate({ files: evalFiles, ...(await loadEvalTexts(evalFiles)) });
  const reasons = await filter.run(problems, {});
  const missed = problems.filter((_, i) => reasons[i] === null).map((p) => `${p.source.file}:${p.source.line}`);
  assert.deepEqual(missed, []);
  // The reason points at the evaluation problem itself.
  assert.match(reasons[0]!, /aime24\.jsonl:1$/);
});

test('a copy with one number changed is still caught by n-gram overlap', { skip }, async () => {
  const files = EVAL_SETS.map((f) => `${mathDir}/${f}`);
  const { texts } = await loadEvalTexts(files);
  const index = new ContaminationIndex(NGRAM.math, texts);
  const changed: Problem[] = [];
  for (const t of texts) {
    const text = changeOneNumber(t.text);
    if (text && text !== t.text) changed.push({ id: `${t.file}:${t.line}`, kind: 'math', prompt: text, answer: '0', source: t });
  }
  assert.ok(changed.length > 550, `problems with a number: ${changed.length}`);
  const missed = changed.filter((p) => index.find(p.prompt) === null);
  assert.deepEqual(missed.map((p) => p.prompt), []);
  // Long problems are caught by plain 9-grams; short ones by the one-token-edit check.
  const long = changed.find((p) => tokenize(p.prompt).length >= 2 * NGRAM.math)!;
  assert.match(index.find(long.prompt)!.how, /^9-gram overlap/);
  const short = changed.find((p) => tokenize(p.prompt).length < NGRAM.math)!;
  assert.ok(index.find(short.prompt));
});

test('unrelated problems are not flagged, and template text shared by many evaluation problems is ignored', { skip }, async () => {
  const { texts } = await loadEvalTexts(EVAL_SETS.map((f) => `${mathDir}/${f}`));
  const index = new ContaminationIndex(NGRAM.math, texts);
  const fresh = [
    'A farmer has 17 goats and buys 5 more each week. After how many weeks will the farmer have exactly 97 goats?',
    'Let $f(x) = 3x^2 - 7x + 11$. Compute the sum of all real numbers $t$ for which $f(t) = f(2t - 5)$ holds.',
    'What is the remainder when $7^{2024}$ is divided by $13$?',
  ];
  for (const text of fresh) assert.equal(index.find(text), null, text);
  const boilerplate = 'Please solve the programming task below using a self-contained code snippet in a markdown code block.';
  const codeIndex = new ContaminationIndex(14, Array.from({ length: 50 }, (_, i) => ({ file: 'e.jsonl', line: i + 1, text: `${boilerplate} Task number ${i} asks for ${'x'.repeat(i + 1)} and more words here to pad` })));
  assert.ok(codeIndex.boilerplate > 0);
  assert.equal(codeIndex.find(`${boilerplate} Write a function that reverses a linked list in place and returns its head.`), null);
});

test('code problems are decontaminated by 14-grams against a named evaluation set, past its shared template', { skip: skipUnlessFixtures('code/leetcode200.json') }, async () => {
  const lc = fixturePath('code/leetcode200.json')!;
  const { problems } = await loadProblems([lc]);
  const filter = decontaminate({ files: [lc], ...(await loadEvalTexts([lc])) });
  const reasons = await filter.run(problems, {});
  assert.deepEqual(problems.filter((_, i) => reasons[i] === null).map((p) => p.id), []);
  assert.match(reasons[0]!, /^14-gram overlap/);
  // Every leetcode prompt opens with the same instructions: they must not be what matched.
  assert.ok(reasons.every((r) => !/please solve the programming task/.test(r!)), String(reasons.find((r) => /please solve/.test(r!))));
  // The math evaluation sets share no content with it.
  const math = await loadProblems(EVAL_SETS.map((f) => `${mathDir}/${f}`), { kind: 'math' });
  const asCode = math.problems.map((p) => ({ ...p, kind: 'code' as const }));
  assert.equal((await filter.run(asCode, {})).filter(Boolean).length, 0);
});

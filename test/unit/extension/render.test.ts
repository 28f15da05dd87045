// Rollout documents: the text, diagnostics and highlights the editor shows, built from
// real verifier results (the real sandbox runs the programs).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeVerifiers, verify } from '../../../daemon/verify/index.js';
import { firstWrongAnswer, renderRollout } from '../../../extension/rollouts/render.js';
import { lastBox } from '../../../shared/boxed.js';
import type { RolloutDetail } from '../../../shared/protocol.js';
import type { CodeTask, VerifyResult } from '../../../shared/verify.js';

after(() => closeVerifiers());

function detail(kind: 'math' | 'code', response: string, gold: string, v: VerifyResult): RolloutDetail {
  return {
    id: 7,
    runId: 'r1',
    stage: kind,
    step: 2,
    problemId: 'p3',
    sampleIndex: 1,
    kind,
    prompt: 'Solve it.',
    response,
    gold,
    reward: v.reward,
    advantage: v.reward ? 0.7 : -0.7,
    verdict: v.verdict,
    extractedAnswer: v.details.kind === 'math' ? v.details.extracted : null,
    promptTokens: 9,
    responseTokens: 30,
    truncated: false,
    verify: v,
    tests: v.details.kind === 'code' ? v.details.tests : [],
  };
}

const addTask: CodeTask = {
  kind: 'code',
  tests: [
    { input: '1 2\n', output: '3\n' },
    { input: '2 2\n', output: '4\n' },
  ],
};

test('a wrong program: one diagnostic per failing test, with input, expected and actual', async () => {
  const response = 'Here it is.\n```python\na, b = map(int, input().split())\nprint(a * b)\n```';
  const v = await verify(addTask, response);
  assert.equal(v.reward, 0);
  const d = detail('code', response, '', v);
  const r = renderRollout(d);
  assert.equal(r.language, 'python');
  const lines = r.text.split('\n');
  assert.ok(lines.includes('print(a * b)'), 'the document holds the extracted program');
  const failing = r.problems.filter((p) => p.testIndex !== undefined);
  assert.equal(failing.length, 1, 'test 1 fails (1*2=2, not 3), test 2 passes (2*2=4)');
  assert.match(failing[0].message, /^test 1: wrong_answer/);
  assert.match(failing[0].message, /expected: 3/);
  assert.match(failing[0].message, /actual: 2/);
  assert.equal(lines[failing[0].line], 'a, b = map(int, input().split())', 'anchored on the program, not the header');
  assert.equal(firstWrongAnswer(d), 0);
});

test('a crashing program: the diagnostic sits on the line the traceback names', async () => {
  const response = '```python\nx = int(input().split()[0])\ny = 1 // (x - x)\nprint(y)\n```';
  const v = await verify(addTask, response);
  const r = renderRollout(detail('code', response, '', v));
  const lines = r.text.split('\n');
  const crash = r.problems.filter((p) => p.testIndex !== undefined);
  assert.equal(crash.length, 2);
  assert.match(crash[0].message, /runtime_error/);
  assert.match(crash[0].message, /ZeroDivisionError/);
  assert.equal(lines[crash[0].line], 'y = 1 // (x - x)');
});

test('no program: one diagnostic says so, and the whole response is shown', async () => {
  const response = 'I think the answer is to add them.';
  const v = await verify(addTask, response);
  const r = renderRollout(detail('code', response, '', v));
  assert.ok(r.text.includes(response));
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0].message, /no program/);
});

test('a math rollout: extracted and gold answers, the reason, and the boxed answer highlighted', async () => {
  const response = 'First 3/4 of it... so \\boxed{\\frac{3}{5}} is it.';
  const v = await verify({ kind: 'math', answer: '\\frac{3}{4}' }, response);
  assert.equal(v.verdict, 'wrong');
  const r = renderRollout(detail('math', response, '\\frac{3}{4}', v));
  assert.equal(r.language, 'markdown');
  assert.match(r.text, /- extracted answer: \\frac\{3\}\{5\}/);
  assert.match(r.text, /- gold answer: \\frac\{3\}\{4\}/);
  assert.match(r.text, /- verifier's reason: \S+/);
  const lines = r.text.split('\n');
  const boxed = r.highlights.find((h) => h.after);
  assert.ok(boxed, 'the \\boxed{} answer in the response is highlighted');
  assert.equal(boxed.kind, 'wrong');
  assert.equal(lines[boxed.line].slice(boxed.startCol, boxed.endCol), '\\boxed{\\frac{3}{5}}');
  assert.match(boxed.after!, /gold \\frac\{3\}\{4\}/);
});

test('the highlighted box is the one the verifier grades: balanced braces, the last one, after </think>', () => {
  const t = 'a \\boxed{1} then \\boxed{\\frac{1}{2}} end';
  const b = lastBox(t)!;
  assert.equal(t.slice(b.start, b.end), '\\boxed{\\frac{1}{2}}');
  assert.equal(lastBox('\\boxed{unclosed'), null);
  // A box inside the reasoning is not the answer; offsets point into the whole response.
  const r = '<think>maybe \\boxed{2}</think> so \\boxed{3}';
  const box = lastBox(r)!;
  assert.equal(r.slice(box.start, box.end), '\\boxed{3}');
  assert.equal(lastBox('<think>\\boxed{2}</think> no answer'), null);
  // `\boxed 5` is read as 5 by the verifier, so it is highlighted too.
  const spaced = 'so \\boxed 5';
  const s5 = lastBox(spaced)!;
  assert.equal(spaced.slice(s5.start, s5.end), '\\boxed 5');
});

// Dataset shapes -> Problem: the common math and code layouts, and the field mapping.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFieldError, parseFieldMap, toProblem, type Problem } from '../../../daemon/data/records/record.js';

function ok(value: unknown, opts = {}): Problem {
  const p = toProblem(value, 'f.jsonl', 7, opts);
  if (isFieldError(p)) assert.fail(`${p.field}: ${p.reason}`);
  return p;
}

test('math: {problem, answer} and {question, solution} with a boxed answer', () => {
  const a = ok({ problem: 'What is $1+1$?', answer: 2 });
  assert.deepEqual([a.kind, a.prompt, a.answer, a.id], ['math', 'What is $1+1$?', '2', 'f.jsonl:7']);
  const b = ok({ question: 'Simplify $\\frac{6}{8}$.', solution: 'Divide: $\\boxed{\\frac{3}{4}}$ (done), not \\boxed{x}... final \\boxed{\\frac{3}{4}}' });
  assert.equal(b.answer, '\\frac{3}{4}');
  const c = ok({ prompt: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'Compute 6*7 now.' }], reward_model: { ground_truth: '42' } });
  assert.deepEqual([c.prompt, c.answer], ['Compute 6*7 now.', '42']);
});

// Curation once had its own \boxed{} reader, which disagreed with the verifier's: it found no
// answer in `\boxed 5` and gave up when the last box was unbalanced. Math-Verify reads `\boxed 5`
// as 5 and, its boxed pattern needing a closing brace, skips an unclosed box for the last closed
// one; records now go through the verifier's reader (shared/boxed.ts), which agrees.
test('math: a boxed answer is read as the verifier reads it: \\boxed 5, and an unclosed last box skipped', () => {
  assert.equal(ok({ problem: 'What is 2+3?', solution: 'Add them: \\boxed 5' }).answer, '5');
  assert.equal(ok({ problem: 'What is 1+2?', solution: 'So \\boxed{3}. Check: \\boxed{3' }).answer, '3');
  assert.equal(ok({ problem: 'What is 1+2?', answer: 'The answer is \\boxed 3' }).answer, '3');
});

test('code: a reference written as a response (a ```python block) is the program inside it', () => {
  const p = ok({ problem: 'Write f(x): x plus 1.', tests: [{ input: '1', output: '2' }], fn_name: 'f', solution: '```python\ndef f(x):\n    return x+1\n```' });
  assert.deepEqual(p.solutions, ['def f(x):\n    return x+1\n']);
  assert.equal(p.solution, '```python\ndef f(x):\n    return x+1\n```', 'the response itself stays the sft target');
});

test('code: LiveCodeBench public_test_cases with func_name metadata', () => {
  const p = ok({
    question_content: 'Return the sum of a and b.',
    public_test_cases: JSON.stringify([{ input: '1\n2', output: '3', testtype: 'functional' }]),
    private_test_cases: JSON.stringify([{ input: '4\n5', output: '9', testtype: 'functional' }]),
    metadata: JSON.stringify({ func_name: 'add' }),
    starter_code: 'class Solution:\n    def add(self, a, b):\n        ',
  });
  assert.equal(p.kind, 'code');
  assert.deepEqual(p.tests, [{ input: '1\n2', output: '3' }, { input: '4\n5', output: '9' }]);
  assert.equal(p.fn_name, 'add');
  const cc = ok({ description: 'Print the sum.', public_tests: { input: ['1 2\n'], output: ['3\n'] }, private_tests: { input: ['2 2\n'], output: ['4\n'] }, private_test_cases: 'eJzLSM3JyQcABiwCFQ==' });
  assert.equal(Array.isArray(cc.tests) && cc.tests.length, 2);
  assert.ok(p.starterCode);
});

test('code: TACO / APPS input_output, stdin and call-based', () => {
  const stdin = ok({ question: 'Echo twice.', input_output: JSON.stringify({ inputs: ['a\n'], outputs: ['a\na\n'] }), solutions: JSON.stringify(['print(input())\nprint(input())']) });
  assert.deepEqual(stdin.tests, [{ input: 'a\n', output: 'a\na\n' }]);
  assert.equal(stdin.solutions?.length, 1);
  const call = ok({ question: 'Add.', input_output: { fn_name: 'add', inputs: [[1, [2, 3]]], outputs: [6] } });
  assert.deepEqual(call.tests, [{ input: '1\n[2,3]', output: '6' }]);
  assert.equal(call.fn_name, 'add');
});

test('code: LeetCode check(candidate) and HumanEval test + entry_point', () => {
  const lc = ok({ problem: 'Two sum.', solutions: 'class Solution: ...', tests: { functional: 'def check(candidate):\n    assert candidate(1) == 2\n\ncheck(Solution().f)' } });
  assert.ok(!Array.isArray(lc.tests) && lc.tests?.functional.includes('check(Solution().f)'));
  const he = ok({ prompt: 'def inc(x):\n    """Add one."""\n', canonical_solution: '    return x + 1\n', test: 'def check(candidate):\n    assert candidate(1) == 2\n', entry_point: 'inc' });
  assert.ok(!Array.isArray(he.tests) && he.tests?.functional.endsWith('check(inc)\n'));
  assert.equal(he.solutions?.[0], 'def inc(x):\n    """Add one."""\n    return x + 1\n');
});

test('field mapping reads other shapes, and bad mappings are clear errors', () => {
  const map = parseFieldMap('problem=data.q,answer=data.labels.-1');
  const p = ok({ data: { q: 'Compute the value of 9 squared.', labels: ['x', '81'] } }, { map, kind: 'math' });
  assert.deepEqual([p.prompt, p.answer], ['Compute the value of 9 squared.', '81']);
  assert.throws(() => parseFieldMap('question=x'), /unknown field 'question'/);
  assert.throws(() => parseFieldMap('problem'), /not field=path/);
  const e = toProblem({ data: {} }, 'f.jsonl', 3, { map });
  assert.ok(isFieldError(e) && e.field === 'data.q');
});

test('malformed tests are reported with the field', () => {
  const e = toProblem({ question: 'q?', tests: '{"inputs": [1], ' }, 'f.jsonl', 1);
  assert.ok(isFieldError(e));
  assert.equal(e.field, 'tests');
  assert.match(e.reason, /invalid JSON/);
  const n = toProblem({ question: 'q?', input_output: { inputs: [1, 2], outputs: [1] } }, 'f.jsonl', 1);
  assert.ok(isFieldError(n) && /2 inputs but 1 outputs/.test(n.reason));
});

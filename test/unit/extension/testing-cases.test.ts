// The Test Explorer's cases of a code problem and their outcomes, from real verifier results
// (the real sandbox runs the programs): one case per test, wrong output as a failure with its
// expected and actual output, a crash located on the line its traceback names, a program that
// cannot be judged as errored on every case.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeVerifiers, verify } from '../../../daemon/verify/index.js';
import { asResponse, caseOutcomes, casesOf, caseState, datasetCodeProblem, taskWith } from '../../../extension/testing/cases.js';
import type { CodeTask } from '../../../shared/verify.js';

after(() => closeVerifiers());

const addTask: CodeTask = {
  kind: 'code',
  tests: [
    { input: '1 2\n', output: '3\n' },
    { input: '2 2\n', output: '4\n' },
    { input: '5 7\n', output: '12\n' },
  ],
};

test('one case per test, labelled by number with its input; an assert-style check is one case', () => {
  assert.deepEqual(casesOf(addTask), [
    { label: 'test 1', description: 'input: 1 2' },
    { label: 'test 2', description: 'input: 2 2' },
    { label: 'test 3', description: 'input: 5 7' },
  ]);
  const check: CodeTask = { kind: 'code', tests: { functional: 'def check(candidate):\n    assert candidate(1) == 2\ncheck(f)' }, fn_name: 'f' };
  assert.deepEqual(casesOf(check), [{ label: 'check(candidate)', description: 'def check(candidate): ⏎ assert candidate(1) == 2…' }], 'clipped to one short line');
  assert.deepEqual(taskWith(addTask, [2, 0]).tests, [{ input: '5 7\n', output: '12\n' }, { input: '1 2\n', output: '3\n' }]);
  assert.equal(taskWith(check, [0]), check);
});

test('a wrong program: the failing case carries expected and actual output, the verdict and input; the others pass', async () => {
  const result = await verify(addTask, asResponse('a, b = map(int, input().split())\nprint(a * b)'));
  const [one, two, three] = caseOutcomes(result, 3);
  assert.equal(one.state, 'failed');
  assert.deepEqual([one.expected, one.actual], ['3\n', '2\n']);
  assert.match(one.message, /^wrong_answer: .*first difference on output line 1/);
  assert.match(one.message, /\ninput: 1 2$/, 'a one-line input on the title\'s line');
  assert.equal(one.programLine, undefined, 'no traceback: the case stays on its item');
  assert.equal(two.state, 'passed');
  assert.equal(three.state, 'failed');
  assert.deepEqual([three.expected, three.actual], ['12\n', '35\n']);
});

test('a crash: failed, with stderr, located on the program line the traceback names', async () => {
  const result = await verify(addTask, asResponse('x = int(input().split()[0])\ny = 1 // (x - x)\nprint(y)'));
  const outcomes = caseOutcomes(result, 3);
  for (const o of outcomes) {
    assert.equal(o.state, 'failed');
    assert.match(o.message, /^runtime_error/);
    assert.match(o.message, /\nstderr:\n[\s\S]*ZeroDivisionError/);
    assert.equal(o.programLine, 2);
    assert.equal(o.expected, undefined, 'no output to compare');
  }
});

test('a call-based wrong answer compares the return values; a syntax error is errored', async () => {
  const call: CodeTask = { kind: 'code', fn_name: 'f', tests: [{ input: '3', output: '6' }, { input: '0', output: '0' }] };
  const [three, zero] = caseOutcomes(await verify(call, asResponse('def f(x):\n    return x + 3')), 2);
  assert.equal(three.state, 'passed', 'f(3) = 6');
  assert.equal(zero.state, 'failed', 'f(0) = 3, not 0');
  assert.deepEqual([zero.expected, zero.actual], ['0', '3']);
  const syntax = caseOutcomes(await verify(call, asResponse('def f(x)\n    return x')), 2);
  assert.deepEqual(syntax.map((o) => o.state), ['errored', 'errored']);
  assert.match(syntax[0].message, /^syntax_error/);
  assert.equal(caseState('time_limit_exceeded'), 'failed');
  assert.equal(caseState('memory_limit_exceeded'), 'failed');
});

test('no program to run: every case errored with the verifier\'s verdict and reason', async () => {
  const result = await verify(addTask, 'Add the two numbers.');
  const outcomes = caseOutcomes(result, 2);
  assert.deepEqual(outcomes.map((o) => o.state), ['errored', 'errored']);
  assert.equal(outcomes[0].message, 'no_code: no ```python block in the response');
});

test('a dataset lens\'s normalised record: a code problem with its tests and reference; math or no tests is not one', () => {
  const params = {
    file: '/data/train.jsonl',
    line: 3,
    record: { id: 'add-1', kind: 'code', problem: 'Add a and b.', tests: addTask.tests, solutions: ['print(sum(map(int, input().split())))'], source: '/data/train.jsonl:3' },
    k: 8,
  };
  const p = datasetCodeProblem(params);
  assert.ok(p);
  assert.equal(p.id, 'add-1');
  assert.deepEqual(p.task, addTask);
  assert.equal(p.solution, 'print(sum(map(int, input().split())))');
  assert.equal(p.params, params);
  const call = datasetCodeProblem({ ...params, record: { kind: 'code', problem: 'f', tests: [{ input: '1', output: '2' }], fn_name: 'f' } });
  assert.deepEqual(call && [call.id, call.task.fn_name, call.solution], ['/data/train.jsonl:3', 'f', undefined]);
  assert.equal(datasetCodeProblem({ ...params, record: { kind: 'math', problem: '1+1?', answer: '2' } }), null);
  assert.equal(datasetCodeProblem({ ...params, record: { kind: 'code', problem: 'x', tests: [] } }), null);
});

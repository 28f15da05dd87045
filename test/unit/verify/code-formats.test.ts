// The three test formats (stdin/stdout, call-based, assert-style) and every per-test
// verdict, through the real sandbox (bubblewrap + the forking Python worker).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { CodeTask, IoTest, VerifyResult } from '../../../shared/verify.js';
import { runProgram, SandboxPool, verifyCode } from '../../../daemon/verify/code/index.js';

const pool = new SandboxPool({ size: 2 });
after(() => pool.close());

const io = (tests: IoTest[], extra: Partial<CodeTask> = {}): CodeTask => ({ kind: 'code', tests, time_limit_s: 2, ...extra });
const check = (program: string, task: CodeTask): Promise<VerifyResult> => runProgram(task, program, { pool });
const testsOf = (r: VerifyResult) => (r.details.kind === 'code' ? r.details.tests : assert.fail('code details expected'));

test('stdin/stdout: every test passes -> reward 1, with time, CPU and memory per test', async () => {
  const r = await verifyCode(
    io([
      { input: '1 2\n', output: '3\n' },
      { input: '10 -4\n', output: '6' },
    ]),
    'Here:\n```python\na, b = map(int, input().split())\nprint(a + b)\n```',
    { pool },
  );
  assert.equal(r.reward, 1, JSON.stringify(r));
  assert.equal(r.verdict, 'passed');
  for (const t of testsOf(r)) {
    assert.equal(t.verdict, 'passed');
    assert.ok(t.wallMs! > 0 && t.cpuMs! >= 0 && t.peakMemoryKb! > 1000, JSON.stringify(t));
  }
});

test('stdin/stdout: one wrong test -> wrong_answer with expected, actual and the first differing line', async () => {
  const r = await check('n = int(input())\nfor i in range(n): print(i if i != 2 else 7)', io([{ input: '2', output: '0\n1' }, { input: '4', output: '0\n1\n2\n3\n' }]));
  assert.equal(r.reward, 0);
  assert.equal(r.verdict, 'wrong_answer');
  const [first, second] = testsOf(r);
  assert.equal(first.verdict, 'passed');
  assert.equal(second.verdict, 'wrong_answer');
  assert.equal(second.firstDiffLine, 3);
  assert.equal(second.expected, '0\n1\n2\n3\n');
  assert.equal(second.actual, '0\n1\n7\n3\n');
});

test('call-based: a function, one JSON argument per line; tuples compare as lists', async () => {
  const task = io([{ input: '[3, 1, 2]\n2', output: '[[1, 2], 3]' }], { fn_name: 'split' });
  const r = await check('def split(xs, k):\n    s = sorted(xs)\n    return (s[:k], s[k])', task);
  assert.equal(r.reward, 1, JSON.stringify(r));
});

test('call-based: a class Solution method, and exact comparison of big integers', async () => {
  const program = 'class Solution:\n    def big(self, n: int) -> int:\n        return 10 ** n + (1 if n == 20 else 0)';
  const ok = await check(program, io([{ input: '19', output: '10000000000000000000' }], { fn_name: 'big' }));
  assert.equal(ok.reward, 1, JSON.stringify(ok));
  const off = await check(program, io([{ input: '20', output: '100000000000000000000' }], { fn_name: 'big' }));
  assert.equal(off.verdict, 'wrong_answer');
  assert.equal(testsOf(off)[0].actual, '100000000000000000001');
});

test('call-based: an object that claims equality with everything is not a pass', async () => {
  const program = 'class Any:\n    def __eq__(self, other): return True\n\ndef f(x):\n    return Any()';
  const r = await check(program, io([{ input: '1', output: '1' }], { fn_name: 'f' }));
  assert.equal(r.reward, 0);
  assert.equal(r.verdict, 'wrong_answer');
});

test('assert-style checks with the LeetCode prelude: pass, and a failing assert names its line', async () => {
  const functional = 'def check(candidate):\n    assert candidate([1, 3, 2]) == [1, 2, 3]\n    assert candidate([2, 1]) == [1, 2]\n\ncheck(Solution().sortIt)';
  const good = 'class Solution:\n    def sortIt(self, xs: List[int]) -> List[int]:\n        h = list(xs); heapify(h)\n        return [heappop(h) for _ in xs]';
  assert.equal((await check(good, { kind: 'code', tests: { functional } })).reward, 1);
  const bad = 'class Solution:\n    def sortIt(self, xs: List[int]) -> List[int]:\n        return sorted(xs) if len(xs) > 2 else xs';
  const r = await check(bad, { kind: 'code', tests: { functional } });
  assert.equal(r.verdict, 'wrong_answer');
  const [t] = testsOf(r);
  assert.equal(t.firstDiffLine, 3);
  assert.equal(t.input, 'assert candidate([2, 1]) == [1, 2]');
});

test('assert-style: ending the process before the checks run is never a pass', async () => {
  const functional = 'def check(candidate):\n    assert candidate() == 1\n\ncheck(Solution().f)';
  const r = await check('import os\nclass Solution:\n    def f(self):\n        os._exit(0)', { kind: 'code', tests: { functional } });
  assert.equal(r.reward, 0);
  assert.equal(r.verdict, 'runtime_error');
  const exitEarly = await check('import sys\nsys.exit(0)', { kind: 'code', tests: { functional } });
  assert.equal(exitEarly.verdict, 'runtime_error');
});

test('runtime_error carries the stderr tail; an exception never passes, even with empty expected output', async () => {
  const r = await check('print("partial")\nx = 1 // 0', io([{ input: '', output: '' }]));
  assert.equal(r.verdict, 'runtime_error');
  assert.match(testsOf(r)[0].stderrTail ?? '', /ZeroDivisionError/);
  const silent = await check('raise SystemExit(3)', io([{ input: '', output: '' }]));
  assert.equal(silent.verdict, 'runtime_error');
  const quiet = await check('def f():\n    raise ValueError("x")', io([{ input: '', output: 'null' }], { fn_name: 'f' }));
  assert.equal(quiet.verdict, 'runtime_error');
});

test('syntax_error for a program that does not compile', async () => {
  const r = await check('def f(:\n    pass', io([{ input: '', output: '' }, { input: '1', output: '1' }]));
  assert.equal(r.verdict, 'syntax_error');
  assert.ok(testsOf(r).every((t) => t.verdict === 'syntax_error'));
  assert.match(testsOf(r)[0].stderrTail ?? '', /SyntaxError/);
});

test('time_limit_exceeded for a busy loop and for a sleeping program', async () => {
  const busy = await check('while True:\n    pass', io([{ input: '', output: '' }], { time_limit_s: 0.5 }));
  assert.equal(busy.verdict, 'time_limit_exceeded');
  const sleepy = await check('import time\ntime.sleep(60)', io([{ input: '', output: '' }], { time_limit_s: 0.5 }));
  assert.equal(sleepy.verdict, 'time_limit_exceeded');
});

test('memory_limit_exceeded beyond the address-space limit', async () => {
  const r = await check('x = bytearray(512 * 1024 * 1024)\nprint(len(x))', io([{ input: '', output: '536870912' }], { memory_limit_mb: 256 }));
  assert.equal(r.verdict, 'memory_limit_exceeded', JSON.stringify(r));
  const fits = await check('x = bytearray(64 * 1024 * 1024)\nprint(len(x))', io([{ input: '', output: '67108864' }], { memory_limit_mb: 256 }));
  assert.equal(fits.verdict, 'passed', JSON.stringify(fits));
});

test('stopOnFailure runs no test after the first failure', async () => {
  const r = await runProgram(io([{ input: '1', output: '2' }, { input: '2', output: '2' }, { input: '3', output: '3' }]), 'print(input())', { pool, stopOnFailure: true });
  assert.equal(r.verdict, 'wrong_answer');
  assert.equal(testsOf(r).length, 1);
});

test('workers are replaced after jobsPerWorker tests, and after an anomaly', async () => {
  const small = new SandboxPool({ size: 1, jobsPerWorker: 2 });
  try {
    for (let i = 0; i < 5; i++) {
      const r = await runProgram(io([{ input: `${i}`, output: `${i}` }]), 'print(input())', { pool: small });
      assert.equal(r.reward, 1);
    }
    assert.equal(small.stats.jobs, 5);
    assert.equal(small.stats.workersStarted, 3);
    await runProgram(io([{ input: '', output: '' }]), 'import os\nos.kill(os.getppid(), 9)', { pool: small });
    assert.ok(small.stats.restartsAfterAnomaly >= 1);
    assert.equal((await runProgram(io([{ input: '7', output: '7' }]), 'print(input())', { pool: small })).reward, 1);
  } finally {
    await small.close();
  }
});

test('unsafe mode (explicit opt-in) runs without bubblewrap, with the same judging', async () => {
  const unsafe = new SandboxPool({ size: 1, unsafe: true, bwrap: '/nonexistent/bwrap' });
  try {
    const ok = await runProgram(io([{ input: '4', output: '16' }]), 'print(int(input()) ** 2)', { pool: unsafe });
    assert.equal(ok.reward, 1, JSON.stringify(ok));
    const tle = await runProgram(io([{ input: '', output: '' }], { time_limit_s: 0.5 }), 'while True: pass', { pool: unsafe });
    assert.equal(tle.verdict, 'time_limit_exceeded');
  } finally {
    await unsafe.close();
  }
});

test('assert-style: a return value that claims equality with everything fails the assert', async () => {
  const functional = 'def check(candidate):\n    assert candidate([3, 1]) == [1, 3]\n    assert candidate([2]) == [2]\n\ncheck(Solution().sortIt)';
  const cheats = [
    'class Any:\n    def __eq__(self, other): return True\nclass Solution:\n    def sortIt(self, xs): return Any()',
    'class L(list):\n    def __eq__(self, other): return True\nclass Solution:\n    def sortIt(self, xs): return L()',
  ];
  for (const program of cheats) {
    const r = await check(program, { kind: 'code', tests: { functional } });
    assert.equal(r.reward, 0, program);
    assert.equal(r.verdict, 'wrong_answer');
  }
  // Standard-library results still compare as they do in LeetCode's own harness.
  const counter = 'class Solution:\n    def sortIt(self, xs): return sorted(Counter(xs).elements())';
  assert.equal((await check(counter, { kind: 'code', tests: { functional } })).reward, 1);
});

test('deep recursion through @cache (C stack) passes, as it does on LeetCode', async () => {
  const program = 'from functools import cache\n@cache\ndef depth(i):\n    return 0 if i == 0 else 1 + depth(i - 1)\nprint(depth(20000))';
  const r = await check(program, io([{ input: '', output: '20000' }]));
  assert.equal(r.verdict, 'passed', JSON.stringify(r));
});

test('many programs at once: every test answered and judged against its own expected value', async () => {
  const runs: Promise<VerifyResult>[] = [];
  for (let i = 0; i < 15; i++) {
    const calls = [i, i + 1].map((x) => ({ input: `${x}`, output: `${2 * x + (i % 3 === 0 ? 1 : 0)}` }));
    runs.push(check('def f(x): return 2 * x', io(calls, { fn_name: 'f' })));
    runs.push(check('print(input())', io([{ input: `${i}`, output: `${i}` }])));
  }
  const rewards = (await Promise.all(runs)).map((r) => r.reward);
  // Every third call-based task expects 2x+1, so exactly those fail.
  assert.deepEqual(rewards, Array.from({ length: 15 }, (_, i) => [i % 3 === 0 ? 0 : 1, 1]).flat());
});

test('stdin/stdout: a program that runs main() in a thread with a big stack is waited for', async () => {
  const program = [
    'import sys, threading',
    'def depth(n):',
    '    return 0 if n == 0 else 1 + depth(n - 1)',
    'def main():',
    '    n = int(input())',
    '    print(depth(n))',
    'sys.setrecursionlimit(1 << 20)',
    'threading.stack_size(1 << 27)',
    'threading.Thread(target=main).start()',
  ].join('\n');
  const r = await check(program, io([{ input: '100000', output: '100000' }]));
  assert.equal(r.verdict, 'passed', JSON.stringify(r));
});

test('assert-style: a check block that never calls check() is run with fn_name, or refused', async () => {
  const functional = 'def check(candidate):\n    assert candidate(2) == 4\n';
  const wrong = 'def double(x):\n    return x + 3';
  const r = await check(wrong, { kind: 'code', tests: { functional }, fn_name: 'double' });
  assert.equal(r.verdict, 'wrong_answer', JSON.stringify(r));
  assert.equal((await check('def double(x):\n    return 2 * x', { kind: 'code', tests: { functional }, fn_name: 'double' })).reward, 1);
  const refused = await check(wrong, { kind: 'code', tests: { functional } });
  assert.equal(refused.verdict, 'verifier_error');
  assert.equal(refused.reward, 0);
});

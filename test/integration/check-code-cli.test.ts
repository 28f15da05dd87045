// `rlvr check code` end to end: the real CLI in a child process, the real sandbox.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { PROJECT_ROOT } from '../../daemon/data/fixtures.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-check-code-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function rlvr(...args: string[]): { code: number | null; json: any; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin/rlvr.js'), 'check', 'code', ...args], { encoding: 'utf8', timeout: 120_000 });
  let json: unknown = null;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    // not JSON: left null, the assertions say so
  }
  return { code: r.status, json, stderr: r.stderr };
}

test('--program --tests: stdin/stdout tests, reward 1 and exit 0', () => {
  const program = write('sum.py', 'a, b = map(int, input().split())\nprint(a + b)\n');
  const tests = write('sum.json', [{ input: '1 2\n', output: '3\n' }, { input: '-5 5', output: '0' }]);
  const r = rlvr('--program', program, '--tests', tests);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.reward, 1);
  assert.deepEqual(r.json.tests.map((t: { verdict: string }) => t.verdict), ['passed', 'passed']);
});

test('--fn-name: call-based tests, one JSON argument per line; a wrong one exits 1 with expected and actual', () => {
  const program = write('sol.py', 'class Solution:\n    def twoSum(self, nums, target):\n        seen = {}\n        for i, x in enumerate(nums):\n            if target - x in seen:\n                return [seen[target - x], i]\n            seen[x] = i\n');
  const good = write('two-sum.json', [{ input: '[2, 7, 11, 15]\n9', output: '[0, 1]' }, { input: '[3, 2, 4]\n6', output: '[1, 2]' }]);
  const ok = rlvr('--program', program, '--tests', good, '--fn-name', 'twoSum');
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.json.reward, 1);
  const bad = write('two-sum-bad.json', [{ input: '[3, 3]\n6', output: '[1, 0]' }]);
  const wrong = rlvr('--program', program, '--tests', bad, '--fn-name', 'twoSum');
  assert.equal(wrong.code, 1);
  assert.equal(wrong.json.reward, 0);
  assert.equal(wrong.json.tests[0].verdict, 'wrong_answer');
  assert.equal(wrong.json.tests[0].expected, '[1, 0]');
  assert.equal(wrong.json.tests[0].actual, '[0, 1]');
});

test('--problems: every reference solution, {total, passed, failed}', () => {
  const functional = (name: string, cases: string[]) => `def check(candidate):\n${cases.map((c) => `    assert ${c}`).join('\n')}\n\ncheck(Solution().${name})`;
  const problems = write('problems.json', [
    { problem: 'double', solutions: 'class Solution:\n    def double(self, x: int) -> int:\n        return 2 * x\n', tests: { functional: functional('double', ['candidate(x = 2) == 4']) } },
    { problem: 'heap', solutions: 'class Solution:\n    def smallest(self, xs: List[int]) -> int:\n        h = list(xs)\n        heapify(h)\n        return heappop(h)\n', tests: { functional: functional('smallest', ['candidate([3, 1, 2]) == 1']) } },
    { problem: 'broken', solutions: 'class Solution:\n    def inc(self, x):\n        return x\n', tests: { functional: functional('inc', ['candidate(1) == 2']) } },
  ]);
  const r = rlvr('--problems', problems);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.json.total, 3);
  assert.equal(r.json.passed, 2);
  assert.equal(r.json.failed.length, 1);
  assert.equal(r.json.failed[0].index, 2);
  assert.equal(r.json.failed[0].verdict, 'wrong_answer');
});

test('bad input: a clear one-line error naming the file and the field', () => {
  const program = write('p.py', 'print(1)\n');
  const tests = write('bad.json', [{ input: '', output: '1' }, { input: '' }]);
  const r = rlvr('--program', program, '--tests', tests);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bad\.json: test 1: field 'output' must be a string/);
  const missing = rlvr('--program', program);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /--program and --tests are required/);
});

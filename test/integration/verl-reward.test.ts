// The verl reward module (`rlvr verl reward-module`) run by Debian's python3 against a real
// daemon: math right/wrong, code all-pass/one-fail/fn_name, and the failures that must raise
// (daemon down, sandbox failing) instead of looking like a wrong answer.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../daemon/data/fixtures.js';
import { runCli, startDaemon, tmpDataDir, type Daemon } from './daemon.js';

const PYTHON = '/usr/bin/python3';
const CALL = path.join(PROJECT_ROOT, 'test', 'integration', 'verl', 'call_reward.py');

type Call = { data_source: string; solution_str: string; ground_truth: unknown; extra_info?: unknown };
type Outcome = { result?: { score: number; acc: boolean; verdict: string; pred: string }; raised?: string; message?: string };

function callReward(modulePath: string, calls: Call[], env: NodeJS.ProcessEnv): Promise<Outcome[]> {
  return new Promise((resolve, reject) => {
    const clean = { ...process.env };
    delete clean.RLVR_URL;
    delete clean.RLVR_TOKEN;
    delete clean.RLVR_DATA_DIR;
    const p = spawn(PYTHON, [CALL, modulePath, JSON.stringify(calls)], { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b) => (out += b));
    p.stderr.on('data', (b) => (err += b));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Outcome[]) : reject(new Error(`python exited ${code}: ${err}`))));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const ADD = '```python\na, b = map(int, input().split())\nprint(a + b)\n```';
const ADD_WRONG_SECOND = '```python\na, b = map(int, input().split())\nprint(a + b if a == 1 else 0)\n```';
const SUM_TESTS = JSON.stringify({ inputs: ['1 2\n', '3 4\n'], outputs: ['3\n', '7\n'] });

describe('verl reward module against a real daemon', () => {
  let dataDir: string;
  let daemon: Daemon;
  let modulePath: string;
  before(async () => {
    dataDir = tmpDataDir();
    daemon = await startDaemon(dataDir);
    const r = await runCli(['verl', 'reward-module']);
    assert.equal(r.code, 0, r.stderr);
    modulePath = r.stdout.trim();
  });
  after(async () => {
    await daemon.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('rlvr verl reward-module prints the absolute path of a file that exists', () => {
    assert.ok(path.isAbsolute(modulePath), modulePath);
    assert.ok(existsSync(modulePath), modulePath);
    assert.equal(path.basename(modulePath), 'rlvr_reward.py');
  });

  it('scores math and code (all tests or nothing), finding the daemon through RLVR_DATA_DIR', async () => {
    const out = await callReward(
      modulePath,
      [
        { data_source: 'math', solution_str: 'Half of it: \\boxed{\\frac{1}{2}}', ground_truth: '0.5' },
        { data_source: 'math', solution_str: 'So \\boxed{3}.', ground_truth: '4' },
        { data_source: 'code', solution_str: ADD, ground_truth: SUM_TESTS },
        { data_source: 'code', solution_str: ADD_WRONG_SECOND, ground_truth: SUM_TESTS },
        {
          data_source: 'code',
          solution_str: '```python\nclass Solution:\n    def add(self, a, b):\n        return a + b\n```',
          ground_truth: { fn_name: 'add', inputs: [[1, 2], [[1], [2]]], outputs: [3, [1, 2]] },
        },
        { data_source: 'code', solution_str: 'I would loop over the input.', ground_truth: SUM_TESTS },
        {
          data_source: 'code',
          solution_str: '```python\ndef double(x):\n    return 2 * x\n```',
          ground_truth: JSON.stringify({ functional: 'def check(candidate):\n    assert candidate(2) == 4\n    assert candidate(5) == 11\n', fn_name: 'double' }),
        },
      ],
      { RLVR_DATA_DIR: dataDir },
    );
    assert.deepEqual(out[0], { result: { score: 1, acc: true, verdict: 'correct', pred: '\\frac{1}{2}' } });
    assert.deepEqual(out[1], { result: { score: 0, acc: false, verdict: 'wrong', pred: '3' } });
    assert.deepEqual(out[2].result && { ...out[2].result, pred: undefined }, { score: 1, acc: true, verdict: 'passed', pred: undefined });
    assert.match(out[2].result!.pred, /print\(a \+ b\)/);
    // One of two tests failing is reward 0 (AceReason's rule), not verl's default fraction 0.5.
    assert.equal(out[3].result?.score, 0);
    assert.equal(out[3].result?.verdict, 'wrong_answer');
    assert.equal(out[4].result?.score, 1, JSON.stringify(out[4]));
    assert.deepEqual(out[5], { result: { score: 0, acc: false, verdict: 'no_code', pred: '' } });
    // A check(candidate) block whose second assert fails.
    assert.equal(out[6].result?.verdict, 'wrong_answer', JSON.stringify(out[6]));
  });

  it('uses RLVR_URL and RLVR_TOKEN when set', async () => {
    const [ok] = await callReward(modulePath, [{ data_source: 'm', solution_str: '\\boxed{12}', ground_truth: '12' }], {
      RLVR_URL: `http://127.0.0.1:${daemon.port}`,
      RLVR_TOKEN: daemon.token,
    });
    assert.equal(ok.result?.score, 1);
    const [wrongToken] = await callReward(modulePath, [{ data_source: 'm', solution_str: '\\boxed{12}', ground_truth: '12' }], {
      RLVR_URL: `http://127.0.0.1:${daemon.port}`,
      RLVR_TOKEN: 'not-the-token',
    });
    assert.equal(wrongToken.raised, 'RlvrRewardError');
    assert.match(wrongToken.message!, /HTTP 401/);
  });

  it('raises when the daemon cannot be reached or is not running', async () => {
    const port = await freePort();
    const call = { data_source: 'm', solution_str: '\\boxed{1}', ground_truth: '1' };
    const [down] = await callReward(modulePath, [call], { RLVR_URL: `http://127.0.0.1:${port}`, RLVR_TOKEN: 'x' });
    assert.equal(down.raised, 'RlvrRewardError');
    assert.match(down.message!, new RegExp(`cannot reach the rlvr daemon at http://127\\.0\\.0\\.1:${port}`));
    const empty = tmpDataDir();
    const [noLock] = await callReward(modulePath, [call], { RLVR_DATA_DIR: empty });
    assert.equal(noLock.raised, 'RlvrRewardError');
    assert.match(noLock.message!, /daemon\.lock does not exist \(start `rlvr serve`/);
    rmSync(empty, { recursive: true, force: true });
  });

  it('raises when the sandbox fails (bubblewrap that cannot start), never scoring it 0', async () => {
    const broken = tmpDataDir();
    process.env.RLVR_BWRAP = '/usr/bin/false';
    let d: Daemon;
    try {
      d = await startDaemon(broken);
    } finally {
      delete process.env.RLVR_BWRAP;
    }
    try {
      const [out] = await callReward(modulePath, [{ data_source: 'code', solution_str: ADD, ground_truth: SUM_TESTS }], { RLVR_DATA_DIR: broken });
      assert.equal(out.raised, 'RlvrRewardError', JSON.stringify(out));
      assert.match(out.message!, /verifier failure \(sandbox_error\) on a code problem from code: .*sandbox worker/);
      // The same failure through SandboxFusion's API is a SandboxError (verl's -1), not a program's failure.
      const r = await fetch(`http://127.0.0.1:${d.port}/run_code?token=${d.token}`, { method: 'POST', body: JSON.stringify({ code: 'print(1)', language: 'python' }) });
      const body = (await r.json()) as { status: string; run_result: unknown; message: string };
      assert.equal(body.status, 'SandboxError');
      assert.equal(body.run_result, null);
      assert.match(body.message, /sandbox worker/);
    } finally {
      await d.stop();
      rmSync(broken, { recursive: true, force: true });
    }
  });
});

// SandboxFusion's /run_code on a real daemon (and on `rlvr sandbox`), driven by Debian's python3
// with requests the way verl's sandbox_fusion client sends them (test/integration/verl/
// sandbox_fusion_client.py), and with VERL_SRC set, by verl's own check_correctness.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../daemon/data/fixtures.js';
import { BIN, runCli, startDaemon, tmpDataDir, type Daemon } from './daemon.js';

const PYTHON = '/usr/bin/python3';
const CLIENT = path.join(PROJECT_ROOT, 'test', 'integration', 'verl', 'sandbox_fusion_client.py');
const noRequests =
  spawnSync(PYTHON, ['-c', 'import requests']).status === 0 ? false : `${PYTHON} cannot import requests (apt-get install python3-requests)`;
const skip = process.env.CI && noRequests ? false : noRequests; // in CI a missing package is a failure

function runPython(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(PYTHON, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b) => (stdout += b));
    p.stderr.on('data', (b) => (stderr += b));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const r = await fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', ...headers } });
  return { status: r.status, json: await r.json() };
}

describe('SandboxFusion /run_code on rlvr serve', { skip }, () => {
  let dataDir: string;
  let daemon: Daemon;
  let base: string;
  before(async () => {
    dataDir = tmpDataDir();
    daemon = await startDaemon(dataDir);
    base = `http://127.0.0.1:${daemon.port}`;
  });
  after(async () => {
    await daemon.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers verl's client: per-case True/False/-2/-3, stdin and fn_name cases, concurrency, wrong token -1", async () => {
    const verlSrc = process.env.VERL_SRC;
    const r = await runPython([CLIENT, `${base}/run_code?token=${encodeURIComponent(daemon.token)}`], verlSrc ? { VERL_SRC: verlSrc } : {});
    process.stdout.write(r.stdout);
    if (!verlSrc) console.log("VERL_SRC is not set: verl's own check_correctness was not run (only our client with its request shapes)");
    assert.equal(r.code, 0, `client failed:\n${r.stdout}\n${r.stderr}`);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { failures: number; verl_layer: boolean };
    assert.deepEqual(summary, { failures: 0, verl_layer: Boolean(verlSrc) });
  });

  it('refuses a missing token, a browser origin, another language and a bad field, naming it', async () => {
    const body = { code: 'print(1)', language: 'python' };
    assert.equal((await post(`${base}/run_code`, body)).status, 401);
    assert.equal((await post(`${base}/run_code?token=${daemon.token}`, body, { Origin: 'https://evil.example' })).status, 403);
    const ping = await fetch(`${base}/v1/ping`, { headers: { Authorization: `Bearer ${daemon.token}` } });
    assert.equal(ping.status, 200);
    assert.equal(await ping.json(), 'pong');
    const cpp = await post(`${base}/run_code`, { code: 'int main(){}', language: 'cpp' }, { Authorization: `Bearer ${daemon.token}` });
    assert.equal(cpp.status, 400);
    assert.match(cpp.json.error, /field 'language' "cpp" is not run here/);
    const badTimeout = await post(`${base}/run_code?token=${daemon.token}`, { code: 'print(1)', run_timeout: 'soon' });
    assert.equal(badTimeout.status, 400);
    assert.match(badTimeout.json.error, /field 'run_timeout'/);
    const files = await post(`${base}/run_code?token=${daemon.token}`, { code: 'print(1)', files: { 'a.txt': 'aGk=' } });
    assert.equal(files.json.status, 'SandboxError');
    assert.match(files.json.message, /files and fetch_files are not supported/);
  });

  it('reports SandboxFusion fields for a finished run: stdout, stderr, return_code, execution_time', async () => {
    const r = await post(`${base}/run_code?token=${daemon.token}`, {
      code: 'import sys\nprint(sys.stdin.read().upper())\nprint("e", file=sys.stderr)',
      stdin: 'abc',
      language: 'python',
      compile_timeout: 10,
      run_timeout: 10,
      memory_limit_MB: 256,
      files: {},
      fetch_files: [],
    });
    assert.equal(r.status, 200);
    assert.equal(r.json.status, 'Success');
    assert.equal(r.json.compile_result, null);
    assert.equal(r.json.run_result.status, 'Finished');
    assert.equal(r.json.run_result.return_code, 0);
    assert.equal(r.json.run_result.stdout, 'ABC\n');
    assert.equal(r.json.run_result.stderr, 'e\n');
    assert.equal(typeof r.json.run_result.execution_time, 'number');
  });
});

describe('rlvr sandbox', { skip }, () => {
  const started: ChildProcess[] = [];
  after(() => {
    for (const p of started) p.kill('SIGTERM');
  });

  function startSandbox(args: string[]): Promise<{ proc: ChildProcess; port: number }> {
    const proc = spawn(process.execPath, [BIN, 'sandbox', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(proc);
    return new Promise((resolve, reject) => {
      let out = '';
      let err = '';
      proc.stderr!.on('data', (b) => (err += b));
      proc.stdout!.on('data', (b) => {
        out += b;
        if (out.includes('\n')) resolve({ proc, port: (JSON.parse(out.split('\n')[0]) as { port: number }).port });
      });
      proc.on('exit', (code) => reject(new Error(`rlvr sandbox exited ${code}: ${err}`)));
    });
  }

  it('refuses a non-loopback host without a token file', async () => {
    const r = await runCli(['sandbox', '--host', '0.0.0.0', '--port', '0']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--host 0\.0\.0\.0 is reachable from other machines: a token is mandatory there \(--token-file F\)/);
  });

  it('on loopback without a token serves verl-shaped requests; with --token-file off loopback it requires the token', async () => {
    const open = await startSandbox([]);
    const r = await runPython([CLIENT, `http://127.0.0.1:${open.port}/run_code`]);
    // Without a token the "wrong token" check cannot fail the request: only the per-case checks count.
    assert.match(r.stdout, /ok {3}ours: fn_name function/);
    assert.match(r.stdout, /ok {3}ours: timeout/);

    const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-sandbox-'));
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, 'a-long-enough-test-token-0123456789\n', { mode: 0o600 });
    const guarded = await startSandbox(['--host', '0.0.0.0', '--token-file', tokenFile]);
    const url = `http://127.0.0.1:${guarded.port}/run_code`;
    assert.equal((await post(url, { code: 'print(1)' })).status, 401);
    const ok = await post(`${url}?token=a-long-enough-test-token-0123456789`, { code: 'print(1)' });
    assert.equal(ok.json.status, 'Success');
    assert.equal(ok.json.run_result.stdout, '1\n');
    rmSync(dir, { recursive: true, force: true });
  });
});

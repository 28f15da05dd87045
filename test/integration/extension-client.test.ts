// The extension's way to the daemon, outside VS Code: find it through the lock file or
// start `rlvr serve`, then speak JSON-RPC over the WebSocket with the typed constants.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createMessageConnection } from 'vscode-jsonrpc/node.js';
import { locateDaemon, readLock, type DaemonEndpoint } from '../../extension/daemon/locate.js';
import { openTransport } from '../../extension/daemon/transport.js';
import { Methods } from '../../shared/protocol.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const dataDir = mkdtempSync(path.join(tmpdir(), 'rlvr-ext-client-'));
let started: DaemonEndpoint | undefined;

after(async () => {
  const child = started?.child;
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

const options = (log: string[]) => ({
  dataDir,
  command: process.execPath,
  args: [path.join(ROOT, 'bin', 'rlvr.js')],
  port: 0,
  env: { ...process.env },
  log: (l: string) => log.push(l),
});

test('with no lock file, locateDaemon starts `rlvr serve` and reads its token', async () => {
  assert.equal(await readLock(dataDir), null);
  const log: string[] = [];
  started = await locateDaemon(options(log));
  assert.ok(started.child, 'this call started the daemon');
  assert.equal(started.pid, started.child.pid);
  assert.ok(started.port > 0 && started.token.length >= 16);
});

test('the typed requests go over the WebSocket and come back', async () => {
  const t = await openTransport(started!);
  const conn = createMessageConnection(t.reader, t.writer);
  conn.listen();
  try {
    const status = await conn.sendRequest(Methods.status.method, {});
    assert.equal((status as { pid: number }).pid, started!.pid);
    const runs = await conn.sendRequest(Methods.listRuns.method, {});
    assert.deepEqual(runs, []);
  } finally {
    conn.dispose();
    t.socket.close();
  }
});

test('a second client finds the running daemon through the lock file instead of starting one', async () => {
  const log: string[] = [];
  const again = await locateDaemon(options(log));
  assert.equal(again.child, undefined, 'nothing new was started');
  assert.equal(again.pid, started!.pid);
  assert.ok(log.some((l) => l.includes('found pid')));
});

test('a missing CLI is reported with what to install', async () => {
  const empty = mkdtempSync(path.join(tmpdir(), 'rlvr-ext-nodaemon-'));
  try {
    const opts = { ...options([]), dataDir: empty, command: 'rlvr', args: [], env: { ...process.env, PATH: empty } };
    await assert.rejects(locateDaemon(opts), /no `rlvr` on PATH.*npm install -g rlvr-studio.*rlvr\.daemon\.path/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('a CLI that dies before it is ready is reported with the line that says why', async () => {
  const empty = mkdtempSync(path.join(tmpdir(), 'rlvr-ext-nodaemon-'));
  try {
    const opts = { ...options([]), dataDir: empty, args: ['/nonexistent/rlvr.js'] };
    await assert.rejects(locateDaemon(opts), /`rlvr serve` exited with code 1 before it was ready: Error: Cannot find module '\/nonexistent\/rlvr\.js'/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('a wrong token is refused with a clear message', async () => {
  await assert.rejects(openTransport({ ...started!, token: 'not-the-token' }), /refused the connection \(HTTP 401\)/);
});

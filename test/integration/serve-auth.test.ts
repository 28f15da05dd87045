// Who may connect, and how a second daemon finds the first through the lock file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Methods } from '../../shared/protocol.js';
import { connect, openSocket, refusal, runCli, startDaemon, tmpDataDir } from './daemon.js';

test('refused: no token, wrong token, a browser Origin (even with the token); accepted: Bearer header or token query', async () => {
  const d = await startDaemon(tmpDataDir());
  try {
    const none = await refusal(openSocket(d.port));
    assert.equal(none.status, 401);
    assert.match(none.body, /token required/);
    const wrong = await refusal(openSocket(d.port, { token: 'x'.repeat(43) }));
    assert.equal(wrong.status, 401);
    assert.match(wrong.body, /wrong token/);
    const browser = await refusal(openSocket(d.port, { bearer: d.token, headers: { Origin: 'https://evil.example' } }));
    assert.equal(browser.status, 403);
    assert.match(browser.body, /browser origin https:\/\/evil\.example refused/);

    const byQuery = openSocket(d.port, { token: d.token });
    await new Promise((resolve, reject) => (byQuery.once('open', resolve), byQuery.once('error', reject)));
    byQuery.close();
    const c = await connect(d.port, d.token); // Bearer
    const status = await c.request(Methods.status, {});
    assert.equal(status.pid, d.pid);
    assert.equal(status.clients, 1);
    await c.close();
  } finally {
    await d.stop();
  }
});

test('the lock file is 0600 and holds {port, token, pid}; a second serve reports the first and exits 0; SIGTERM removes the lock', async () => {
  const dir = tmpDataDir();
  const d = await startDaemon(dir);
  try {
    assert.equal(d.lockFile, path.join(dir, 'daemon.lock'));
    assert.equal(statSync(d.lockFile).mode & 0o777, 0o600);
    assert.ok(d.token.length >= 32);
    const second = await runCli(['serve', '--data-dir', dir]);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(JSON.parse(second.stdout.trim()), { port: d.port, pid: d.pid, lockFile: d.lockFile });
  } finally {
    assert.equal(await d.stop(), 0);
  }
  assert.equal(existsSync(d.lockFile), false, 'lock removed on clean exit');
});

test('a stale lock (dead pid) or a torn one is replaced; a killed daemon leaves a lock the next one replaces', async () => {
  const dir = tmpDataDir();
  const lockFile = path.join(dir, 'daemon.lock');
  writeFileSync(lockFile, JSON.stringify({ port: 1, token: 'old', pid: 2 ** 22 + 1 }), { mode: 0o600 });
  const d = await startDaemon(dir);
  assert.notEqual(d.token, 'old');
  await d.kill9();
  assert.ok(existsSync(lockFile), 'SIGKILL leaves the lock behind');
  const d2 = await startDaemon(dir);
  assert.notEqual(d2.pid, d.pid);
  await d2.stop();
  writeFileSync(lockFile, '{"port": 4', { mode: 0o600 });
  const d3 = await startDaemon(dir);
  await d3.stop();
});

test('a non-loopback bind is refused with a clear error', async () => {
  for (const host of ['0.0.0.0', '192.168.1.10']) {
    const r = await runCli(['serve', '--data-dir', tmpDataDir(), '--host', host]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`refusing --host ${host.replace(/\./g, '\\.')}: the daemon listens on 127\\.0\\.0\\.1 only`));
    assert.equal(r.stdout, '');
  }
});

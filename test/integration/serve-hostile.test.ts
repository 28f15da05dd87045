// Issue 14: whatever one client sends or names, the daemon keeps answering the others.
// Two authenticated clients on a real `rlvr serve`: the attacker sends each hostile input,
// then the bystander must get rlvr/status within 2 s, and the daemon is alive at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { Methods } from '../../shared/protocol.js';
import { connect, openSocket, startDaemon, tmpDataDir, type Client, type Daemon } from './daemon.js';

let d: Daemon;
let attacker: Client;
let bystander: Client;
const work = mkdtempSync(path.join(os.tmpdir(), 'rlvr-hostile-'));

before(async () => {
  d = await startDaemon(tmpDataDir());
  attacker = await connect(d.port, d.token);
  bystander = await connect(d.port, d.token);
  await attacker.conn.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} });
  attacker.conn.sendNotification('initialized', {});
  await bystander.request(Methods.status, {}); // the first status loads the backend report once
});

after(async () => {
  await attacker.close().catch(() => undefined);
  await bystander.close();
  assert.equal(d.proc.exitCode, null, `the daemon exited; stderr: ${d.stderr()}`);
  assert.equal(await d.stop(), 0);
});

/** The bystander's rlvr/status, which must come back within 2 s. */
async function statusWithin2s(): Promise<void> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`rlvr/status did not answer within 2 s; daemon stderr: ${d.stderr().slice(-2000)}`)), 2000);
  });
  try {
    const s = await Promise.race([bystander.request(Methods.status, {}), timeout]);
    assert.equal(s.pid, d.pid);
  } finally {
    clearTimeout(timer);
  }
  assert.ok(Date.now() - started < 2000);
}

/** A raw socket of the attacker's: sends exactly these bytes; the next reply or the close. */
async function rawSocket(): Promise<{ ws: WebSocket; send(text: string): Promise<{ reply?: Record<string, unknown>; closed?: number }> }> {
  const ws = openSocket(d.port, { bearer: d.token });
  ws.on('error', () => {});
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  return {
    ws,
    send: (text) =>
      new Promise((resolve) => {
        ws.once('message', (m) => resolve({ reply: JSON.parse(m.toString()) as Record<string, unknown> }));
        ws.once('close', (code) => resolve({ closed: code }));
        ws.send(text);
      }),
  };
}

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

test('5000-deep JSON as a request id, as $/cancelRequest params.id and as a response result: refused, the daemon serves on', async () => {
  const r = await rawSocket();
  for (const text of [
    `{"jsonrpc":"2.0","id":${deep(5000)},"method":"rlvr/status","params":{}}`,
    `{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":${deep(5000)}}}`,
    `{"jsonrpc":"2.0","id":7,"result":${deep(5000)}}`,
    `{"jsonrpc":"2.0","id":8,"method":"rlvr/listRuns","params":{"x":${deep(5000)}}}`,
  ]) {
    const out = await r.send(text);
    assert.equal(out.closed, undefined, 'the socket stays open');
    assert.match(String((out.reply?.error as { message?: string })?.message), /nested more than \d+ levels/);
    await statusWithin2s();
  }
  r.ws.close();
});

test('a request whose id is an object gets an error reply naming the id', async () => {
  const r = await rawSocket();
  const out = await r.send('{"jsonrpc":"2.0","id":{"a":1},"method":"rlvr/status","params":{}}');
  assert.equal(out.reply?.id, null);
  assert.match(String((out.reply?.error as { message?: string })?.message), /"id" must be a number, a string or null/);
  r.ws.close();
  await statusWithin2s();
});

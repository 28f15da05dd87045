// rlvr/status latency seen by one client while another sends the heaviest hostile inputs of
// issue 14 (a 200,000-line verl step file to import; a 60,000-line dataset opened in the LSP
// with its code lenses requested), beside the same client's latency on an idle daemon.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, type MessageConnection } from 'vscode-jsonrpc';
import WebSocket from 'ws';
import { Methods } from '../../shared/protocol.js';
import { startServer } from '../server/server.js';
import { WebSocketMessageReader, WebSocketMessageWriter } from '../../shared/transport.js';
import { openRunStore } from '../store/index.js';

async function client(port: number): Promise<{ conn: MessageConnection; close(): void }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: { Authorization: 'Bearer bench' } });
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  const conn = createMessageConnection(new WebSocketMessageReader(ws), new WebSocketMessageWriter(ws));
  conn.listen();
  return { conn, close: () => (conn.dispose(), ws.close()) };
}

interface Latency {
  samples: number;
  p50: number;
  max: number;
}

/** Status round-trips, one after another with 50 ms between, until `until` settles (or n idle ones). */
async function statusLatencies(conn: MessageConnection, until: Promise<unknown> | number): Promise<Latency> {
  const ms: number[] = [];
  let settled = false;
  if (typeof until !== 'number') void until.finally(() => (settled = true));
  while (typeof until === 'number' ? ms.length < until : !settled) {
    const t0 = performance.now();
    await conn.sendRequest(Methods.status.method, {});
    ms.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 50));
  }
  ms.sort((a, b) => a - b);
  return { samples: ms.length, p50: ms[Math.floor(ms.length / 2)], max: ms[ms.length - 1] };
}

export async function statusUnderLoad(): Promise<{ idle: Latency; verl: Latency; lenses: Latency }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-bench-hostile-'));
  const store = openRunStore(path.join(dir, 'runs.db'));
  const server = await startServer({ store, dataDir: dir, token: 'bench', version: 'bench', backend: async () => null });
  const bystander = await client(server.port);
  const attacker = await client(server.port);
  try {
    const idle = await statusLatencies(bystander.conn, 40);

    const verlDir = path.join(dir, 'verl');
    mkdirSync(verlDir);
    const lines: string[] = [];
    for (let i = 0; i < 200_000; i++) lines.push(JSON.stringify({ input: i < 30_000 ? 'same' : `p${i % 5000}`, output: 'o', gts: '1', score: i % 2, step: 1 }));
    writeFileSync(path.join(verlDir, '1.jsonl'), lines.join('\n') + '\n');
    const verl = await statusLatencies(bystander.conn, attacker.conn.sendRequest(Methods.importVerlRun.method, { dir: verlDir }));

    const file = path.join(dir, 'big.jsonl');
    const problems: string[] = [];
    for (let i = 0; i < 60_000; i++) problems.push(JSON.stringify({ problem: `What is ${i} + 1? Give the number.`, answer: String(i + 1) }));
    const text = problems.join('\n') + '\n';
    writeFileSync(file, text);
    const uri = pathToFileURL(file).href;
    await attacker.conn.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} });
    await attacker.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'jsonl', version: 1, text } });
    const lenses = await statusLatencies(bystander.conn, attacker.conn.sendRequest('textDocument/codeLens', { textDocument: { uri } }));
    return { idle, verl, lenses };
  } finally {
    bystander.close();
    attacker.close();
    await server.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

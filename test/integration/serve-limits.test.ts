// The two size limits, with small values so the test sends little: a message over the
// JSON-RPC limit gets an error and the socket stays; a frame over the WebSocket limit
// closes that socket (1009) unread. Either way every other client is served on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer } from '../../daemon/server/server.js';
import { openRunStore } from '../../daemon/store/index.js';
import { Methods } from '../../shared/protocol.js';
import { connect, openSocket, tmpDataDir } from './daemon.js';

test('over the message limit: an error; over the frame limit: the socket closes 1009; others unaffected', async () => {
  const dir = tmpDataDir();
  const store = openRunStore(path.join(dir, 'runs.db'));
  const server = await startServer({ store, dataDir: dir, token: 't', version: 'test', maxMessageBytes: 64 * 1024, maxFrameBytes: 256 * 1024, backend: async () => null });
  try {
    const other = await connect(server.port, 't');
    const ws = openSocket(server.port, { bearer: 't' });
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    const request = (bytes: number) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: Methods.listRuns.method, params: {}, pad: 'x'.repeat(bytes) });

    const reply = await new Promise<{ id: number; error: { code: number; message: string } }>((resolve) => {
      ws.once('message', (m) => resolve(JSON.parse(m.toString())));
      ws.send(request(100 * 1024));
    });
    assert.equal(reply.id, 1);
    assert.equal(reply.error.code, -32600);
    assert.match(reply.error.message, /over the 65536-byte limit/);

    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('error', () => {});
    ws.send(request(512 * 1024));
    assert.equal(await closed, 1009);

    assert.deepEqual(await other.request(Methods.listRuns, {}), []);
    await other.close();
  } finally {
    await server.close();
    store.close();
  }
});

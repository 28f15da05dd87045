// The JSON-RPC transport to the daemon: a WebSocket on loopback, with vscode-jsonrpc's
// stream reader/writer (Content-Length framing) over the socket's byte stream — the same
// pair the daemon uses on its side. No browser Origin header: a Node client sends none.
import WebSocket, { createWebSocketStream } from 'ws';
import { StreamMessageReader, StreamMessageWriter, type MessageReader, type MessageWriter } from 'vscode-jsonrpc/node.js';
import type { DaemonLock } from '../../shared/daemon-lock.js';

export interface Transport {
  reader: MessageReader;
  writer: MessageWriter;
  socket: WebSocket;
}

export function openTransport(lock: DaemonLock, timeoutMs = 10_000): Promise<Transport> {
  const url = `ws://127.0.0.1:${lock.port}/`;
  const socket = new WebSocket(url, { headers: { Authorization: `Bearer ${lock.token}` }, handshakeTimeout: timeoutMs });
  return new Promise((resolve, reject) => {
    socket.once('unexpected-response', (_req, res) => {
      reject(new Error(`the daemon on port ${lock.port} refused the connection (HTTP ${res.statusCode})`));
      socket.terminate();
    });
    socket.once('error', (err) => reject(new Error(`cannot reach the daemon at ${url}: ${err.message}`)));
    socket.once('open', () => {
      const stream = createWebSocketStream(socket);
      // Errors surface through the reader/writer; without a listener a Duplex error would throw.
      stream.on('error', () => undefined);
      resolve({ reader: new StreamMessageReader(stream), writer: new StreamMessageWriter(stream), socket });
    });
  });
}

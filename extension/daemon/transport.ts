// The JSON-RPC transport to the daemon: a WebSocket on loopback, one JSON-RPC message per
// text frame, read and written by the daemon's own reader/writer classes so both ends
// frame messages identically. No browser Origin header: a Node client sends none.
import WebSocket from 'ws';
import type { MessageReader, MessageWriter } from 'vscode-jsonrpc';
import type { DaemonLock } from '../../shared/daemon-lock.js';
import { WebSocketMessageReader, WebSocketMessageWriter } from '../../shared/transport.js';

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
      socket.on('error', () => undefined); // reported through the reader from here on
      resolve({ reader: new WebSocketMessageReader(socket), writer: new WebSocketMessageWriter(socket), socket });
    });
  });
}

// The daemon's socket: HTTP on loopback, upgraded to WebSocket only for a caller with the
// token and without a browser Origin. Each WebSocket carries one JSON-RPC connection that
// serves both the rlvr/* methods and LSP (an LSP connection with our methods registered
// on it: it answers any request whether or not `initialize` came first, so a plain
// vscode-jsonrpc client can call rlvr/* directly).
import http from 'node:http';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { createConnection, createProtocolConnection, type Connection, type WatchDog } from 'vscode-languageserver/lib/common/api.js';
import type { ServerStatus } from '../../shared/protocol.js';
import type { VerifyResult, VerifyTask } from '../../shared/verify.js';
import { PassRateBook } from '../data/curate/pass-rates.js';
import type { RunStore } from '../store/index.js';
import { authorize } from './auth.js';
import { registerMethods, type DaemonContext } from './handlers.js';
import { httpRoutes } from './http-routes.js';
import { Hub } from './hub.js';
import { attachLanguageFeatures } from './lsp.js';
import { methodNotFound } from './rpc.js';
import { RunManager } from './runs.js';
import { ProblemSampler } from './sampling.js';
import { VerlWatches } from '../verl/watch.js';
import { MAX_FRAME_BYTES, MAX_MESSAGE_BYTES, WebSocketMessageReader, WebSocketMessageWriter } from '../../shared/transport.js';

/** Time a new socket has to complete its WebSocket handshake. */
const HANDSHAKE_TIMEOUT_MS = 5_000;
/** Sockets open at once (clients, LSP connections, handshakes in progress). */
const MAX_CONNECTIONS = 128;

export interface ServerOptions {
  store: RunStore;
  dataDir: string;
  token: string;
  port?: number;
  version: string;
  maxMessageBytes?: number;
  /** Frames above this close the socket (1009) unread. */
  maxFrameBytes?: number;
  backend?: () => Promise<ServerStatus['backend']>;
  verify?: (task: VerifyTask, response: string) => Promise<VerifyResult>;
}

export interface RunningServer {
  port: number;
  hub: Hub;
  runs: RunManager;
  /** Stops the active run (its current step is stored whole), closes every client. */
  close(): Promise<void>;
}

// Loaded on first use, like the engine: the verifiers start worker pools, the backend
// report loads TensorFlow.js.
let verifiersStarted = false;
async function defaultVerify(task: VerifyTask, response: string): Promise<VerifyResult> {
  verifiersStarted = true;
  return (await import('../verify/index.js')).verify(task, response);
}

let backendReport: Promise<ServerStatus['backend']> | null = null;
function defaultBackend(): Promise<ServerStatus['backend']> {
  backendReport ??= import('../model/backend.js').then((m) => m.initBackend()).catch(() => null);
  return backendReport;
}

function refuse(socket: Duplex, status: 401 | 403, reason: string): void {
  const text = status === 401 ? 'Unauthorized' : 'Forbidden';
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\nConnection: close\r\n\r\n${reason}`);
}

export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const hub = new Hub();
  const runs = new RunManager(o.store, o.dataDir, (type, params) => hub.broadcast(type, params));
  const passRates = new PassRateBook(path.join(o.dataDir, 'curation', 'pass-rates.jsonl'));
  const backend = o.backend ?? defaultBackend;
  const verify = o.verify ?? defaultVerify;
  const sampler = new ProblemSampler({ store: o.store, book: passRates, verify });
  const verlWatches = new VerlWatches(o.store, o.dataDir, (type, params) => hub.broadcast(type, params));
  await verlWatches.resume();
  const ctx: DaemonContext = {
    store: o.store,
    runs,
    hub,
    version: o.version,
    backend,
    verify,
    sampler,
    verlWatches,
  };
  const sockets = new Set<WebSocket>();
  const cleanups = new Set<() => Promise<void>>();

  // SandboxFusion's API and rlvr/verify over plain HTTP (daemon/server/http-routes.ts).
  const plainHttp = httpRoutes({
    token: o.token,
    pool: async () => {
      verifiersStarted = true;
      return (await import('../verify/code/index.js')).defaultPool();
    },
    verify,
  });
  const httpServer = http.createServer((req, res) => {
    if (plainHttp(req, res)) return;
    res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' });
    res.end('rlvr daemon: connect with a WebSocket (see the lock file for port and token)\n');
  });
  // A socket that has not upgraded (with the token) within a few seconds is closed, and
  // the total is capped: 300 idle sockets used to stay open for 150 s.
  httpServer.headersTimeout = HANDSHAKE_TIMEOUT_MS;
  httpServer.requestTimeout = HANDSHAKE_TIMEOUT_MS;
  httpServer.maxConnections = MAX_CONNECTIONS;
  httpServer.on('connection', (socket) => socket.setTimeout(HANDSHAKE_TIMEOUT_MS, () => socket.destroy()));
  const wss = new WebSocketServer({ noServer: true, maxPayload: o.maxFrameBytes ?? MAX_FRAME_BYTES });

  httpServer.on('upgrade', (req, socket, head) => {
    (socket as import('node:net').Socket).setTimeout(0); // a client, once upgraded, may idle
    const auth = authorize(req, o.token);
    if (!auth.ok) return refuse(socket, auth.status, auth.reason);
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  function attach(ws: WebSocket): void {
    sockets.add(ws);
    const reader = new WebSocketMessageReader(ws, o.maxMessageBytes ?? MAX_MESSAGE_BYTES);
    const writer = new WebSocketMessageWriter(ws);
    const client = hub.add(writer);
    // Our own watchdog: LSP's `exit` and a dead client process end this connection only,
    // never the daemon (the stock one calls process.exit).
    const watchDog: WatchDog = {
      shutdownReceived: false,
      initialize: () => {},
      exit: () => ws.close(1000, 'LSP exit'),
    };
    const conn: Connection = createConnection((logger) => createProtocolConnection(reader, writer, logger), watchDog);
    const known = registerMethods(conn, ctx, client);
    conn.onRequest((method: string) => methodNotFound(method, known));
    const dispose = attachLanguageFeatures(conn, { passRates });
    cleanups.add(dispose);
    ws.on('close', () => {
      sockets.delete(ws);
      hub.remove(client);
      cleanups.delete(dispose);
      void dispose();
      conn.dispose();
    });
    ws.on('error', () => ws.terminate());
    conn.listen();
  }

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    hub,
    runs,
    close: async () => {
      await runs.shutdown();
      await verlWatches.close();
      for (const ws of sockets) ws.close(1001, 'daemon shutting down');
      await Promise.all([...cleanups].map((c) => c()));
      sampler.dispose();
      if (verifiersStarted) await (await import('../verify/index.js')).closeVerifiers();
      wss.close();
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      });
    },
  };
}


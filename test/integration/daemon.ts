// A real daemon for integration tests: `node bin/rlvr.js serve` in a child process, and
// JSON-RPC clients over real WebSockets (vscode-jsonrpc, the same stack as the extension).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createMessageConnection, type MessageConnection } from 'vscode-jsonrpc';
import WebSocket from 'ws';
import { PROJECT_ROOT } from '../../daemon/data/fixtures.js';
import { WebSocketMessageReader, WebSocketMessageWriter } from '../../shared/transport.js';
import type { DaemonLock } from '../../shared/daemon-lock.js';
import type { NotificationType, RequestType } from '../../shared/protocol.js';

export const BIN = path.join(PROJECT_ROOT, 'bin', 'rlvr.js');
export const TINY_CONFIG = path.join(PROJECT_ROOT, 'test', 'configs', 'tiny.yaml');

export function tmpDataDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'rlvr-daemon-'));
}

export interface Daemon {
  proc: ChildProcess;
  port: number;
  pid: number;
  lockFile: string;
  token: string;
  stderr: () => string;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
  kill9(): Promise<void>;
}

/** Where bubblewrap is, and whether a test may hide it (root and a private mount namespace). */
export const BWRAP = ['/usr/bin/bwrap', '/usr/local/bin/bwrap'].find((p) => existsSync(p));
export const canHideSandbox = BWRAP !== undefined && process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0;

/**
 * `rlvr ARGS`; with `hideSandbox`, bubblewrap is bound over by /bin/false for this process tree
 * only (needs canHideSandbox); `env` adds to the environment.
 */
export function runCli(
  args: string[],
  timeoutMs = 30_000,
  opts: { hideSandbox?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const [cmd, argv] = opts.hideSandbox
      ? ['unshare', ['-m', 'sh', '-c', 'mount --bind /bin/false "$1" && shift && exec "$@"', 'sh', BWRAP!, process.execPath, BIN, ...args]]
      : [process.execPath, [BIN, ...args]];
    const env = opts.env || opts.hideSandbox ? { ...process.env, NODE_TEST_CONTEXT: undefined, ...opts.env } : undefined;
    const p = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env } : {}) });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b) => (stdout += b));
    p.stderr.on('data', (b) => (stderr += b));
    const t = setTimeout(() => (p.kill('SIGKILL'), reject(new Error(`rlvr ${args.join(' ')} timed out`))), timeoutMs);
    p.on('exit', (code) => (clearTimeout(t), resolve({ code, stdout, stderr })));
  });
}

export async function startDaemon(dataDir: string, args: string[] = [], timeoutMs = 30_000): Promise<Daemon> {
  const proc = spawn(process.execPath, [BIN, 'serve', '--data-dir', dataDir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_TEST_CONTEXT: undefined },
  });
  let err = '';
  proc.stderr!.on('data', (b) => (err += b));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => (proc.kill('SIGKILL'), reject(new Error(`daemon printed no line within ${timeoutMs} ms; stderr: ${err}`))), timeoutMs);
    proc.stdout!.on('data', (b) => {
      out += b;
      const nl = out.indexOf('\n');
      if (nl >= 0) (clearTimeout(t), resolve(out.slice(0, nl)));
    });
    proc.on('exit', (code) => (clearTimeout(t), reject(new Error(`daemon exited (${code}) before its line; stderr: ${err}`))));
  });
  const { port, pid, lockFile } = JSON.parse(line) as { port: number; pid: number; lockFile: string };
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as DaemonLock;
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return {
    proc,
    port,
    pid,
    lockFile,
    token: lock.token,
    stderr: () => err,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
    kill9: async () => {
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

export interface Client {
  conn: MessageConnection;
  ws: WebSocket;
  /** Every notification received, in order. */
  seen: { method: string; params: unknown }[];
  request<P, R>(type: RequestType<P, R>, params: P): Promise<R>;
  /** Resolves with the first notification of `type` matching `pred`. */
  waitFor<P>(type: NotificationType<P>, pred?: (p: P) => boolean, timeoutMs?: number): Promise<P>;
  close(): Promise<void>;
}

export function openSocket(port: number, opts: { token?: string; bearer?: string; headers?: Record<string, string> } = {}): WebSocket {
  const q = opts.token === undefined ? '' : `?token=${encodeURIComponent(opts.token)}`;
  const headers = { ...(opts.headers ?? {}) };
  if (opts.bearer) headers.Authorization = `Bearer ${opts.bearer}`;
  return new WebSocket(`ws://127.0.0.1:${port}/${q}`, { headers });
}

/** Connection refused at the handshake: resolves with the HTTP status and body. */
export function refusal(ws: WebSocket): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    ws.on('open', () => reject(new Error('connection was accepted')));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (b) => (body += b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('error', () => {});
  });
}

export async function connect(port: number, token: string): Promise<Client> {
  const ws = openSocket(port, { bearer: token });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const conn = createMessageConnection(new WebSocketMessageReader(ws), new WebSocketMessageWriter(ws));
  const seen: { method: string; params: unknown }[] = [];
  const waiters: { method: string; pred: (p: unknown) => boolean; resolve: (p: unknown) => void }[] = [];
  conn.onNotification((method, params) => {
    seen.push({ method, params });
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      if (w.method === method && w.pred(params)) (waiters.splice(i, 1), w.resolve(params));
    }
  });
  conn.listen();
  const closed = new Promise<void>((r) => ws.once('close', () => r()));
  return {
    conn,
    ws,
    seen,
    request: <P, R>(type: RequestType<P, R>, params: P) => conn.sendRequest(type.method, params) as Promise<R>,
    waitFor: <P>(type: NotificationType<P>, pred: (p: P) => boolean = () => true, timeoutMs = 120_000) => {
      const hit = seen.find((s) => s.method === type.method && pred(s.params as P));
      if (hit) return Promise.resolve(hit.params as P);
      return new Promise<P>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no ${type.method} notification within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ method: type.method, pred: pred as (p: unknown) => boolean, resolve: (p) => (clearTimeout(t), resolve(p as P)) });
      });
    },
    close: async () => {
      conn.dispose();
      ws.close();
      await closed;
    },
  };
}

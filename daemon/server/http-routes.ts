// The plain-HTTP routes beside the daemon's WebSocket, for callers that cannot speak it:
//   GET  /v1/ping   SandboxFusion's health check ("pong")
//   POST /run_code  SandboxFusion's run API (daemon/server/sandbox-fusion.ts)
//   POST /rpc       one JSON-RPC request over HTTP, for rlvr/verify only: the verl reward
//                   module (daemon/assets/verl/rlvr_reward.py) is standard-library Python,
//                   which has no WebSocket client.
// The token may come in the query (`?token=`), because verl's sandbox client sends only a URL.
// A browser Origin is refused on every route, token or not.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCodes, Methods } from '../../shared/protocol.js';
import { isRlvrError } from '../../shared/errors.js';
import type { VerifyResult, VerifyTask } from '../../shared/verify.js';
import type { SandboxPool } from '../verify/code/pool.js';
import { authorize } from './auth.js';
import { PARAMS } from './handlers.js';
import { parseRunCodeRequest, runCode } from './sandbox-fusion.js';

export interface HttpRoutesOptions {
  /** null: no token asked for (only `rlvr sandbox` on loopback without --token-file). */
  token: string | null;
  /** The sandbox pool /run_code runs in (started on first use). */
  pool: () => Promise<SandboxPool>;
  /** rlvr/verify behind POST /rpc; absent: /rpc is not served. */
  verify?: (task: VerifyTask, response: string) => Promise<VerifyResult>;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `request body larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        reject(new HttpError(400, `request body is not valid JSON: ${(err as Error).message}`));
      }
    });
  });
}

async function rpc(req: IncomingMessage, res: ServerResponse, o: HttpRoutesOptions): Promise<void> {
  const body = (await readJson(req)) as { id?: unknown; method?: unknown; params?: unknown } | null;
  const id = body && typeof body === 'object' && (typeof body.id === 'number' || typeof body.id === 'string') ? body.id : null;
  const error = (code: number, message: string) => send(res, 200, { jsonrpc: '2.0', id, error: { code, message } });
  if (!body || typeof body !== 'object' || Array.isArray(body)) return error(ErrorCodes.ParseError, 'expected one JSON-RPC request object');
  if (body.method !== Methods.verify.method || !o.verify) {
    return error(ErrorCodes.MethodNotFound, `unknown method ${JSON.stringify(body.method)} over HTTP (only ${Methods.verify.method}; the rest over the WebSocket)`);
  }
  let params;
  try {
    params = PARAMS.verify(body.params, 'params');
  } catch (err) {
    return error(isRlvrError(err) ? err.code : ErrorCodes.InvalidParams, (err as Error).message);
  }
  try {
    send(res, 200, { jsonrpc: '2.0', id, result: await o.verify(params.task, params.response) });
  } catch (err) {
    error(ErrorCodes.VerifierFailed, `verifier failed: ${(err as Error).message}`);
  }
}

async function route(req: IncomingMessage, res: ServerResponse, o: HttpRoutesOptions, pathname: string): Promise<void> {
  if (pathname === '/v1/ping') {
    if (req.method !== 'GET') throw new HttpError(405, 'GET /v1/ping');
    return send(res, 200, 'pong');
  }
  if (pathname === '/run_code') {
    if (req.method !== 'POST') throw new HttpError(405, 'POST /run_code');
    let request;
    try {
      request = parseRunCodeRequest(await readJson(req));
    } catch (err) {
      if (isRlvrError(err)) throw new HttpError(400, err.message);
      throw err;
    }
    return send(res, 200, await runCode(request, await o.pool()));
  }
  if (req.method !== 'POST') throw new HttpError(405, 'POST /rpc');
  return rpc(req, res, o);
}

/** A request handler for these routes: returns false for any other path (the caller answers it). */
export function httpRoutes(o: HttpRoutesOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const known = pathname === '/v1/ping' || pathname === '/run_code' || (pathname === '/rpc' && o.verify !== undefined);
    if (!known) return false;
    if (req.headers.origin !== undefined) {
      send(res, 403, { error: `browser origin ${req.headers.origin} refused: only local tools may call this API` });
      return true;
    }
    if (o.token !== null) {
      const auth = authorize(req, o.token);
      if (!auth.ok) {
        send(res, auth.status, { error: auth.reason });
        return true;
      }
    }
    route(req, res, o, pathname).catch((err: unknown) => {
      if (res.headersSent) return res.destroy();
      if (err instanceof HttpError) send(res, err.status, { error: err.message });
      else send(res, 500, { error: `internal error: ${(err as Error).message}` });
    });
    return true;
  };
}

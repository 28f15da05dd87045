// Who may connect: a local process that read the token from the 0600 lock file. Browsers
// always send Origin on a WebSocket handshake, so any Origin means a web page is trying
// to drive the daemon, and is refused whatever token it carries.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TOKEN_QUERY_PARAM } from '../../shared/daemon-lock.js';

export type AuthResult = { ok: true } | { ok: false; status: 401 | 403; reason: string };

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function tokenOf(req: IncomingMessage): string | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim();
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  return url.searchParams.get(TOKEN_QUERY_PARAM);
}

/** Host names a local client uses; anything else is a DNS-rebinding page or a proxy. */
const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i;

export function authorize(req: IncomingMessage, expectedToken: string): AuthResult {
  const host = req.headers.host;
  if (host !== undefined && !LOOPBACK_HOST.test(host)) {
    return { ok: false, status: 403, reason: `Host ${host} refused: the daemon answers loopback names only` };
  }
  if (req.headers.origin !== undefined) {
    return { ok: false, status: 403, reason: `browser origin ${req.headers.origin} refused: only local tools may connect` };
  }
  const token = tokenOf(req);
  if (token === null) return { ok: false, status: 401, reason: 'token required (Authorization: Bearer or ?token=)' };
  if (!sameToken(token, expectedToken)) return { ok: false, status: 401, reason: 'wrong token' };
  return { ok: true };
}

// Typed registration of the rlvr/* methods on a JSON-RPC connection: a handler is checked
// at compile time against its constant's parameter and result types, and its parameters
// at run time by the matching checker. Errors become JSON-RPC errors in one place.
// ResponseError from the copy of vscode-jsonrpc that the LSP connection itself uses (npm
// may nest a second copy under vscode-languageserver-protocol): the connection recognises
// an error result with `instanceof`, and a foreign class would be sent as a success.
import { ResponseError, type CancellationToken } from 'vscode-languageserver/lib/common/api.js';
import { ErrorCodes, type RequestType } from '../../shared/protocol.js';
import { RlvrError } from '../../shared/errors.js';
import type { Check } from './params.js';
import { toRlvrError } from './runs.js';

export type ParamsOf<T> = T extends RequestType<infer P, unknown> ? P : never;
export type ResultOf<T> = T extends RequestType<unknown, infer R> ? R : never;

/** What the connection needs: vscode-jsonrpc's MessageConnection and LSP's Connection both fit. */
export interface RequestRegistrar {
  onRequest(method: string, handler: (...args: unknown[]) => unknown): unknown;
}

export function toResponseError(err: unknown): ResponseError<unknown> {
  if (err instanceof ResponseError) return err;
  const e = toRlvrError(err);
  return new ResponseError(e.code, e.message, e.data);
}

export function onRequest<P, R>(
  conn: RequestRegistrar,
  type: RequestType<P, R>,
  check: Check<P>,
  handler: (params: P) => Promise<R> | R,
): void {
  conn.onRequest(type.method, async (...args: unknown[]) => {
    // vscode-jsonrpc passes (params, token), (token) when params are absent, and spreads
    // positional params; this protocol takes one object by name.
    const token = args.pop() as CancellationToken;
    void token;
    if (args.length > 1) {
      return new ResponseError(ErrorCodes.InvalidParams, `invalid params: ${type.method} takes one object of named parameters, got ${args.length} positional ones`);
    }
    try {
      return await handler(check(args[0], 'params'));
    } catch (err) {
      return toResponseError(err);
    }
  });
}

export function methodNotFound(method: string, known: string[]): ResponseError<unknown> {
  return new ResponseError(ErrorCodes.MethodNotFound, `unknown method '${method}' (this daemon serves ${known.join(', ')} and LSP)`);
}

export { RlvrError };

// Errors are data: one error class carrying a typed code (ErrorCodes) and optional data.
// The store and engine throw it; the server turns it into a JSON-RPC error response with
// the same code, and the client can rebuild it from the response. Runtime-free.
import type { ErrorCode, RlvrErrorData } from './protocol.js';

export class RlvrError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly data?: RlvrErrorData,
  ) {
    super(message);
    this.name = 'RlvrError';
  }
}

export function isRlvrError(err: unknown): err is RlvrError {
  return err instanceof RlvrError;
}

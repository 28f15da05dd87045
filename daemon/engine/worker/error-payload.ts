// Errors as data across the thread boundary: a typed RlvrError keeps its code and location;
// anything else is Internal with its message (and where it was thrown, for the log).
import { isRlvrError, RlvrError } from '../../../shared/errors.js';
import { ErrorCodes } from '../../../shared/protocol.js';
import type { ErrorPayload } from './messages.js';

export function toErrorPayload(err: unknown): ErrorPayload {
  if (isRlvrError(err)) return { code: err.code, message: err.message, ...(err.data ? { data: { ...err.data } } : {}) };
  return { code: ErrorCodes.Internal, message: err instanceof Error ? err.message : String(err) };
}

export function fromErrorPayload(p: ErrorPayload): RlvrError {
  return new RlvrError(p.code, p.message, p.data);
}

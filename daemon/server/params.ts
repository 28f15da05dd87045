// Runtime checks of request parameters. Each method's checker is typed against the
// parameter type its constant in shared/protocol.ts declares (see PARAMS in handlers.ts),
// so the two cannot drift apart; a wrong type comes back as InvalidParams naming the field.
import { ErrorCodes } from '../../shared/protocol.js';
import { RlvrError } from '../../shared/errors.js';

export type Check<T> = (v: unknown, at: string) => T;

function bad(at: string, expected: string, v: unknown): never {
  const got = v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `"${v.slice(0, 40)}"` : typeof v;
  throw new RlvrError(ErrorCodes.InvalidParams, `invalid params: ${at} must be ${expected}, got ${got}`, { field: at });
}

export const str: Check<string> = (v, at) => (typeof v === 'string' ? v : bad(at, 'a string', v));
export const nonEmpty: Check<string> = (v, at) => (typeof v === 'string' && v.length > 0 ? v : bad(at, 'a non-empty string', v));
export const num: Check<number> = (v, at) => (typeof v === 'number' && Number.isFinite(v) ? v : bad(at, 'a finite number', v));
export const int: Check<number> = (v, at) => (Number.isInteger(v) ? (v as number) : bad(at, 'an integer', v));
// Safe integers only: 1e300 is an integer to JavaScript but a float to SQLite ("datatype mismatch").
export const count: Check<number> = (v, at) => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : bad(at, 'an integer >= 0', v));
export const positive: Check<number> = (v, at) => (Number.isSafeInteger(v) && (v as number) >= 1 ? (v as number) : bad(at, 'an integer >= 1', v));
/** A finite number from `min` to `max`. */
export function between(min: number, max: number): Check<number> {
  return (v, at) => (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? v : bad(at, `a number from ${min} to ${max}`, v));
}
export const bool: Check<boolean> = (v, at) => (typeof v === 'boolean' ? v : bad(at, 'true or false', v));

export function oneOf<T extends string>(values: readonly T[]): Check<T> {
  return (v, at) => (values.includes(v as T) ? (v as T) : bad(at, `one of ${values.join(', ')}`, v));
}

export function arrayOf<T>(item: Check<T>): Check<T[]> {
  return (v, at) => (Array.isArray(v) ? v.map((x, i) => item(x, `${at}[${i}]`)) : bad(at, 'an array', v));
}

/** Anything JSON: checked deeper by whoever consumes it (e.g. the verifier's own checks). */
export function opaque<T>(what: string): Check<T> {
  return (v, at) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as T) : bad(at, what, v));
}

type Optional<T> = Check<T> & { optional: true };
export function opt<T>(c: Check<T>): Optional<T | undefined> {
  const f = ((v: unknown, at: string) => (v === undefined ? undefined : c(v, at))) as Optional<T | undefined>;
  f.optional = true;
  return f;
}

type Shape = Record<string, Check<unknown>>;
type Out<S extends Shape> = { [K in keyof S as S[K] extends { optional: true } ? never : K]: ReturnType<S[K]> } & {
  [K in keyof S as S[K] extends { optional: true } ? K : never]?: Exclude<ReturnType<S[K]>, undefined>;
};

/** An object with exactly these fields (unknown fields are refused: they are usually typos). */
export function obj<S extends Shape>(shape: S): Check<Out<S>> {
  return (v, at) => {
    if (v === undefined || v === null) v = {};
    if (typeof v !== 'object' || Array.isArray(v)) bad(at, 'an object', v);
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (!Object.hasOwn(shape, k)) {
        throw new RlvrError(ErrorCodes.InvalidParams, `invalid params: unknown field ${at}.${k} (expected ${Object.keys(shape).join(', ') || 'none'})`, {
          field: `${at}.${k}`,
        });
      }
    }
    const out: Record<string, unknown> = {};
    for (const [k, c] of Object.entries(shape)) {
      const x = c(o[k], `${at}.${k}`);
      if (x !== undefined) out[k] = x;
    }
    return out as Out<S>;
  };
}

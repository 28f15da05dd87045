// The range a code task's limits may take. Timers hold at most 2^31-1 ms (24.8 days): a
// larger time limit overflowed Node's setTimeout, which then fired at once and judged a
// correct program time_limit_exceeded. Requests over the socket get a tighter maximum, so two
// long requests cannot hold every sandbox worker.
export const TIME_LIMIT_S = { min: 0.05, max: 3600 } as const;
export const RPC_TIME_LIMIT_S = { min: 0.05, max: 60 } as const;
export const MEMORY_LIMIT_MB = { min: 16, max: 65536 } as const;
export const RPC_MEMORY_LIMIT_MB = { min: 16, max: 8192 } as const;

/** Throws a message naming the field and the range when `value` is outside it. */
export function checkLimit(value: number | undefined, range: { min: number; max: number }, field: string): void {
  if (value === undefined) return;
  if (!(Number.isFinite(value) && value >= range.min && value <= range.max)) {
    throw new Error(`${field} must be a number from ${range.min} to ${range.max}, got ${value}`);
  }
}

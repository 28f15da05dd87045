// The range a code task's limits may take. Timers hold at most 2^31-1 ms (24.8 days): a
// larger time limit overflowed Node's setTimeout, which then fired at once and judged a
// correct program time_limit_exceeded. Requests over the socket get a tighter maximum, so two
// long requests cannot hold every sandbox worker.
export const TIME_LIMIT_S = { min: 0.05, max: 3600 } as const;
export const RPC_TIME_LIMIT_S = { min: 0.05, max: 60 } as const;
export const MEMORY_LIMIT_MB = { min: 16, max: 65536 } as const;
export const RPC_MEMORY_LIMIT_MB = { min: 16, max: 8192 } as const;

/** What a code task that names no limits of its own gets. */
export interface TaskLimitDefaults {
  /** CPU seconds per test. */
  timeLimitS: number;
  memoryLimitMb: number;
}

export const DEFAULT_TASK_LIMITS: TaskLimitDefaults = { timeLimitS: 6, memoryLimitMb: 1024 };

let configured: Partial<TaskLimitDefaults> = {};

/**
 * This thread's defaults for tasks that name no limits: set by the CLI at start (from the
 * environment, taskLimitDefaultsFromEnv) and by the engine thread from its options.
 */
export function configureTaskLimitDefaults(defaults: Partial<TaskLimitDefaults>): void {
  configured = { ...defaults };
}

export function configuredTaskLimitDefaults(): Partial<TaskLimitDefaults> {
  return { ...configured };
}

/**
 * The defaults the extension's sandbox settings give the daemon it starts
 * (RLVR_SANDBOX_TIME_LIMIT_S, RLVR_SANDBOX_MEMORY_MB), read once by the CLI at start; throws
 * naming the variable when one is set to anything but a number in range.
 */
export function taskLimitDefaultsFromEnv(env: NodeJS.ProcessEnv): Partial<TaskLimitDefaults> {
  const read = (name: string, range: { min: number; max: number }): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return undefined;
    const value = Number(raw);
    if (!(Number.isFinite(value) && value >= range.min && value <= range.max)) {
      throw new Error(`environment variable ${name}: expected a positive number from ${range.min} to ${range.max}, got ${JSON.stringify(raw)}`);
    }
    return value;
  };
  const timeLimitS = read('RLVR_SANDBOX_TIME_LIMIT_S', TIME_LIMIT_S);
  const memoryLimitMb = read('RLVR_SANDBOX_MEMORY_MB', MEMORY_LIMIT_MB);
  return { ...(timeLimitS !== undefined ? { timeLimitS } : {}), ...(memoryLimitMb !== undefined ? { memoryLimitMb } : {}) };
}

/** Throws a message naming the field and the range when `value` is outside it. */
export function checkLimit(value: number | undefined, range: { min: number; max: number }, field: string): void {
  if (value === undefined) return;
  if (!(Number.isFinite(value) && value >= range.min && value <= range.max)) {
    throw new Error(`${field} must be a number from ${range.min} to ${range.max}, got ${value}`);
  }
}

// The one entry point for rewards: verify(task, response) -> {reward, verdict, details}.
// Math goes to the worker pool (deadline per call), code to the sandbox. Reward logic
// lives under daemon/verify and nowhere else; the trainer only reads `reward`.

import type { VerifyResult, VerifyTask } from '../../shared/verify.js';
import { closeDefaultPools, verifyCode, type VerifyCodeOptions } from './code/index.js';
import { MathPool, type MathPoolOptions } from './pool.js';

export { verifyMath, compareAnswers, type MathVerifyOptions, type CaseVerdict } from './math/index.js';
export { MathPool, type MathPoolOptions, type MathPoolStats } from './pool.js';

export interface VerifierOptions {
  math?: MathPoolOptions;
  code?: VerifyCodeOptions;
}

let options: VerifierOptions = {};
let mathPool: MathPool | null = null;

/** Sets pool sizes, deadlines and sandbox options; applies to pools started after the call. */
export function configureVerifiers(next: VerifierOptions): void {
  options = { ...options, ...next };
}

function pool(): MathPool {
  mathPool ??= new MathPool(options.math);
  return mathPool;
}

export function verify(task: VerifyTask, response: string): Promise<VerifyResult> {
  switch (task.kind) {
    case 'math':
      return pool().verify(task, response);
    case 'code':
      return verifyCode(task, response, options.code);
    default: {
      const kind = (task as { kind?: unknown }).kind;
      return Promise.reject(new Error(`verify: unknown task kind ${JSON.stringify(kind)} (expected "math" or "code")`));
    }
  }
}

export interface VerifyItem {
  task: VerifyTask;
  response: string;
}

/** Every item, concurrently (the pools bound the parallelism); results in input order. */
export function verifyBatch(items: readonly VerifyItem[]): Promise<VerifyResult[]> {
  return Promise.all(items.map((it) => verify(it.task, it.response)));
}

/** Stops every verifier pool (math workers, sandboxes); the next verify() starts new ones. */
export async function closeVerifiers(): Promise<void> {
  const p = mathPool;
  mathPool = null;
  await Promise.all([p?.close(), closeDefaultPools()]);
}

// The code verifier: take the program from a response, run every test in the sandbox,
// reward 1 only if every test passes. The verdict of the whole is the first failing
// test's verdict (in test order), or `passed`.
import type { CodeTask, CodeVerdict, TestResult, VerifyResult } from '../../../shared/verify.js';
import { extractProgram } from './extract.js';
import { judge, jobsFor, taskProblem, type JudgeOptions } from './judge.js';
import { SandboxPool, type PoolOptions } from './pool.js';
import { SandboxUnavailableError } from './sandbox.js';

export { extractProgram } from './extract.js';
export { compareOutput } from './compare.js';
export { SandboxPool, type PoolOptions, type PoolStats } from './pool.js';
export { SandboxUnavailableError, findBwrap, describeSandbox } from './sandbox.js';

export interface VerifyCodeOptions extends JudgeOptions {
  /** The pool to run in; default: one shared pool per process (see defaultPool). */
  pool?: SandboxPool;
  /** Run without bubblewrap (no isolation). Only used for the default pool. */
  unsafe?: boolean;
  /** Stop at the first failing test (fewer results, less time: for training). */
  stopOnFailure?: boolean;
}

const defaultPools = new Map<boolean, SandboxPool>();

/** The shared pool (created on first use; its idle workers do not keep the process alive). */
export function defaultPool(options: PoolOptions = {}): SandboxPool {
  const unsafe = options.unsafe ?? false;
  let pool = defaultPools.get(unsafe);
  if (!pool) {
    pool = new SandboxPool({ ...options, unsafe });
    defaultPools.set(unsafe, pool);
  }
  return pool;
}

export async function closeDefaultPools(): Promise<void> {
  const pools = [...defaultPools.values()];
  defaultPools.clear();
  await Promise.all(pools.map((p) => p.close()));
}

export async function verifyCode(task: CodeTask, response: string, options: VerifyCodeOptions = {}): Promise<VerifyResult> {
  const program = extractProgram(response);
  if (program === null) {
    return { reward: 0, verdict: 'no_code', details: { kind: 'code', program: null, tests: [], message: 'no ```python block in the response' } };
  }
  return runProgram(task, program, options);
}

/** Run a program (no extraction) against a task's tests. */
export async function runProgram(task: CodeTask, program: string, options: VerifyCodeOptions = {}): Promise<VerifyResult> {
  const pool = options.pool ?? defaultPool({ unsafe: options.unsafe });
  const problem = taskProblem(task);
  if (problem) return { reward: 0, verdict: 'verifier_error', details: { kind: 'code', program, tests: [], message: problem } };
  const jobs = jobsFor(task, program, options.defaults);
  let tests: TestResult[];
  try {
    if (options.stopOnFailure) {
      tests = [];
      for (const job of jobs) {
        const result = judge(await pool.run(job), job, options);
        tests.push(result);
        if (result.verdict !== 'passed') break;
      }
    } else {
      tests = await Promise.all(jobs.map(async (job) => judge(await pool.run(job), job, options)));
    }
  } catch (err) {
    const message = (err as Error).message;
    const verdict: CodeVerdict = err instanceof SandboxUnavailableError ? 'sandbox_error' : 'verifier_error';
    return { reward: 0, verdict, details: { kind: 'code', program, tests: [], message } };
  }
  const firstFailure = tests.find((t) => t.verdict !== 'passed');
  const passed = firstFailure === undefined && tests.length === jobs.length;
  return {
    reward: passed ? 1 : 0,
    verdict: firstFailure?.verdict ?? 'passed',
    details: { kind: 'code', program, tests },
  };
}

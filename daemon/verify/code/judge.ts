// From a task to the jobs the sandbox runs, and from what happened to a verdict per test.
// This is where "passed" is decided; the sandbox only reports facts.
import { checkLimit, configuredTaskLimitDefaults, DEFAULT_TASK_LIMITS, MEMORY_LIMIT_MB, TIME_LIMIT_S, type TaskLimitDefaults } from './limits.js';
import type { CodeTask, TestResult } from '../../../shared/verify.js';
import { compareOutput, DEFAULT_FLOAT_TOLERANCE } from './compare.js';
import type { RawRun, SandboxJob } from './pool.js';

/** Output kept per test; stdin/stdout tests keep at least twice the expected output. */
export const OUTPUT_CAP_BYTES = 64 * 1024;
/** Files a test may create in the sandbox (no solution needs more than a few). */
export const FILES_CAP = 10_000;
const SHOWN_CHARS = 4096;
const SIGXCPU = 24;
const SIGNAL_NAMES: Record<number, string> = { 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 24: 'SIGXCPU', 25: 'SIGXFSZ', 8: 'SIGFPE' };

export interface JudgeOptions {
  /** Relative/absolute tolerance for non-integer numeric tokens of stdout (default 1e-9). */
  floatTolerance?: number;
  /** Limits for tasks that name none (else the thread's configured ones, else DEFAULT_TASK_LIMITS); a task's own time_limit_s / memory_limit_mb wins. */
  defaults?: Partial<TaskLimitDefaults>;
}

/**
 * Why a task cannot judge any program (a dataset problem, not the program's), or null.
 * A check block that never runs its checks would pass everything.
 */
export function taskProblem(task: CodeTask): string | null {
  if (Array.isArray(task.tests)) return task.tests.length === 0 ? 'the task has no tests' : null;
  const check = task.tests.functional;
  if (!/^\s*check\s*\(/m.test(check) && !task.fn_name) {
    return 'the check block never calls check(...): end it with the call (e.g. check(Solution().method)) or give fn_name';
  }
  return null;
}

/** One sandbox job per test (assert-style checks are one test). */
export function jobsFor(task: CodeTask, program: string, defaults: Partial<TaskLimitDefaults> = {}): SandboxJob[] {
  checkLimit(task.time_limit_s, TIME_LIMIT_S, 'time_limit_s');
  checkLimit(task.memory_limit_mb, MEMORY_LIMIT_MB, 'memory_limit_mb');
  const fallback = { ...DEFAULT_TASK_LIMITS, ...configuredTaskLimitDefaults(), ...defaults };
  const tl = task.time_limit_s ?? fallback.timeLimitS;
  const limits = {
    time_limit_s: tl,
    // Wall time is generous (a loaded machine); CPU time is what the limit means.
    wall_limit_s: 2 * tl + 2,
    memory_limit_mb: task.memory_limit_mb ?? fallback.memoryLimitMb,
    files_limit: FILES_CAP,
  };
  if (!Array.isArray(task.tests)) {
    return [{ mode: 'functional', program, check: task.tests.functional, fn_name: task.fn_name, output_limit: OUTPUT_CAP_BYTES, ...limits }];
  }
  return task.tests.map((t) => {
    const cap = Math.max(OUTPUT_CAP_BYTES, 2 * Buffer.byteLength(t.output) + 1024);
    if (task.fn_name) {
      return { mode: 'call', program, input: t.input, fn_name: task.fn_name, expected: t.output, output_limit: OUTPUT_CAP_BYTES, result_limit: cap, ...limits };
    }
    return { mode: 'stdio', program, input: t.input, expected: t.output, output_limit: cap, ...limits };
  });
}

function shown(text: string | undefined | null): string | undefined {
  if (text === undefined || text === null) return undefined;
  return text.length <= SHOWN_CHARS ? text : `${text.slice(0, SHOWN_CHARS)}... [${text.length - SHOWN_CHARS} more chars]`;
}

export function judge(run: RawRun, job: SandboxJob, options: JudgeOptions = {}): TestResult {
  const base: TestResult = {
    verdict: 'passed',
    input: job.mode === 'functional' ? undefined : shown(job.input),
    wallMs: run.wall_ms,
    cpuMs: run.cpu_ms,
    peakMemoryKb: run.maxrss_kb,
  };
  const fail = (verdict: TestResult['verdict'], extra: Partial<TestResult>): TestResult => ({ ...base, ...extra, verdict });
  const rep = run.report;
  const stderrTail = rep?.traceback || run.stderr || undefined;

  if (run.workerFailure) {
    return run.workerFailure.kind === 'deadline'
      ? fail('time_limit_exceeded', { message: run.workerFailure.message })
      : fail('runtime_error', { message: run.workerFailure.message, stderrTail });
  }
  if (rep?.status === 'syntax_error') return fail('syntax_error', { stderrTail: rep.traceback, message: 'the program does not compile' });
  if (run.status === 'timeout' || run.signal === SIGXCPU || run.cpu_ms > job.time_limit_s * 1000) {
    return fail('time_limit_exceeded', { message: `limit ${job.time_limit_s}s CPU (${2 * job.time_limit_s + 2}s wall)` });
  }
  if (rep?.exc_type === 'MemoryError' || (run.signal !== undefined && run.maxrss_kb >= 0.9 * job.memory_limit_mb * 1024)) {
    return fail('memory_limit_exceeded', { stderrTail, message: `limit ${job.memory_limit_mb} MB` });
  }
  if (run.status === 'output_limit') {
    return fail('runtime_error', { message: `output limit exceeded: more than ${job.output_limit} bytes`, actual: shown(run.stdout) });
  }
  if (run.status === 'files_limit') {
    return fail('runtime_error', { message: `file limit exceeded: more than ${job.files_limit} files created in the sandbox` });
  }
  if (run.status === 'result_limit') {
    return fail('runtime_error', { message: `return value larger than ${job.result_limit} bytes` });
  }
  if (rep?.status === 'exception') {
    if (job.mode === 'functional' && rep.exc_type === 'AssertionError' && rep.raised_in_check) {
      return fail('wrong_answer', { input: rep.check_source, firstDiffLine: rep.check_line, stderrTail, message: `check failed at line ${rep.check_line}` });
    }
    return fail('runtime_error', { stderrTail, message: rep.exc_type });
  }
  // A stdin/stdout program may end itself with os._exit(0): its output is still judged.
  const endedCleanly = job.mode === 'stdio' && run.exit_code === 0;
  if (!rep && !endedCleanly) {
    // The harness never finished: a crash, a signal, or the program ending the process
    // itself (os._exit) before its result was checked. Never a pass.
    const how = run.signal !== undefined ? `killed by ${SIGNAL_NAMES[run.signal] ?? `signal ${run.signal}`}` : `exited with code ${run.exit_code}`;
    return fail('runtime_error', { stderrTail, message: `${how} before the test finished` });
  }

  if (job.mode === 'functional') return base;
  if (job.mode === 'call' && rep) {
    if (run.match) return base;
    return fail('wrong_answer', {
      expected: shown(job.expected),
      actual: shown(rep.result ?? rep.result_repr ?? 'null'),
      firstDiffLine: 1,
      message: rep.result === null ? 'the return value is not JSON-serialisable' : undefined,
    });
  }
  const expected = job.expected ?? '';
  const cmp = compareOutput(expected, run.stdout, options.floatTolerance ?? DEFAULT_FLOAT_TOLERANCE);
  if (cmp.equal) return base;
  return fail('wrong_answer', { expected: shown(expected), actual: shown(run.stdout), firstDiffLine: cmp.line, message: cmp.reason });
}

// SandboxFusion's `POST /run_code` over our bubblewrap sandbox, so verl's sandbox_fusion
// client (and anything else written against SandboxFusion) can use it unchanged. Request and
// response shapes follow SandboxFusion's API (RunCodeRequest -> RunCodeResponse); only what the
// sandbox can honestly do is accepted: Python, stdin, time and memory limits. A program's own
// failure is `Failed` with its run_result; our failure to run it is `SandboxError`.
import { ErrorCodes } from '../../shared/protocol.js';
import { RlvrError } from '../../shared/errors.js';
import type { RawRun, SandboxJob, SandboxPool } from '../verify/code/pool.js';

/** The languages this endpoint runs (SandboxFusion names). Python only: the sandbox runs Python. */
export const SANDBOX_LANGUAGES: readonly string[] = ['python', 'python3'];

export interface RunCodeRequest {
  code: string;
  language: string;
  stdin: string | null;
  compile_timeout: number;
  run_timeout: number;
  memory_limit_MB: number;
  files: Record<string, string | null>;
  fetch_files: string[];
}

export type CommandRunStatus = 'Finished' | 'Error' | 'TimeLimitExceeded';

export interface CommandRunResult {
  status: CommandRunStatus;
  execution_time: number | null;
  return_code: number | null;
  stdout: string | null;
  stderr: string | null;
}

export interface RunCodeResponse {
  status: 'Success' | 'Failed' | 'SandboxError';
  message: string;
  compile_result: CommandRunResult | null;
  run_result: CommandRunResult | null;
  executor_pod_name: string | null;
  files: Record<string, string>;
}

// SandboxFusion's defaults when a field is left out.
const DEFAULT_TIMEOUT_S = 10;
const MAX_TIMEOUT_S = 600;
const DEFAULT_MEMORY_MB = 1024;
/** Memory when the request says -1 (SandboxFusion: no limit); the sandbox always has one. */
const UNLIMITED_MEMORY_MB = 4096;
const STDOUT_CAP_BYTES = 8 * 1024 * 1024;

function bad(field: string, what: string): never {
  throw new RlvrError(ErrorCodes.InvalidParams, `run_code: field '${field}' ${what}`, { field });
}

function seconds(v: unknown, field: string): number {
  if (v === undefined || v === null) return DEFAULT_TIMEOUT_S;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) bad(field, `must be a positive number of seconds, got ${JSON.stringify(v)}`);
  return Math.min(v, MAX_TIMEOUT_S);
}

/** Checks a decoded JSON body; throws InvalidParams naming the field. */
export function parseRunCodeRequest(body: unknown): RunCodeRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) bad('(body)', 'must be a JSON object');
  const o = body as Record<string, unknown>;
  if (typeof o.code !== 'string') bad('code', 'must be a string');
  const language = o.language ?? 'python';
  if (typeof language !== 'string' || !SANDBOX_LANGUAGES.includes(language)) {
    bad('language', `${JSON.stringify(language)} is not run here (this sandbox runs ${SANDBOX_LANGUAGES.join(', ')})`);
  }
  if (o.stdin !== undefined && o.stdin !== null && typeof o.stdin !== 'string') bad('stdin', 'must be a string or null');
  let memory = DEFAULT_MEMORY_MB;
  if (o.memory_limit_MB !== undefined && o.memory_limit_MB !== null) {
    const m = o.memory_limit_MB;
    if (typeof m !== 'number' || !Number.isFinite(m) || (m <= 0 && m !== -1)) bad('memory_limit_MB', `must be a positive number of MB or -1, got ${JSON.stringify(m)}`);
    memory = m === -1 ? UNLIMITED_MEMORY_MB : m;
  }
  const files = o.files ?? {};
  if (typeof files !== 'object' || files === null || Array.isArray(files)) bad('files', 'must be an object of file name -> base64 content');
  const fetchFiles = o.fetch_files ?? [];
  if (!Array.isArray(fetchFiles)) bad('fetch_files', 'must be an array of file names');
  return {
    code: o.code,
    language,
    stdin: (o.stdin as string | null | undefined) ?? null,
    compile_timeout: seconds(o.compile_timeout, 'compile_timeout'),
    run_timeout: seconds(o.run_timeout, 'run_timeout'),
    memory_limit_MB: memory,
    files: files as Record<string, string | null>,
    fetch_files: fetchFiles as string[],
  };
}

function response(status: RunCodeResponse['status'], message: string, run: CommandRunResult | null): RunCodeResponse {
  return { status, message, compile_result: null, run_result: run, executor_pod_name: null, files: {} };
}

const SIGXCPU = 24;

/** What happened in the sandbox, as SandboxFusion reports a run. */
export function toRunCodeResponse(run: RawRun, job: SandboxJob): RunCodeResponse {
  const seconds = run.wall_ms / 1000;
  if (run.workerFailure?.kind === 'died') return response('SandboxError', run.workerFailure.message, null);
  const timedOut =
    run.workerFailure?.kind === 'deadline' || run.status === 'timeout' || run.signal === SIGXCPU || run.cpu_ms > job.time_limit_s * 1000;
  if (timedOut) {
    return response('Failed', '', { status: 'TimeLimitExceeded', execution_time: seconds, return_code: null, stdout: run.stdout, stderr: run.stderr });
  }
  if (run.status === 'output_limit') {
    return response('Failed', `output limit exceeded: more than ${job.output_limit} bytes`, {
      status: 'Error', execution_time: seconds, return_code: null, stdout: run.stdout, stderr: run.stderr,
    });
  }
  const rep = run.report;
  // Python reports a syntax error on stderr and exits 1; our harness reports it separately.
  if (rep?.status === 'syntax_error') {
    return response('Failed', '', { status: 'Finished', execution_time: seconds, return_code: 1, stdout: run.stdout, stderr: rep.traceback ?? '' });
  }
  // A signal ends a process the way subprocess reports it: minus the signal number.
  let code = run.signal !== undefined ? -run.signal : (run.exit_code ?? 1);
  if (rep?.status === 'exception' && code === 0) code = 1;
  const stderr = run.stderr || (rep?.status === 'exception' ? (rep.traceback ?? '') : '');
  const result: CommandRunResult = { status: 'Finished', execution_time: seconds, return_code: code, stdout: run.stdout, stderr };
  return response(code === 0 ? 'Success' : 'Failed', '', result);
}

/** Runs one request in the pool; never throws for a program's failure. */
export async function runCode(req: RunCodeRequest, pool: SandboxPool): Promise<RunCodeResponse> {
  const names = Object.keys(req.files);
  if (names.length > 0 || req.fetch_files.length > 0) {
    // The sandbox's working folder is a fresh tmpfs per worker; files are not carried in or out.
    return response('SandboxError', `files and fetch_files are not supported by this sandbox (got ${[...names, ...req.fetch_files].join(', ')})`, null);
  }
  const job: SandboxJob = {
    mode: 'stdio',
    program: req.code,
    input: req.stdin ?? '',
    // SandboxFusion's run_timeout is wall-clock; the sandbox's CPU limit is the same number.
    time_limit_s: req.run_timeout,
    wall_limit_s: req.run_timeout,
    memory_limit_mb: req.memory_limit_MB,
    output_limit: STDOUT_CAP_BYTES,
  };
  try {
    return toRunCodeResponse(await pool.run(job), job);
  } catch (err) {
    return response('SandboxError', (err as Error).message, null);
  }
}

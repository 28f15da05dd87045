// A pool of sandbox workers (worker.py inside bubblewrap). Each worker runs one test at a
// time by forking; a worker is replaced after `jobsPerWorker` tests or after any anomaly
// (it died, hung, answered garbage, or could not clean up after a test).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SandboxUnavailableError, workerCommand, type SandboxOptions } from './sandbox.js';

export type RunMode = 'stdio' | 'call' | 'functional';

/** One test as the worker runs it (snake_case: it is sent to Python as is). */
export interface SandboxJob {
  mode: RunMode;
  program: string;
  /** stdio: the stdin; call: one JSON argument per line. */
  input?: string;
  fn_name?: string;
  /** functional: the `def check(candidate)` block, ending with the call that runs it. */
  check?: string;
  /**
   * The expected stdout (compared by the judge) or return value as JSON (compared by the
   * worker with Python's ==, exact for big ints). Never sent with the test itself: the
   * program would inherit it in the forked worker's memory. See Worker.compare.
   */
  expected?: string;
  /** CPU seconds. */
  time_limit_s: number;
  /** Wall seconds before the whole process tree is killed. */
  wall_limit_s: number;
  memory_limit_mb: number;
  /** Bytes of stdout kept; more than this ends the test. */
  output_limit: number;
  /** Bytes of the JSON-encoded return value accepted (call mode). */
  result_limit?: number;
  nproc_limit?: number;
  /** Bytes one file may grow to (RLIMIT_FSIZE). */
  file_limit?: number;
  /** Files (inodes) a test may create on the sandbox's writable tmpfs; 0 or absent: not counted. */
  files_limit?: number;
}

/** What the harness inside the forked test reported, when it got that far. */
export interface HarnessReport {
  status: 'ok' | 'exception' | 'syntax_error';
  exc_type?: string;
  traceback?: string;
  result?: string | null;
  result_repr?: string | null;
  check_line?: number;
  check_source?: string;
  raised_in_check?: boolean;
}

/** What happened when one test ran: facts only, the verdict is decided in judge.ts. */
export interface RawRun {
  /** Set when the worker had to stop the test itself. */
  status: null | 'timeout' | 'output_limit' | 'result_limit' | 'files_limit';
  stdout: string;
  stdout_bytes: number;
  stderr: string;
  wall_ms: number;
  cpu_ms: number;
  maxrss_kb: number;
  leftover: boolean;
  signal?: number;
  exit_code?: number;
  report?: HarnessReport;
  /** call mode: whether the return value equals the expected one. */
  match?: boolean;
  /** Set by the pool when the worker itself failed during this test (died, hung, garbled). */
  workerFailure?: { kind: 'died' | 'deadline'; message: string };
}

export interface PoolOptions extends SandboxOptions {
  /** Workers running at once (default: one per CPU). */
  size?: number;
  /** Replace a worker after this many tests (default 500). 1 = a fresh sandbox per test. */
  jobsPerWorker?: number;
  /** Seconds a worker may take to start (default 30: a loaded machine is slow). */
  startTimeoutS?: number;
  /** Seconds beyond a test's wall limit before the worker is presumed hung (default 15). */
  answerGraceS?: number;
}

export interface PoolStats {
  workersStarted: number;
  jobs: number;
  restartsAfterAnomaly: number;
}

type Pending = { resolve(run: RawRun): void; reject(err: Error): void };

const STDERR_KEEP = 4096;

class Worker {
  readonly proc: ChildProcess;
  readonly ready: Promise<void>;
  jobsDone = 0;
  busy = false;
  exited = false;
  private buffer = '';
  private stderrTail = '';
  private pending: (Pending & { timer: NodeJS.Timeout; id: number }) | null = null;
  private onReady: { resolve(): void; reject(err: Error): void } | null = null;
  private unsafeDir: string | undefined;

  constructor(
    options: PoolOptions,
    private readonly onExit: (worker: Worker) => void,
  ) {
    if (options.unsafe) this.unsafeDir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-unsafe-'));
    const cmd = workerCommand(options, this.unsafeDir);
    this.proc = spawn(cmd.command, cmd.args, { cwd: cmd.cwd, env: cmd.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.ready = new Promise<void>((resolve, reject) => {
      this.onReady = { resolve, reject };
    });
    const startTimer = setTimeout(
      () => this.fail(`sandbox worker did not start within ${options.startTimeoutS ?? 30}s`),
      (options.startTimeoutS ?? 30) * 1000,
    );
    this.ready.then(
      () => clearTimeout(startTimer),
      () => clearTimeout(startTimer),
    );
    this.proc.stdout!.setEncoding('utf8');
    this.proc.stdout!.on('data', (chunk: string) => this.onData(chunk));
    this.proc.stderr!.setEncoding('utf8');
    this.proc.stderr!.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_KEEP);
    });
    this.proc.stdin!.on('error', () => {}); // EPIPE when the worker died: reported through 'exit'
    const gone = (why: string) => {
      this.fail(why);
      if (this.exited) return; // 'error' and 'exit' may both come
      this.exited = true;
      if (this.unsafeDir) rmSync(this.unsafeDir, { recursive: true, force: true });
      this.onExit(this);
    };
    // A process that could not be spawned at all gets 'error' and maybe no 'exit'.
    this.proc.on('error', (err) => gone(`cannot start the sandbox worker: ${err.message}`));
    this.proc.on('exit', (code, signal) =>
      gone(`sandbox worker exited (${signal ?? `code ${code}`})${this.stderrTail ? `: ${this.stderrTail.trim()}` : ''}`),
    );
  }

  run(job: SandboxJob, id: number, deadlineMs: number): Promise<RawRun> {
    this.busy = true;
    if (this.exited) return Promise.resolve(failedRun({ kind: 'died', message: 'sandbox worker exited before the test' }));
    this.setRef(true);
    return new Promise<RawRun>((resolve, reject) => {
      const timer = setTimeout(() => {
        const p = this.pending;
        this.pending = null;
        this.kill();
        p?.resolve(failedRun({ kind: 'deadline', message: `sandbox did not answer within ${Math.round(deadlineMs / 1000)}s; worker restarted` }));
      }, deadlineMs);
      this.pending = { resolve, reject, timer, id };
      const { expected: _secret, ...visible } = job;
      this.proc.stdin!.write(JSON.stringify({ ...visible, id, nonce: randomNonce() }) + '\n');
    });
  }

  /** Python's == on two JSON values, asked after the test's processes are gone. */
  compare(actual: string, expected: string, id: number): Promise<boolean | null> {
    if (this.exited) return Promise.resolve(null);
    return new Promise<boolean | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = null;
        this.kill();
        resolve(null);
      }, 15_000);
      this.pending = {
        resolve: (msg) => resolve(typeof (msg as unknown as { match?: unknown }).match === 'boolean' ? (msg as unknown as { match: boolean }).match : null),
        reject,
        timer,
        id,
      };
      this.proc.stdin!.write(JSON.stringify({ id, compare: [actual, expected] }) + '\n');
    });
  }

  /** Idle workers must not keep the daemon or a CLI alive. */
  setRef(on: boolean): void {
    for (const h of [this.proc, this.proc.stdout, this.proc.stderr, this.proc.stdin] as unknown as { ref?(): void; unref?(): void }[]) {
      if (on) h?.ref?.();
      else h?.unref?.();
    }
  }

  kill(): void {
    if (!this.exited) this.proc.kill('SIGKILL');
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        this.fail(`sandbox worker sent garbage: ${line.slice(0, 200)}`);
        this.kill();
        return;
      }
      if (msg.ready) {
        this.onReady?.resolve();
        this.onReady = null;
      } else if (typeof msg.error === 'string') {
        this.fail(`sandbox worker failed: ${msg.error}`);
        this.kill();
      } else if (this.pending && msg.id === this.pending.id) {
        const p = this.pending;
        this.pending = null;
        clearTimeout(p.timer);
        p.resolve(msg as unknown as RawRun); // the pool marks the worker idle when it is done with it
      }
    }
  }

  private fail(message: string): void {
    if (this.onReady) {
      this.onReady.reject(new SandboxUnavailableError(message));
      this.onReady = null;
      this.kill();
    }
    if (this.pending) {
      const p = this.pending;
      this.pending = null;
      clearTimeout(p.timer);
      p.resolve(failedRun({ kind: 'died', message }));
      this.kill();
    }
  }
}

function failedRun(workerFailure: RawRun['workerFailure']): RawRun {
  return { status: null, stdout: '', stdout_bytes: 0, stderr: '', wall_ms: 0, cpu_ms: 0, maxrss_kb: 0, leftover: true, workerFailure };
}

function randomNonce(): string {
  return Math.random().toString(36).slice(2) + Date.now().toString(36) + Math.random().toString(36).slice(2);
}

export class SandboxPool {
  private readonly workers = new Set<Worker>();
  private readonly queue: { job: SandboxJob; retried: boolean; pending: Pending }[] = [];
  private nextId = 1;
  private closed = false;
  private readonly size: number;
  private readonly jobsPerWorker: number;
  readonly stats: PoolStats = { workersStarted: 0, jobs: 0, restartsAfterAnomaly: 0 };

  constructor(private readonly options: PoolOptions = {}) {
    this.size = Math.max(1, options.size ?? os.availableParallelism());
    this.jobsPerWorker = Math.max(1, options.jobsPerWorker ?? 500);
  }

  /** Runs one test; rejects only when no sandbox can be started at all (SandboxUnavailableError). */
  run(job: SandboxJob): Promise<RawRun> {
    if (this.closed) return Promise.reject(new Error('sandbox pool is closed'));
    return new Promise<RawRun>((resolve, reject) => {
      this.queue.push({ job, retried: false, pending: { resolve, reject } });
      this.dispatch();
    });
  }

  /** Kills every worker (and so every process in their sandboxes) and fails queued tests. */
  async close(): Promise<void> {
    this.closed = true;
    for (const q of this.queue.splice(0)) q.pending.reject(new Error('sandbox pool closed'));
    const exits = [...this.workers].map(
      (w) => new Promise<void>((resolve) => (w.exited ? resolve() : w.proc.once('exit', () => resolve()))),
    );
    for (const w of this.workers) {
      w.setRef(true); // idle workers are unref'd; without this, nothing would wait for their exit
      w.kill();
    }
    await Promise.all(exits);
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      let worker = [...this.workers].find((w) => !w.busy && !w.exited);
      if (!worker) {
        if (this.workers.size >= this.size) return;
        try {
          worker = this.spawnWorker();
        } catch (err) {
          for (const q of this.queue.splice(0)) q.pending.reject(err as Error);
          return;
        }
      }
      const item = this.queue.shift()!;
      void this.runOn(worker, item);
    }
  }

  private spawnWorker(): Worker {
    const worker = new Worker(this.options, (w) => {
      this.workers.delete(w);
      if (!this.closed) setImmediate(() => this.dispatch());
    });
    this.stats.workersStarted++;
    this.workers.add(worker);
    return worker;
  }

  private async runOn(worker: Worker, item: { job: SandboxJob; retried: boolean; pending: Pending }): Promise<void> {
    worker.busy = true;
    try {
      await worker.ready;
    } catch (err) {
      // This worker never started. Queued tests get their own try on a fresh worker: a
      // start can time out on a loaded machine without the sandbox being broken.
      item.pending.reject(err as Error);
      setImmediate(() => this.dispatch());
      return;
    }
    const id = this.nextId++;
    // The worker may stretch a starved test's wall limit up to 3x (see runqueue_wait_s).
    const deadlineMs = (3 * item.job.wall_limit_s + (this.options.answerGraceS ?? 15)) * 1000;
    const run = await worker.run(item.job, id, deadlineMs);
    worker.jobsDone++;
    if (item.job.mode === 'call' && item.job.expected !== undefined && run.report?.status === 'ok' && typeof run.report.result === 'string') {
      const match = await worker.compare(run.report.result, item.job.expected, this.nextId++);
      if (match === null) run.workerFailure ??= { kind: 'died', message: 'sandbox worker failed while comparing the result' };
      else run.match = match;
    }
    this.stats.jobs++;
    const anomaly = run.leftover || run.workerFailure !== undefined;
    if (anomaly) this.stats.restartsAfterAnomaly++;
    if (anomaly || worker.jobsDone >= this.jobsPerWorker) {
      worker.busy = true; // never handed another test; replaced once it has exited
      worker.setRef(true); // queued tests wait for that exit: it must keep the process alive
      worker.kill();
      if (worker.exited) this.workers.delete(worker);
    } else {
      worker.busy = false;
      worker.setRef(false);
    }
    // A worker that died mid-test is retried once on a fresh one: the death may be ours
    // (machine under memory pressure), not the program's.
    if (run.workerFailure?.kind === 'died' && !item.retried && !this.closed) {
      this.queue.unshift({ ...item, retried: true });
    } else {
      item.pending.resolve(run);
    }
    this.dispatch();
  }
}

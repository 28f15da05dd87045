// The math verifier off the calling thread: a few worker_threads, a FIFO queue, and a hard
// deadline per job. A job past its deadline (the CAS stuck on `9^{9^9}`-like input) is
// answered `timeout` (reward 0) at once and its worker is terminated and replaced, so a
// pathological answer costs one deadline, never a hang.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { MathTask, VerifyResult } from '../../shared/verify.js';
import type { CompareOptions } from './math/compare.js';
import type { CaseVerdict, MathVerifyOptions } from './math/index.js';
import type { MathJob, MathJobResult } from './math-jobs.js';
import { extractLastBoxed } from '../../shared/boxed.js';

export interface MathPoolOptions {
  /** Worker threads (default: min(2, CPUs)). */
  size?: number;
  /** Wall-clock limit per job once a worker has it, in ms (default 5000). */
  deadlineMs?: number;
}

export interface MathPoolStats {
  completed: number;
  timedOut: number;
  workersStarted: number;
}

type Pending = {
  job: MathJob;
  resolve: (r: MathJobResult | { id: number; op: 'timeout' }) => void;
};

interface Slot {
  worker: Worker;
  ready: boolean;
  current: Pending | null;
  timer: NodeJS.Timeout | null;
}

const WORKER_URL = new URL('./math-worker.js', import.meta.url);

export const DEFAULT_MATH_DEADLINE_MS = 5000;
const MAX_STARTUP_FAILURES = 3;

export class MathPool {
  readonly size: number;
  readonly deadlineMs: number;
  private slots: Slot[] = [];
  private queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  private startupFailures = 0;
  private broken: string | null = null;
  private stats: MathPoolStats = { completed: 0, timedOut: 0, workersStarted: 0 };

  constructor(options: MathPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? Math.min(2, availableParallelism()));
    this.deadlineMs = options.deadlineMs ?? DEFAULT_MATH_DEADLINE_MS;
    for (let i = 0; i < this.size; i++) this.slots.push(this.spawn());
  }

  getStats(): MathPoolStats {
    return { ...this.stats };
  }

  async verify(task: MathTask, response: string, options?: CompareOptions): Promise<VerifyResult> {
    const r = await this.submit({ id: 0, op: 'verify', task, response, options });
    if (r.op === 'verify') return r.value;
    const timedOut = r.op === 'timeout';
    return {
      reward: 0,
      verdict: timedOut ? 'timeout' : 'verifier_error',
      details: {
        kind: 'math',
        extracted: extractLastBoxed(response),
        normalizedPred: null,
        normalizedGold: task.answer,
        rule: timedOut ? 'deadline' : 'error',
        message: timedOut ? `math verification exceeded its ${this.deadlineMs} ms deadline` : (r as { message: string }).message,
      },
    };
  }

  /** A Math-Verify case (`rlvr check math`): a timeout reads as not equal, rule `timeout`. */
  async compare(gold: string, pred: string, options?: MathVerifyOptions): Promise<CaseVerdict> {
    const r = await this.submit({ id: 0, op: 'case', gold, pred, options });
    if (r.op === 'case') return r.value;
    const message = r.op === 'timeout' ? `exceeded the ${this.deadlineMs} ms deadline` : (r as { message: string }).message;
    return { equal: false, rule: r.op === 'timeout' ? 'timeout' : 'error', gold: [], pred: [], message };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.resolve({ id: p.job.id, op: 'error', message: 'math pool closed' });
    await Promise.all(
      this.slots.map(async (s) => {
        if (s.timer) clearTimeout(s.timer);
        s.current?.resolve({ id: s.current.job.id, op: 'error', message: 'math pool closed' });
        s.current = null;
        // An unref'd worker lets the event loop empty before its exit event arrives, which
        // would leave this promise unsettled (a CLI awaiting it exits 13).
        s.worker.ref();
        await s.worker.terminate();
      }),
    );
    this.slots = [];
  }

  private submit(job: MathJob): Promise<MathJobResult | { id: number; op: 'timeout' }> {
    if (this.closed || this.broken) return Promise.resolve({ id: job.id, op: 'error', message: this.broken ?? 'math pool closed' });
    job.id = this.nextId++;
    return new Promise((resolve) => {
      this.queue.push({ job, resolve });
      this.dispatch();
    });
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_URL);
    const slot: Slot = { worker, ready: false, current: null, timer: null };
    this.stats.workersStarted++;
    worker.unref(); // idle workers never keep the process alive
    worker.on('message', (msg: MathJobResult | { ready: true }) => {
      if ('ready' in msg) {
        slot.ready = true;
        this.startupFailures = 0;
        this.dispatch();
        return;
      }
      const cur = slot.current;
      if (!cur || cur.job.id !== msg.id) return;
      if (slot.timer) clearTimeout(slot.timer);
      slot.timer = null;
      slot.current = null;
      this.stats.completed++;
      cur.resolve(msg);
      this.dispatch();
    });
    const fail = (why: string) => {
      if (this.closed || !this.slots.includes(slot)) return;
      const cur = slot.current;
      slot.current = null;
      if (slot.timer) clearTimeout(slot.timer);
      cur?.resolve({ id: cur.job.id, op: 'error', message: `math worker died: ${why}` });
      // A worker that dies before it is ready will die again: stop after a few, say why.
      if (!slot.ready && ++this.startupFailures >= MAX_STARTUP_FAILURES) {
        this.broken = `math workers fail to start: ${why}`;
        this.slots = this.slots.filter((x) => x !== slot);
        for (const p of this.queue.splice(0)) p.resolve({ id: p.job.id, op: 'error', message: this.broken });
        return;
      }
      this.replace(slot);
    };
    worker.on('error', (err) => fail(err.message));
    worker.on('exit', (code) => fail(`exit code ${code}`));
    return slot;
  }

  private replace(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots[i] = this.spawn();
    void slot.worker.terminate();
  }

  /** Busy workers, and all while jobs wait, keep the process alive; idle ones never do. */
  private updateRefs(): void {
    if (this.closed) return; // close() holds every worker ref'd until its exit event
    for (const s of this.slots) {
      if (s.current || this.queue.length > 0) s.worker.ref();
      else s.worker.unref();
    }
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) break;
      if (!slot.ready || slot.current) continue;
      const next = this.queue.shift()!;
      slot.current = next;
      slot.timer = setTimeout(() => {
        if (slot.current !== next) return;
        slot.current = null;
        this.stats.timedOut++;
        next.resolve({ id: next.job.id, op: 'timeout' });
        this.replace(slot);
        this.dispatch();
      }, this.deadlineMs);
      slot.worker.postMessage(next.job);
    }
    this.updateRefs();
  }
}

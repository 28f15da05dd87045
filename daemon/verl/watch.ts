// rlvr/watchVerlRun: follow a live verl job's trainer.rollout_data_dir ({step}.jsonl, each file
// written whole; verl/trainer/ppo/ray_trainer.py _dump_generations at volcengine/verl b178a3cd)
// and its file logger (daemon/verl/metrics.ts) with chokidar, importing each step into the
// store as it appears, so the Runs view, dashboard and rollout documents follow it live.
//
// - A step is imported once: the steps already in the store are skipped, so a daemon restart
//   (watches are kept in <data dir>/verl-watches.json and resumed) imports nothing twice.
// - verl dumps a step's rollouts before it logs the step's metrics; metrics that arrive first
//   wait for their rollout file, and a metrics line for a stored step updates its row in place.
// - A malformed line is reported (rlvr/log, warn, "<file>:<line>: ...") and skipped.
import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
import { constants, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, Notifications, type NotificationType, type StageKind, type StepMetrics } from '../../shared/protocol.js';
import { RlvrError } from '../../shared/errors.js';
import type { RunStore } from '../store/run-store.js';
import { MAX_STEP_FILE_BYTES, emptyStepMetrics, parseLine, stepMetrics, toRollouts, type VerlLine } from '../store/verl.js';
import { isRlvrError } from '../../shared/errors.js';
import { readRegularFile } from '../util/read-file.js';
import { applyVerlMetrics, parseMetricsLine } from './metrics.js';

export interface WatchSpec {
  runId: string;
  rolloutDir: string;
  metricsFile?: string;
  name: string;
}

type Broadcast = <P>(type: NotificationType<P>, params: P) => void;

const STEP_FILE = /^(\d+)\.jsonl$/;
const STAGE = 'verl';
const REGISTRY = 'verl-watches.json';
/** The metrics log is read in pieces of at most this much, so a huge file never sits in memory whole. */
const MAX_METRICS_READ_BYTES = 16 * 1024 * 1024;

/** Code when the ground truth holds tests (our reward module's shapes), else math. */
function kindOf(gts: string | null): StageKind {
  if (gts && gts.trimStart().startsWith('{')) {
    try {
      const o = JSON.parse(gts) as Record<string, unknown>;
      if (o && typeof o === 'object' && (('inputs' in o && 'outputs' in o) || 'functional' in o)) return 'code';
    } catch {
      /* a math answer that starts with a brace */
    }
  }
  return 'math';
}

class RunWatcher {
  private watcher: FSWatcher | null = null;
  private chain: Promise<void> = Promise.resolve();
  private readonly imported = new Set<number>();
  private readonly pendingMetrics = new Map<number, Record<string, unknown>>();
  private metricsOffset = 0;
  private metricsLine = 0;
  private metricsRest = '';
  private closed = false;
  private readonly reported = new Map<string, string>();

  constructor(
    readonly spec: WatchSpec,
    private readonly store: RunStore,
    private readonly broadcast: Broadcast,
  ) {
    const rows = store.db.prepare('SELECT step FROM steps WHERE run_id = ? AND stage_index = 0').all(spec.runId) as { step: number }[];
    for (const r of rows) this.imported.add(r.step);
  }

  /** Imports what is there now, then follows changes. */
  async start(): Promise<void> {
    mkdirSync(this.spec.rolloutDir, { recursive: true }); // verl creates it too (exist_ok)
    const paths = [this.spec.rolloutDir];
    if (this.spec.metricsFile) {
      mkdirSync(path.dirname(this.spec.metricsFile), { recursive: true });
      paths.push(path.dirname(this.spec.metricsFile));
    }
    this.watcher = chokidarWatch(paths, {
      ignoreInitial: true,
      depth: 0,
      // verl writes a step file in one go; wait for it to stop growing before reading it.
      awaitWriteFinish: { stabilityThreshold: 200, pollInterval: 50 },
    });
    this.watcher.on('add', (p) => this.onFile(p));
    this.watcher.on('change', (p) => this.onFile(p));
    this.watcher.on('error', (err) => this.report(`watching ${this.spec.rolloutDir}: ${(err as Error).message}`));
    await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()));
    // The initial scan ourselves, in step order (chokidar's initial events come in any order).
    this.enqueue(async () => {
      for (const step of this.stepFiles()) await this.importStep(step);
      await this.readMetrics();
    });
    await this.chain;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.watcher?.close();
    await this.chain;
  }

  private onFile(p: string): void {
    const file = path.resolve(p);
    if (path.dirname(file) === path.resolve(this.spec.rolloutDir)) {
      const m = STEP_FILE.exec(path.basename(file));
      if (m) this.enqueue(() => this.importStep(Number(m[1])));
    }
    if (this.spec.metricsFile && file === path.resolve(this.spec.metricsFile)) this.enqueue(() => this.readMetrics());
  }

  private enqueue(work: () => void | Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (this.closed) return;
      try {
        await work();
      } catch (err) {
        this.report((err as Error).message);
      }
    });
  }

  /** Says it once per file and problem: the watcher sees the same file again on every change. */
  private reportOnce(file: string, message: string): void {
    if (this.reported.get(file) === message) return;
    this.reported.set(file, message);
    this.report(message);
  }

  private report(message: string): void {
    console.error(`rlvr serve: verl watch ${this.spec.runId}: ${message}`);
    this.broadcast(Notifications.log, { runId: this.spec.runId, level: 'warn', message });
  }

  private stepFiles(): number[] {
    let names: string[] = [];
    try {
      names = readdirSync(this.spec.rolloutDir);
    } catch {
      return [];
    }
    return names
      .map((n) => STEP_FILE.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
  }

  private stepFile(step: number): string {
    return path.join(this.spec.rolloutDir, `${step}.jsonl`);
  }

  private async importStep(step: number): Promise<void> {
    if (this.imported.has(step)) return;
    const file = this.stepFile(step);
    let text: string;
    try {
      // Never a blocking read: a FIFO named N.jsonl would stall every client of the daemon.
      text = await readRegularFile(file, MAX_STEP_FILE_BYTES);
    } catch (err) {
      // Gone again (verl replaced it) is not worth a word; a FIFO, a device or a huge file is.
      if (isRlvrError(err) && !/no such file/.test(err.message)) this.reportOnce(file, `${err.message}; step ${step} not imported`);
      return;
    }
    if (this.imported.has(step)) return; // imported by a metrics line while this one was read
    // verl ends every step file with a newline: anything else is still being written.
    if (!text.endsWith('\n')) return;
    const lines: VerlLine[] = [];
    text.split('\n').forEach((raw, i) => {
      if (raw.trim() === '') return;
      try {
        const l = parseLine(raw, file, i + 1);
        l.kind ??= kindOf(l.gts);
        lines.push(l);
      } catch (err) {
        this.report(`${(err as Error).message}; line skipped`);
      }
    });
    const kind = lines[0]?.kind ?? 'math';
    const s = { globalStep: step, stage: STAGE, stageIndex: 0, stageStep: step, kind, lines };
    const rollouts = toRollouts(this.spec.runId, s);
    let metrics = rollouts.length ? stepMetrics(this.spec.runId, s, rollouts) : emptyStepMetrics(this.spec.runId, STAGE, step);
    const pending = this.pendingMetrics.get(step);
    if (pending) metrics = applyVerlMetrics(metrics, pending, rollouts.length > 0);
    const stored = this.store.db.transaction(() => {
      this.store.upsertStage(this.spec.runId, { index: 0, name: STAGE, kind, status: 'running', stepsDone: step, stepsPlanned: 0 });
      return this.store.recordStep(metrics, rollouts);
    })();
    this.pendingMetrics.delete(step);
    this.imported.add(step);
    this.broadcast(Notifications.stepMetrics, metrics);
    this.broadcast(Notifications.rollouts, { runId: this.spec.runId, step, rollouts: stored });
  }

  private async readMetrics(): Promise<void> {
    const file = this.spec.metricsFile;
    if (!file || !existsSync(file)) return;
    // Non-blocking open, then a check on the descriptor: a FIFO or a device is reported, never read.
    const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    let chunk: string;
    try {
      const st = await handle.stat();
      if (!st.isFile()) {
        this.reportOnce(file, `${file}: not a regular file; verl metrics not followed`);
        return;
      }
      const size = st.size;
      // verl's FileLogger opens its file with "wb": a restarted job starts it over.
      if (size < this.metricsOffset) {
        this.metricsOffset = 0;
        this.metricsLine = 0;
        this.metricsRest = '';
      }
      const length = Math.min(size - this.metricsOffset, MAX_METRICS_READ_BYTES);
      const buf = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buf, 0, length, this.metricsOffset);
      this.metricsOffset += bytesRead;
      chunk = this.metricsRest + buf.subarray(0, bytesRead).toString('utf8');
      // A file larger than one read is taken in turns, each on its own trip through the queue.
      if (this.metricsOffset < size) this.enqueue(() => this.readMetrics());
    } finally {
      await handle.close();
    }
    const parts = chunk.split('\n');
    this.metricsRest = parts.pop() ?? ''; // a line still being written
    for (const raw of parts) {
      this.metricsLine++;
      if (raw.trim() === '') continue;
      const parsed = parseMetricsLine(raw);
      if ('error' in parsed) {
        this.report(`${file}:${this.metricsLine}: ${parsed.error}; line skipped`);
        continue;
      }
      if (!this.imported.has(parsed.step)) await this.importStep(parsed.step);
      if (this.imported.has(parsed.step)) this.updateMetrics(parsed.step, parsed.data);
      else this.pendingMetrics.set(parsed.step, parsed.data);
    }
  }

  private updateMetrics(step: number, data: Record<string, unknown>): void {
    const row = this.store.db
      .prepare('SELECT metrics_json FROM steps WHERE run_id = ? AND stage_index = 0 AND step = ?')
      .get(this.spec.runId, step) as { metrics_json: string } | undefined;
    if (!row) return;
    const hasRollouts = (this.store.db.prepare('SELECT COUNT(*) AS n FROM rollouts WHERE run_id = ? AND stage_index = 0 AND step = ?').get(this.spec.runId, step) as { n: number }).n > 0;
    const metrics = applyVerlMetrics(JSON.parse(row.metrics_json) as StepMetrics, data, hasRollouts);
    this.store.db
      .prepare('UPDATE steps SET mean_reward = ?, accuracy = ?, metrics_json = ? WHERE run_id = ? AND stage_index = 0 AND step = ?')
      .run(metrics.meanReward, metrics.accuracy, JSON.stringify(metrics), this.spec.runId, step);
    this.broadcast(Notifications.stepMetrics, metrics);
  }
}

/** Every watch of this daemon, kept across restarts. */
export class VerlWatches {
  private readonly active = new Map<string, RunWatcher>();
  /** Watches that could not be resumed this time; kept in the registry. */
  private readonly dormant: WatchSpec[] = [];

  constructor(
    private readonly store: RunStore,
    private readonly dataDir: string,
    private readonly broadcast: Broadcast,
  ) {}

  private registryFile(): string {
    return path.join(this.dataDir, REGISTRY);
  }

  private readRegistry(): WatchSpec[] {
    const file = this.registryFile();
    if (!existsSync(file)) return [];
    try {
      const v = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      return Array.isArray(v) ? (v as WatchSpec[]).filter((s) => typeof s?.runId === 'string' && typeof s.rolloutDir === 'string') : [];
    } catch (err) {
      console.error(`rlvr serve: ${file}: not valid JSON, verl watches not resumed (${(err as Error).message})`);
      return [];
    }
  }

  private writeRegistry(): void {
    const file = this.registryFile();
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify([...[...this.active.values()].map((w) => w.spec), ...this.dormant], null, 2) + '\n');
    renameSync(tmp, file);
  }

  /** Resumes the watches of an earlier daemon (runs deleted since are dropped). */
  async resume(): Promise<void> {
    for (const spec of this.readRegistry()) {
      try {
        this.store.requireRun(spec.runId);
      } catch {
        continue;
      }
      const w = new RunWatcher(spec, this.store, this.broadcast);
      try {
        await w.start();
        this.active.set(spec.runId, w);
      } catch (err) {
        // A folder gone or unreadable must not keep the daemon from starting: say so, keep the rest.
        console.error(`rlvr serve: verl watch ${spec.runId} of ${spec.rolloutDir} not resumed: ${(err as Error).message}`);
        await w.close();
        this.dormant.push(spec); // kept: the next start tries again
      }
    }
    this.writeRegistry();
  }

  async watch(p: { rolloutDir: string; metricsFile?: string; name?: string }): Promise<{ runId: string }> {
    const rolloutDir = path.resolve(p.rolloutDir);
    const metricsFile = p.metricsFile ? path.resolve(p.metricsFile) : undefined;
    if (existsSync(rolloutDir) && !isDir(rolloutDir)) {
      throw new RlvrError(ErrorCodes.InvalidParams, `rolloutDir ${rolloutDir} is a file, not verl's trainer.rollout_data_dir folder`);
    }
    for (const w of this.active.values()) if (w.spec.rolloutDir === rolloutDir) return { runId: w.spec.runId };
    const name = p.name ?? path.basename(rolloutDir);
    const runId = this.store.createImportedRun(name, rolloutDir);
    this.store.upsertStage(runId, { index: 0, name: STAGE, kind: 'math', status: 'running', stepsDone: 0, stepsPlanned: 0 });
    const spec: WatchSpec = { runId, rolloutDir, name, ...(metricsFile ? { metricsFile } : {}) };
    const w = new RunWatcher(spec, this.store, this.broadcast);
    this.active.set(runId, w);
    this.writeRegistry();
    this.broadcast(Notifications.runChanged, this.store.getRun(runId));
    await w.start();
    return { runId };
  }

  async close(): Promise<void> {
    await Promise.all([...this.active.values()].map((w) => w.close()));
    this.active.clear();
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

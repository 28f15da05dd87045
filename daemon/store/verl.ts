// Interop with verl's `trainer.rollout_data_dir`: one `{step}.jsonl` per global step, each
// line {input, output, gts, score, step} plus any reward extras. We write our verdict
// fields beside those five, and read a folder written by verl (or by us) back as a
// read-only run, so a verl job's rollouts open in the same UI.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import path from 'node:path';
import { ErrorCodes, type StageKind, type StepMetrics } from '../../shared/protocol.js';
import { RlvrError } from '../../shared/errors.js';
import type { Verdict } from '../../shared/verify.js';
import { readRegularFile } from '../util/read-file.js';
import type { NewRollout, RunSink } from './sink.js';
import type Database from 'better-sqlite3';
import { rolloutFromRow, type RolloutRow, type RunRow } from './rows.js';

/**
 * What import and export need of the run store (run-store.ts implements it and delegates
 * here), named so this module does not import the store class back: no cycle.
 */
export interface VerlStoreAccess extends Pick<RunSink, 'upsertStage' | 'recordStep'> {
  readonly db: Database.Database;
  requireRun(runId: string): RunRow;
  createImportedRun(name: string, source: string): string;
  recordMoreRollouts(metrics: StepMetrics, rollouts: NewRollout[]): void;
  markReadOnly(runId: string): void;
}

/** One line of a `{step}.jsonl`: verl's five fields, then ours (all optional on import). */
export interface VerlLine {
  input: string;
  output: string;
  gts: string | null;
  score: number;
  step: number;
  verdict?: Verdict;
  problem_id?: string;
  sample_index?: number;
  stage?: string;
  stage_index?: number;
  stage_step?: number;
  kind?: StageKind;
  advantage?: number;
  extracted_answer?: string | null;
  truncated?: boolean;
  prompt_tokens?: number;
  response_tokens?: number;
  /** verl's math reward extras name the extracted answer `pred`. */
  pred?: string;
}

/** Where an export may write: an absolute folder that is not the root and holds no run's source. */
function checkExportDir(store: VerlStoreAccess, dir: string): void {
  if (!path.isAbsolute(dir)) throw new RlvrError(ErrorCodes.InvalidParams, `export folder must be an absolute path, got ${dir}`, { field: 'dir' });
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  const target = real(dir);
  if (target === path.parse(target).root) throw new RlvrError(ErrorCodes.InvalidParams, `refusing to export into the filesystem root ${target}`, { field: 'dir' });
  const sources = store.db.prepare("SELECT id, config_path FROM runs WHERE status = 'imported' AND config_path IS NOT NULL").all() as { id: string; config_path: string }[];
  const source = sources.find((r) => real(r.config_path) === target);
  if (source) {
    throw new RlvrError(ErrorCodes.InvalidParams, `${dir} is the source folder of imported run ${source.id}: export elsewhere, it would overwrite it`, { field: 'dir' });
  }
}

/** Writes `text` to `file` through a new temp file and a rename: a link planted at `file`
 *  is replaced, never followed, and a reader never sees half a file. */
function writeNew(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, text, { flag: 'wx', mode: 0o600 });
  renameSync(tmp, file);
}

export function exportVerl(store: VerlStoreAccess, runId: string, dir: string): { files: number } {
  store.requireRun(runId);
  checkExportDir(store, dir);
  mkdirSync(dir, { recursive: true });
  const rows = store.db
    .prepare('SELECT * FROM rollouts WHERE run_id = ? ORDER BY global_step, id')
    .iterate(runId) as IterableIterator<RolloutRow>;
  let files = 0;
  let current: number | null = null;
  let lines: string[] = [];
  const flush = () => {
    if (current === null) return;
    writeNew(path.join(dir, `${current}.jsonl`), lines.join('\n') + '\n');
    files++;
  };
  for (const r of rows) {
    if (r.global_step !== current) {
      flush();
      current = r.global_step;
      lines = [];
    }
    // verl's own field names, from the record (rows.ts alone knows the store's columns).
    const x = rolloutFromRow(r);
    const line: VerlLine = {
      input: x.prompt,
      output: x.response,
      gts: x.gold,
      score: x.reward,
      step: r.global_step,
      verdict: x.verdict,
      problem_id: x.problemId,
      sample_index: x.sampleIndex,
      stage: x.stage,
      stage_index: r.stage_index,
      stage_step: x.step,
      kind: x.kind,
      advantage: x.advantage,
      extracted_answer: x.extractedAnswer,
      truncated: x.truncated,
      prompt_tokens: x.promptTokens,
      response_tokens: x.responseTokens,
    };
    lines.push(JSON.stringify(line));
  }
  flush();
  return { files };
}

const STEP_FILE = /^(\d+)\.jsonl$/;
const KINDS: readonly StageKind[] = ['sft', 'math', 'code'];

function fail(file: string, line: number, field: string, what: string): never {
  throw new RlvrError(ErrorCodes.InvalidParams, `${file}:${line}: field '${field}' ${what}`, { file, line, field });
}

export function parseLine(text: string, file: string, lineNo: number): VerlLine {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new RlvrError(ErrorCodes.ParseError, `${file}:${lineNo}: not valid JSON (${(err as Error).message})`, {
      file,
      line: lineNo,
    });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(file, lineNo, '(line)', 'must be a JSON object');
  const o = v as Record<string, unknown>;
  if (typeof o.input !== 'string') fail(file, lineNo, 'input', 'must be a string');
  if (typeof o.output !== 'string') fail(file, lineNo, 'output', 'must be a string');
  if (o.gts !== undefined && o.gts !== null && typeof o.gts !== 'string') {
    // verl stores whatever ground truth the dataset had; keep non-strings as JSON text.
    o.gts = JSON.stringify(o.gts);
  }
  if (typeof o.score !== 'number' || !Number.isFinite(o.score)) fail(file, lineNo, 'score', 'must be a finite number');
  if (o.step !== undefined && (typeof o.step !== 'number' || !Number.isInteger(o.step))) {
    fail(file, lineNo, 'step', 'must be an integer');
  }
  if (o.kind !== undefined && !KINDS.includes(o.kind as StageKind)) fail(file, lineNo, 'kind', `must be one of ${KINDS.join(', ')}`);
  // Our own extras: checked here so a wrong type is named with its line, not left to SQLite.
  for (const f of ['stage', 'problem_id', 'pred'] as const) {
    if (o[f] !== undefined && typeof o[f] !== 'string') fail(file, lineNo, f, 'must be a string');
  }
  for (const f of ['stage_index', 'stage_step', 'sample_index', 'prompt_tokens', 'response_tokens'] as const) {
    if (o[f] !== undefined && !(Number.isSafeInteger(o[f]) && (o[f] as number) >= 0)) fail(file, lineNo, f, 'must be an integer >= 0');
  }
  if (o.advantage !== undefined && (typeof o.advantage !== 'number' || !Number.isFinite(o.advantage))) fail(file, lineNo, 'advantage', 'must be a finite number');
  if (o.truncated !== undefined && typeof o.truncated !== 'boolean') fail(file, lineNo, 'truncated', 'must be true or false');
  if (o.verdict !== undefined && typeof o.verdict !== 'string') fail(file, lineNo, 'verdict', 'must be a string');
  if (o.extracted_answer !== undefined && o.extracted_answer !== null && typeof o.extracted_answer !== 'string') {
    fail(file, lineNo, 'extracted_answer', 'must be a string or null');
  }
  return o as unknown as VerlLine;
}

/** A step file larger than this is refused (a JS string cannot hold much more anyway). */
export const MAX_STEP_FILE_BYTES = 256 * 1024 * 1024;
/** Lines parsed between yields to the event loop, so other clients are served meanwhile. */
const LINES_PER_SLICE = 5000;
/** Rows written per slice of the import's transaction. */
const ROWS_PER_SLICE = 2000;

/**
 * Reads a rollout_data_dir into a new read-only run (one transaction: all of it or nothing).
 * Files are read asynchronously, only regular ones and under a size cap; parsing yields to
 * the event loop every few thousand lines.
 */
export async function importVerl(store: VerlStoreAccess, dir: string, name?: string): Promise<{ runId: string }> {
  if (!path.isAbsolute(dir)) throw new RlvrError(ErrorCodes.InvalidParams, `verl rollout folder must be an absolute path, got ${dir}`);
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    throw new RlvrError(ErrorCodes.InvalidParams, `cannot read verl rollout folder ${dir}: ${(err as Error).message}`);
  }
  const files = entries
    .map((f) => ({ f, m: STEP_FILE.exec(f) }))
    .filter((e) => e.m !== null)
    .map((e) => ({ file: path.join(dir, e.f), step: Number(e.m![1]) }))
    .sort((a, b) => a.step - b.step);
  if (files.length === 0) {
    throw new RlvrError(ErrorCodes.InvalidParams, `${dir}: no {step}.jsonl files (verl's trainer.rollout_data_dir shape)`);
  }

  // Parse everything before touching the store, so a bad line leaves no half-imported run.
  type Step = { globalStep: number; stage: string; stageIndex: number; stageStep: number; kind: StageKind; lines: VerlLine[] };
  const steps: Step[] = [];
  for (const { file, step } of files) {
    const byStage = new Map<string, Step>();
    const text = await readRegularFile(file, MAX_STEP_FILE_BYTES);
    let lineNo = 0;
    for (let start = 0; start < text.length; ) {
      let nl = text.indexOf('\n', start);
      if (nl < 0) nl = text.length;
      const line = text.slice(start, nl);
      start = nl + 1;
      if (++lineNo % LINES_PER_SLICE === 0) await yieldToEventLoop();
      if (line.trim() === '') continue;
      const l = parseLine(line, file, lineNo);
      const stage = l.stage ?? 'verl';
      let s = byStage.get(stage);
      if (!s) {
        s = {
          globalStep: step,
          stage,
          stageIndex: l.stage_index ?? 0,
          stageStep: l.stage_step ?? step,
          kind: l.kind ?? 'math',
          lines: [],
        };
        byStage.set(stage, s);
        steps.push(s);
      }
      s.lines.push(l);
    }
  }

  // One transaction, all of it or nothing, written in slices with the event loop free in
  // between: 200,000 rows in one synchronous go held every client for seconds. (A training
  // step recorded meanwhile nests as a savepoint inside it.)
  store.db.exec('BEGIN IMMEDIATE');
  try {
    const runId = store.createImportedRun(name ?? path.basename(path.resolve(dir)), path.resolve(dir));
    const stages = new Map<number, { name: string; kind: StageKind; steps: number }>();
    for (const s of steps) {
      const st = stages.get(s.stageIndex) ?? { name: s.stage, kind: s.kind, steps: 0 };
      st.steps = Math.max(st.steps, s.stageStep);
      stages.set(s.stageIndex, st);
      store.upsertStage(runId, { index: s.stageIndex, name: s.stage, kind: s.kind, status: 'done', stepsDone: 0, stepsPlanned: 0 });
      const rollouts = toRollouts(runId, s);
      const metrics = stepMetrics(runId, s, rollouts);
      store.recordStep(metrics, rollouts.slice(0, ROWS_PER_SLICE));
      for (let i = ROWS_PER_SLICE; i < rollouts.length; i += ROWS_PER_SLICE) {
        await yieldToEventLoop();
        store.recordMoreRollouts(metrics, rollouts.slice(i, i + ROWS_PER_SLICE));
      }
    }
    for (const [index, st] of stages) {
      store.upsertStage(runId, { index, name: st.name, kind: st.kind, status: 'done', stepsDone: st.steps, stepsPlanned: st.steps });
    }
    store.markReadOnly(runId);
    store.db.exec('COMMIT');
    return { runId };
  } catch (err) {
    if (store.db.inTransaction) store.db.exec('ROLLBACK');
    throw err;
  }
}

function problemIdOf(input: string): string {
  return createHash('sha1').update(input).digest('hex').slice(0, 12);
}

export function toRollouts(
  runId: string,
  s: { stage: string; stageStep: number; kind: StageKind; lines: VerlLine[] },
): NewRollout[] {
  const samples = new Map<string, number>();
  const ids = new Map<string, string>(); // input -> id: a group's G lines hash once
  const idOf = (input: string) => {
    let id = ids.get(input);
    if (id === undefined) ids.set(input, (id = problemIdOf(input)));
    return id;
  };
  const rollouts: NewRollout[] = s.lines.map((l) => {
    const problemId = l.problem_id ?? idOf(l.input);
    const sampleIndex = l.sample_index ?? samples.get(problemId) ?? 0;
    samples.set(problemId, sampleIndex + 1);
    return {
      runId,
      stage: s.stage,
      step: s.stageStep,
      problemId,
      sampleIndex,
      kind: l.kind ?? s.kind,
      prompt: l.input,
      response: l.output,
      gold: l.gts ?? '',
      reward: l.score,
      advantage: l.advantage ?? NaN,
      verdict: l.verdict ?? (l.score > 0 ? 'correct' : 'wrong'),
      extractedAnswer: l.extracted_answer ?? l.pred ?? null,
      promptTokens: l.prompt_tokens ?? 0,
      responseTokens: l.response_tokens ?? 0,
      truncated: l.truncated ?? false,
      verify: null,
    };
  });
  // verl's lines carry no advantage: recompute GRPO's group-normalised one,
  // (score - mean) / std within the problem's group; 0 for a zero-variance group.
  const groups = new Map<string, NewRollout[]>();
  for (const r of rollouts) {
    const g = groups.get(r.problemId);
    if (g) g.push(r);
    else groups.set(r.problemId, [r]);
  }
  for (const g of groups.values()) {
    const mean = g.reduce((a, r) => a + r.reward, 0) / g.length;
    const std = Math.sqrt(g.reduce((a, r) => a + (r.reward - mean) ** 2, 0) / g.length);
    for (const r of g) if (Number.isNaN(r.advantage)) r.advantage = std > 0 ? (r.reward - mean) / std : 0;
  }
  return rollouts;
}

/** A step with nothing measured yet: what verl's own logger fills in (verl/metrics.ts), or the rollouts below. */
export function emptyStepMetrics(runId: string, stage: string, step: number): StepMetrics {
  return {
    runId,
    stage,
    stageIndex: 0,
    step,
    globalStep: step,
    meanReward: 0,
    accuracy: 0,
    entropy: 0,
    meanResponseLength: 0,
    maxResponseLength: 0,
    truncatedShare: 0,
    zeroVarianceShare: 0,
    verifierFailureShare: 0,
    tokensPerSecond: 0,
    sampleSeconds: 0,
    verifySeconds: 0,
    updateSeconds: 0,
    loss: 0,
  };
}

export function stepMetrics(runId: string, s: { globalStep: number; stage: string; stageIndex: number; stageStep: number }, rs: NewRollout[]): StepMetrics {
  const n = rs.length;
  const mean = (f: (r: NewRollout) => number) => rs.reduce((a, r) => a + f(r), 0) / n;
  // One pass: per problem, its first reward and whether every other reward equals it.
  const groups = new Map<string, { first: number; same: boolean }>();
  let maxResponseLength = 0;
  for (const r of rs) {
    const g = groups.get(r.problemId);
    if (!g) groups.set(r.problemId, { first: r.reward, same: true });
    else if (r.reward !== g.first) g.same = false;
    if (r.responseTokens > maxResponseLength) maxResponseLength = r.responseTokens;
  }
  let zeroVar = 0;
  for (const g of groups.values()) if (g.same) zeroVar++;
  return {
    ...emptyStepMetrics(runId, s.stage, s.stageStep),
    stageIndex: s.stageIndex,
    globalStep: s.globalStep,
    meanReward: mean((r) => r.reward),
    accuracy: mean((r) => (r.reward >= 1 ? 1 : 0)),
    meanResponseLength: mean((r) => r.responseTokens),
    maxResponseLength,
    truncatedShare: mean((r) => (r.truncated ? 1 : 0)),
    zeroVarianceShare: zeroVar / groups.size,
  };
}

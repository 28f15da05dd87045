// The curation pipeline: read every input, turn each row into a Problem, run the named
// filters in order (cheap text rules first, the sandbox and the policy last, so the
// expensive steps only see what survived), and account for every record.
import { readdirSync } from 'node:fs';
import type { CurateFilterReport, CurateReport } from '../../../shared/curate.js';
import path from 'node:path';
import { fixturePath } from '../fixtures.js';
import { isDatasetFile } from '../formats/index.js';
import { readProblems } from '../records/load.js';
import type { Filter, FilterContext, VerifyFn } from './filter.js';
import { decontaminate, loadEvalTexts } from './filters/decontaminate.js';
import { exactDuplicate, nearDuplicate } from './filters/dedup.js';
import { difficulty, type DifficultyFilter, type DifficultyOptions } from './filters/difficulty.js';
import { figure, multiPart, multipleChoice, nonEnglish, proof, tooShort, unverifiableAnswer } from './filters/math-rules.js';
import { problemRecord, type FieldMap, type Problem, type ProblemKind } from '../records/record.js';
import { interactive, noTests, referenceFails, specialJudge, weakTests } from './filters/code-rules.js';

export interface CurateOptions {
  kind?: ProblemKind;
  map?: FieldMap;
  /** Evaluation files to decontaminate against, besides the defaults. */
  evalFiles?: string[];
  /** Include every file of ../shared/fixtures/math/ (default true). */
  defaultEval?: boolean;
  verify?: VerifyFn;
  /** Kinds `verify` can judge (default both); filters of other kinds run without it. */
  verifyKinds?: ProblemKind[];
  concurrency?: number;
  difficulty?: DifficultyOptions;
  /** Filter names to leave out. */
  skip?: string[];
  nearDuplicateThreshold?: number;
  log?: (message: string) => void;
}

export interface DroppedRecord {
  filter: string;
  reason: string;
  source: string;
  field?: string;
  record?: unknown;
}

export type FilterReport = CurateFilterReport;
export type { CurateReport };

export interface CurateResult {
  kept: Problem[];
  dropped: DroppedRecord[];
  report: CurateReport;
  /** Pass counts by problem id, when the difficulty filter ran. */
  passes?: Map<string, number>;
}

export function defaultEvalFiles(): string[] {
  const dir = fixturePath('math');
  if (!dir) return [];
  return readdirSync(dir)
    .filter(isDatasetFile)
    .sort()
    .map((f) => path.join(dir, f));
}

export interface LoadedProblems {
  problems: Problem[];
  errors: DroppedRecord[];
  inputs: CurateReport['inputs'];
  rows: number;
}

export async function loadProblems(files: readonly string[], opts: Pick<CurateOptions, 'kind' | 'map'> = {}): Promise<LoadedProblems> {
  const problems: Problem[] = [];
  const errors: DroppedRecord[] = [];
  const inputs: CurateReport['inputs'] = [];
  let rows = 0;
  for (const file of files) {
    const stat = { file, rows: 0, read_errors: 0 };
    inputs.push(stat);
    for await (const r of readProblems(file, opts)) {
      stat.rows++;
      rows++;
      if (r.ok) {
        problems.push(r.problem);
        continue;
      }
      stat.read_errors++;
      errors.push({ filter: 'read', reason: r.reason, source: `${file}:${r.line}`, ...(r.field ? { field: r.field } : {}), ...(r.record !== undefined ? { record: r.record } : {}) });
    }
  }
  return { problems, errors, inputs, rows };
}

/** The filters in the order they run. */
export async function buildFilters(opts: CurateOptions): Promise<{ filters: Filter[]; evalFiles: string[] }> {
  const evalFiles = [...(opts.defaultEval === false ? [] : defaultEvalFiles()), ...(opts.evalFiles ?? [])];
  const { texts } = await loadEvalTexts(evalFiles);
  const filters: Filter[] = [
    tooShort,
    nonEnglish,
    multiPart,
    multipleChoice,
    proof,
    figure,
    noTests,
    interactive,
    specialJudge,
    weakTests,
    exactDuplicate,
    nearDuplicate(opts.nearDuplicateThreshold),
    decontaminate({ files: evalFiles, texts }),
    unverifiableAnswer,
    referenceFails,
  ];
  if (opts.difficulty) filters.push(difficulty(opts.difficulty));
  const skip = new Set(opts.skip ?? []);
  const known = new Set(filters.map((f) => f.name));
  for (const s of skip) if (!known.has(s)) throw new Error(`unknown filter '${s}' (filters: ${[...known].join(', ')})`);
  return { filters: filters.filter((f) => !skip.has(f.name)), evalFiles };
}

/** Runs filters over problems; each filter sees the survivors of its kinds. */
export async function runFilters(
  problems: readonly Problem[],
  filters: readonly Filter[],
  ctx: FilterContext,
): Promise<{ kept: Problem[]; dropped: DroppedRecord[]; reports: FilterReport[] }> {
  let alive = [...problems];
  const dropped: DroppedRecord[] = [];
  const reports: FilterReport[] = [];
  for (const f of filters) {
    const mine = alive.filter((p) => f.kinds.includes(p.kind));
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const canVerify = !ctx.verifyKinds || mine.every((p) => ctx.verifyKinds!.includes(p.kind));
    const fctx = canVerify ? ctx : { ...ctx, verify: undefined };
    const reasons = mine.length ? await f.run(mine, fctx) : [];
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const gone = new Set<Problem>();
    reasons.forEach((reason, i) => {
      if (reason === null) return;
      const p = mine[i];
      gone.add(p);
      dropped.push({ filter: f.name, reason, source: `${p.source.file}:${p.source.line}`, record: problemRecord(p) });
    });
    alive = alive.filter((p) => !gone.has(p));
    reports.push({ name: f.name, kinds: [...f.kinds], description: f.description, seen: mine.length, dropped: gone.size, seconds, cpu_seconds: cpuSeconds, per_s: seconds > 0 ? mine.length / seconds : 0 });
  }
  return { kept: alive, dropped, reports };
}

export async function curate(files: readonly string[], opts: CurateOptions = {}): Promise<CurateResult> {
  if (files.length === 0) throw new Error('no input files');
  const loaded = await loadProblems(files, opts);
  const { filters, evalFiles } = await buildFilters(opts);
  const ctx: FilterContext = { verify: opts.verify, verifyKinds: opts.verifyKinds, concurrency: opts.concurrency, log: opts.log };
  const { kept, dropped, reports } = await runFilters(loaded.problems, filters, ctx);
  const report: CurateReport = {
    inputs: loaded.inputs,
    rows: loaded.rows,
    problems: {
      math: loaded.problems.filter((p) => p.kind === 'math').length,
      code: loaded.problems.filter((p) => p.kind === 'code').length,
    },
    kept: kept.length,
    dropped: dropped.length + loaded.errors.length,
    read_errors: loaded.errors.length,
    filters: reports,
    eval_files: evalFiles,
  };
  const refs = loaded.problems.filter((p) => p.kind === 'code' && !p.solutions?.length).length;
  if (loaded.problems.some((p) => p.kind === 'code')) report.unchecked_references = opts.verify && (opts.verifyKinds ?? ['code']).includes('code') ? refs : report.problems.code;
  const diff = filters.find((f): f is DifficultyFilter => f.name === 'difficulty' && 'passes' in f);
  if (diff) {
    const histogram = new Array<number>(diff.k + 1).fill(0);
    for (const c of diff.passes.values()) histogram[c]++;
    report.difficulty = { k: diff.k, min_pass: opts.difficulty?.minPass ?? null, max_pass: opts.difficulty?.maxPass ?? null, histogram };
  }
  return { kept, dropped: [...loaded.errors, ...dropped], report, passes: diff?.passes };
}

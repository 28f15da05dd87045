// Dataset diagnostics for the editor: the daemon's LSP calls diagnoseDataset() on an open
// .jsonl / .json file and shows the result as squiggles. Synchronous and in memory, so it
// runs on every edit: rows that do not parse, fields that are missing, answers the
// verifier cannot judge, duplicates, evaluation-set contamination, and the rule filters'
// findings. (Reference solutions are not run here: that needs the sandbox; `rlvr curate`
// does it.)
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fixturePath } from '../fixtures.js';
import { parseJsonlLine, parseRowsText } from '../formats/index.js';
import type { RowResult } from '../formats/rows.js';
import { interactive, noTests, specialJudge, weakTests } from './filters/code-rules.js';
import { ContaminationIndex, NGRAM, type EvalText } from './filters/decontaminate.js';
import { exactDuplicates, exactKey, nearSignature, where, type NearSignature } from './filters/dedup.js';
import { RepeatedNearDuplicates, type NearItem } from './filters/dedup-incremental.js';
import { figure, multiPart, multipleChoice, nonEnglish, proof, tooShort, unverifiableReason } from './filters/math-rules.js';
import { isFieldError, promptOf, toProblem, type Problem, type ProblemKind } from '../records/record.js';

export interface DatasetDiagnostic {
  /** 1-based line of the record (LSP positions are 0-based: subtract 1). */
  line: number;
  field?: string;
  severity: 'error' | 'warning';
  message: string;
  /** The check that found it: 'parse', 'field', a filter name. */
  source?: string;
}

export interface DatasetProblem {
  /** 1-based line where the record starts. */
  line: number;
  problem: Problem;
}

const RULES = [tooShort, nonEnglish, multiPart, multipleChoice, proof, figure, noTests, interactive, specialJudge, weakTests];

/** A diagnostic before it has a line: what one record's own checks found. */
type OwnDiagnostic = Omit<DatasetDiagnostic, 'line'>;

/**
 * What one record says on its own, whatever line it is on: parse and field errors, the rule
 * and contamination findings, and its duplicate-detection keys. Only duplicates depend on
 * the other records.
 */
interface RecordFacts {
  /** Names the record text across checks (its copies on other lines share it). */
  id: number;
  /** The problem as read at `line`; read again (cheap) when the record moves. */
  problem: Problem | null;
  line: number;
  value: unknown;
  own: OwnDiagnostic[];
  /** Listed after the duplicate findings, as `rlvr curate` orders its filters. */
  contamination?: OwnDiagnostic;
  exactKey?: number;
  /** Its near-duplicate LSH band keys; the shingles and MinHash behind them are recomputed when needed (they were 1.5 KB a record). */
  nearKeys?: Int32Array;
}

/**
 * Checks an open dataset again and again as it is edited (the LSP's dataset worker keeps one
 * per open file): a JSONL record's own findings are kept by its text, so an edit re-checks
 * only the lines it touched, plus the duplicate pass over cached keys. A 100,000-line file
 * took ~10 s per keystroke when everything was re-checked. A .json file (one array) is
 * checked whole each time.
 */
export class DatasetChecker {
  private facts = new Map<string, RecordFacts>();
  private nextId = 1;
  private readonly near = new RepeatedNearDuplicates();
  /** The last text's records: the lenses ask for the text the diagnostics just checked. */
  private last: { text: string; fileName: string; records: { line: number; facts: RecordFacts }[] | null } | null = null;
  /** What the last check did: records seen, records read and checked afresh, records matched again for near-duplicates. */
  readonly lastCheck = { records: 0, checked: 0, rematched: 0 };

  diagnose(text: string, fileName: string): DatasetDiagnostic[] {
    const records = this.records(text, fileName);
    if (records === null) return [];
    this.lastCheck.records = records.length;
    const out: DatasetDiagnostic[] = [];
    const problems: Problem[] = [];
    const problemFacts: RecordFacts[] = [];
    const nearItems: NearItem[] = [];
    const occurrences = new Map<number, number>();
    for (const { line, facts } of records) {
      for (const d of facts.own) out.push({ line, ...d });
      if (facts.problem) {
        problems.push(facts.problem);
        problemFacts.push(facts);
        const n = occurrences.get(facts.id) ?? 0;
        occurrences.set(facts.id, n + 1);
        // Copies of one text are told apart by their order (ids below 2^32 stay small integers).
        nearItems.push(nearItem(facts, facts.problem, facts.id + n * 2 ** 32));
      }
    }
    const exact = exactDuplicates(problems, (p, i) => (problemFacts[i].exactKey ??= exactKey(p)));
    exact.forEach((d, i) => {
      if (d) out.push({ line: problems[i].source.line, field: 'problem', severity: 'warning', message: `duplicate: same text as ${where(d.first, true)}`, source: 'exact-duplicate' });
    });
    const near = this.near.run(nearItems);
    this.lastCheck.rematched = this.near.rematched;
    near.forEach((d, i) => {
      if (d && !exact[i]) {
        const message = `near-duplicate of ${where(d.first, true)} (Jaccard ${d.jaccard.toFixed(2)})`;
        out.push({ line: problems[i].source.line, field: 'problem', severity: 'warning', message, source: 'near-duplicate' });
      }
    });
    for (const { line, facts } of records) if (facts.contamination) out.push({ line, ...facts.contamination });
    // A stable sort: on one line, its own findings, then duplicates, then contamination.
    return out.sort((a, b) => a.line - b.line);
  }

  /** The problems of the text, with their lines: for code lenses ("Verify", "Sample k rollouts"). */
  problems(text: string, fileName: string): DatasetProblem[] {
    const out: DatasetProblem[] = [];
    for (const { line, facts } of this.records(text, fileName) ?? []) if (facts.problem) out.push({ line, problem: facts.problem });
    return out;
  }

  /** Every record with its facts, from the cache where its text was seen before; null when the file is not a dataset. */
  private records(text: string, fileName: string): { line: number; facts: RecordFacts }[] | null {
    if (this.last?.text === text && this.last.fileName === fileName) {
      this.lastCheck.checked = 0;
      return this.last.records;
    }
    const records = this.read(text, fileName);
    this.last = { text, fileName, records };
    return records;
  }

  private read(text: string, fileName: string): { line: number; facts: RecordFacts }[] | null {
    const jsonl = !/\.json$/i.test(fileName);
    const previous = jsonl ? this.facts : new Map<string, RecordFacts>();
    const next = new Map<string, RecordFacts>();
    const out: { line: number; facts: RecordFacts }[] = [];
    this.lastCheck.checked = 0;
    const add = (key: string | null, line: number, make: () => Omit<RecordFacts, 'id'>) => {
      let facts = key === null ? undefined : (next.get(key) ?? previous.get(key));
      if (!facts) {
        facts = { ...make(), id: this.nextId++ };
        this.lastCheck.checked++;
      }
      else if (facts.line !== line) facts = moved(facts, fileName, line);
      if (key !== null && !next.has(key)) next.set(key, facts);
      out.push({ line, facts });
    };
    if (jsonl) {
      text.split(/\r?\n/).forEach((t, i) => {
        if (t.trim() === '') return;
        add(t, i + 1, () => factsOf(parseJsonlLine(fileName, i + 1, t)!, fileName));
      });
    } else {
      const rows = parseRowsText(fileName, text);
      if (notADataset(rows, fileName)) return null;
      for (const row of rows) {
        add(null, row.line, () => factsOf(row, fileName));
      }
    }
    if (jsonl) this.facts = next; // what the text no longer holds is forgotten
    return out;
  }
}

/** A record for the near-duplicate search: band keys kept, the full signature made on demand and dropped after the check. */
function nearItem(facts: RecordFacts, p: Problem, id: number): NearItem {
  let full: NearSignature | undefined;
  const signature = () => (full ??= nearSignature(p));
  return { id, p, keys: (facts.nearKeys ??= signature().keys), signature };
}

/** The same record on another line: its problem names the new line; every finding still holds. */
function moved(facts: RecordFacts, fileName: string, line: number): RecordFacts {
  const p = toProblem(facts.value, fileName, line);
  return { ...facts, line, problem: isFieldError(p) ? null : p };
}

function factsOf(row: RowResult, fileName: string): Omit<RecordFacts, 'id'> {
  const { line } = row;
  if (!row.ok) return { problem: null, line, value: undefined, own: [{ severity: 'error', message: row.reason, source: 'parse' }] };
  const { value } = row;
  const p = toProblem(value, fileName, line);
  if (isFieldError(p)) return { problem: null, line, value, own: [{ field: p.field, severity: 'error', message: p.reason, source: 'field' }] };
  const own: OwnDiagnostic[] = [];
  if (p.kind === 'math') {
    const why = unverifiableReason(p.answer ?? '');
    if (why) own.push({ field: 'answer', severity: 'error', message: why, source: 'unverifiable-answer' });
  }
  for (const rule of RULES) {
    if (!rule.kinds.includes(p.kind)) continue;
    const why = rule.check(p);
    if (why) own.push({ field: rule === noTests || rule === weakTests ? 'tests' : 'problem', severity: 'warning', message: `${rule.name}: ${why}`, source: rule.name });
  }
  const hit = evalIndex(p.kind)?.find(p.prompt);
  const contamination: OwnDiagnostic | undefined = hit
    ? { field: 'problem', severity: 'warning', message: `contaminated: ${hit.how} with ${path.basename(hit.ref.file)}:${hit.ref.line}`, source: 'contamination' }
    : undefined;
  return { problem: p, line, value, own, contamination };
}

/** The problems of an open dataset, with their lines: for code lenses ("Verify", "Sample k rollouts"). */
export function datasetProblems(text: string, fileName: string): DatasetProblem[] {
  return new DatasetChecker().problems(text, fileName);
}

/**
 * A .json file that is one object with no prompt field (package.json, tsconfig.json,
 * settings) is not a dataset: it gets no diagnostics rather than a wall of errors.
 */
function notADataset(rows: ReturnType<typeof parseRowsText>, fileName: string): boolean {
  if (!/\.json$/i.test(fileName) || rows.length !== 1 || !rows[0].ok) return false;
  const v = rows[0].value;
  return !Array.isArray(v) && promptOf(v) === null;
}

export function diagnoseDataset(text: string, fileName: string): DatasetDiagnostic[] {
  return new DatasetChecker().diagnose(text, fileName);
}

// Evaluation sets are read once per daemon: the default ones (../shared/fixtures/math/).
let evalTexts: EvalText[] | null = null;
const indexes = new Map<ProblemKind, ContaminationIndex>();

function evalIndex(kind: ProblemKind): ContaminationIndex | null {
  if (evalTexts === null) {
    evalTexts = [];
    const dir = fixturePath('math');
    for (const f of dir ? readdirSync(dir).filter((f) => /\.jsonl?$/.test(f)).sort() : []) {
      const file = path.join(dir!, f);
      for (const row of parseRowsText(file, readFileSync(file, 'utf8'))) {
        const t = row.ok ? promptOf(row.value) : null;
        if (t) evalTexts.push({ file, line: row.line, text: t });
      }
    }
  }
  if (evalTexts.length === 0) return null;
  let idx = indexes.get(kind);
  if (!idx) indexes.set(kind, (idx = new ContaminationIndex(NGRAM[kind], evalTexts)));
  return idx;
}

// Dataset diagnostics for the editor: the daemon's LSP calls diagnoseDataset() on an open
// .jsonl / .json file and shows the result as squiggles. Synchronous and in memory, so it
// runs on every edit: rows that do not parse, fields that are missing, answers the
// verifier cannot judge, duplicates, evaluation-set contamination, and the rule filters'
// findings. (Reference solutions are not run here: that needs the sandbox; `rlvr curate`
// does it.)
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fixturePath } from '../fixtures.js';
import { parseRowsText } from '../formats/index.js';
import { interactive, noTests, specialJudge, weakTests } from './filters/code-rules.js';
import { ContaminationIndex, NGRAM, type EvalText } from './filters/decontaminate.js';
import { exactDuplicates, nearDuplicates, where } from './filters/dedup.js';
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

/** The problems of an open dataset, with their lines: for code lenses ("Verify", "Sample k rollouts"). */
export function datasetProblems(text: string, fileName: string): DatasetProblem[] {
  const out: DatasetProblem[] = [];
  for (const row of parseRowsText(fileName, text)) {
    if (!row.ok) continue;
    const p = toProblem(row.value, fileName, row.line);
    if (!isFieldError(p)) out.push({ line: row.line, problem: p });
  }
  return out;
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
  const out: DatasetDiagnostic[] = [];
  const problems: Problem[] = [];
  const rows = parseRowsText(fileName, text);
  if (notADataset(rows, fileName)) return [];
  for (const row of rows) {
    if (!row.ok) {
      out.push({ line: row.line, severity: 'error', message: row.reason, source: 'parse' });
      continue;
    }
    const p = toProblem(row.value, fileName, row.line);
    if (isFieldError(p)) out.push({ line: row.line, field: p.field, severity: 'error', message: p.reason, source: 'field' });
    else problems.push(p);
  }
  for (const p of problems) {
    if (p.kind === 'math') {
      const why = unverifiableReason(p.answer ?? '');
      if (why) out.push({ line: p.source.line, field: 'answer', severity: 'error', message: why, source: 'unverifiable-answer' });
    }
    for (const rule of RULES) {
      if (!rule.kinds.includes(p.kind)) continue;
      const why = rule.check(p);
      if (why) out.push({ line: p.source.line, field: rule === noTests || rule === weakTests ? 'tests' : 'problem', severity: 'warning', message: `${rule.name}: ${why}`, source: rule.name });
    }
  }
  const exact = exactDuplicates(problems);
  exact.forEach((d, i) => {
    if (d) out.push({ line: problems[i].source.line, field: 'problem', severity: 'warning', message: `duplicate: same text as ${where(d.first, true)}`, source: 'exact-duplicate' });
  });
  nearDuplicates(problems).forEach((d, i) => {
    if (d && !exact[i]) {
      const message = `near-duplicate of ${where(d.first, true)} (Jaccard ${d.jaccard.toFixed(2)})`;
      out.push({ line: problems[i].source.line, field: 'problem', severity: 'warning', message, source: 'near-duplicate' });
    }
  });
  for (const p of problems) {
    const hit = evalIndex(p.kind)?.find(p.prompt);
    if (hit) {
      out.push({ line: p.source.line, field: 'problem', severity: 'warning', message: `contaminated: ${hit.how} with ${path.basename(hit.ref.file)}:${hit.ref.line}`, source: 'contamination' });
    }
  }
  return out.sort((a, b) => a.line - b.line);
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

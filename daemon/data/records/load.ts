// The one dataset loader for stages and evaluations: any file curate reads (JSONL, JSON
// array, Parquet; kept.jsonl; verl's RLHFDataset rows; the embedded generators' problems as
// JSON) becomes Problems through the same record reader curation and the editor use. A stage
// cannot skip a bad record the way curation drops it, so the first one fails the load,
// naming its file, line and field.
import { access } from 'node:fs/promises';
import { readRows } from '../formats/index.js';
import { isFieldError, toProblem, type FieldMap, type Problem, type ProblemKind } from './record.js';

export interface LoadOptions {
  /** Read every record as this kind (default: detected per record). */
  kind?: ProblemKind;
  map?: FieldMap;
  /** An sft stage trains on reference responses: a record without one is an error. */
  needSolution?: boolean;
}

/** A record read as a Problem, or why it could not be (with the record, when it parsed). */
export type ReadProblem =
  | { ok: true; problem: Problem }
  | { ok: false; file: string; line: number; reason: string; field?: string; record?: unknown };

/** Every record of a dataset file in order, as curation and the stage loader both read them. */
export async function* readProblems(file: string, opts: Pick<LoadOptions, 'kind' | 'map'> = {}): AsyncGenerator<ReadProblem> {
  for await (const row of readRows(file)) {
    if (!row.ok) {
      yield { ok: false, file: row.file, line: row.line, reason: row.reason };
      continue;
    }
    const p = toProblem(row.value, file, row.line, { kind: opts.kind, map: opts.map });
    if (isFieldError(p)) yield { ok: false, file, line: row.line, reason: p.reason, field: p.field, record: row.value };
    else yield { ok: true, problem: p };
  }
}

export async function loadProblemsFile(file: string, opts: LoadOptions = {}): Promise<Problem[]> {
  try {
    await access(file);
  } catch (err) {
    throw new Error(`cannot read dataset ${file}: ${(err as Error).message}`);
  }
  const out: Problem[] = [];
  for await (const r of readProblems(file, opts)) {
    if (!r.ok) throw new Error(`${r.file}:${r.line}: ${r.field ? `${r.field}: ` : ''}${r.reason}`);
    const p = r.problem;
    if (opts.needSolution && !p.solution) throw new Error(`${p.source.file}:${p.source.line}: solution: an sft stage needs a reference solution`);
    out.push(p);
  }
  if (out.length === 0) throw new Error(`${file}: no problems`);
  return out;
}

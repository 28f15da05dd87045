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

export async function loadProblemsFile(file: string, opts: LoadOptions = {}): Promise<Problem[]> {
  try {
    await access(file);
  } catch (err) {
    throw new Error(`cannot read dataset ${file}: ${(err as Error).message}`);
  }
  const out: Problem[] = [];
  for await (const row of readRows(file)) {
    const where = `${row.file}:${row.line}`;
    if (!row.ok) throw new Error(`${where}: ${row.reason}`);
    const p = toProblem(row.value, file, row.line, { kind: opts.kind, map: opts.map });
    if (isFieldError(p)) throw new Error(`${where}: ${p.field}: ${p.reason}`);
    if (opts.needSolution && !p.solution) throw new Error(`${where}: solution: an sft stage needs a reference solution`);
    out.push(p);
  }
  if (out.length === 0) throw new Error(`${file}: no problems`);
  return out;
}

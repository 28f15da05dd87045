// Curation's kept problems -> verl rows. The one place that knows curation's Problem type, so
// when the problem model is renamed or unified only this adapter changes.
import path from 'node:path';
import type { Problem } from '../data/curate/problem.js';
import { toVerlRow, writeVerlParquet, type VerlSourceProblem } from './dataset.js';

export function verlProblemOf(p: Problem): VerlSourceProblem {
  return {
    id: p.id,
    kind: p.kind,
    statement: p.prompt,
    // verl reports validation metrics per data_source: the file a problem came from.
    dataSource: path.basename(p.source.file).replace(/\.(jsonl|json|parquet)$/i, ''),
    answer: p.answer,
    tests: p.tests,
    fnName: p.fn_name,
    starterCode: p.starter_code,
  };
}

/** DIR/kept.parquet: the kept problems as verl's RLHFDataset reads them (data.train_files=...). */
export function writeVerlKept(dir: string, kept: Problem[]): string {
  const file = path.join(dir, 'kept.parquet');
  writeVerlParquet(file, kept.map((p, i) => toVerlRow(verlProblemOf(p), i)));
  return file;
}

// Our problems -> verl rows: the one place that maps the problem model (shared/problem.ts) onto
// verl's RLHFDataset fields, for curation's kept problems and a stage's datasets alike.
import path from 'node:path';
import type { Problem } from '../../shared/problem.js';
import { toVerlRow, writeVerlParquet, type VerlSourceProblem } from '../data/formats/verl-rows.js';

/** verl reports validation metrics per data_source: by default the file a problem came from. */
export function dataSourceOf(file: string): string {
  return file.startsWith('embedded:') ? `rlvr/${file}` : path.basename(file).replace(/\.(jsonl|json|parquet)$/i, '');
}

export function verlProblemOf(p: Problem, dataSource = dataSourceOf(p.source.file)): VerlSourceProblem {
  return {
    id: p.id,
    kind: p.kind,
    statement: p.prompt,
    dataSource,
    answer: p.answer,
    tests: p.tests,
    fnName: p.fn_name,
    starterCode: p.starterCode,
    // A code problem's reference programs are raw Python; verl's extra_info.solution is a
    // response (read back as our `solution`, an SFT target), so the first one goes fenced.
    solution: p.solution ?? (p.solutions?.length ? '```python\n' + p.solutions[0] + '\n```' : undefined),
  };
}

/** DIR/kept.parquet: the kept problems as verl's RLHFDataset reads them (data.train_files=...). */
export function writeVerlKept(dir: string, kept: Problem[]): string {
  const file = path.join(dir, 'kept.parquet');
  writeVerlParquet(file, kept.map((p, i) => toVerlRow(verlProblemOf(p), i)));
  return file;
}

// A stage's dataset (and its held-out set) as verl Parquet: the trainer's problems (embedded
// generators or a JSONL file, daemon/engine/dataset.ts) through the one adapter below, so a
// rename of the problem model touches only it.
import path from 'node:path';
import type { CurriculumConfig, StageConfig } from '../../shared/config.js';
import { heldOutProblems, type Problem } from '../data/embedded/index.js';
import { loadProblemsFile, loadStageDataset } from '../engine/dataset.js';
import { toVerlRow, writeVerlParquet, type VerlSourceProblem } from './dataset.js';

export function verlProblemOfTrainer(p: Problem, dataSource: string): VerlSourceProblem {
  const code = p.task.kind === 'code' ? p.task : undefined;
  return {
    id: p.id,
    kind: p.domain,
    statement: p.prompt,
    dataSource,
    answer: p.task.kind === 'math' ? p.task.answer : undefined,
    tests: code?.tests,
    fnName: code?.fn_name,
    starterCode: p.starterCode,
  };
}

function dataSourceOf(dataset: string): string {
  return dataset.startsWith('embedded:') ? `rlvr/${dataset}` : path.basename(dataset).replace(/\.(jsonl|json|parquet)$/i, '');
}

/** The stage's training problems written to `file`; returns how many. */
export function exportStageDataset(stage: StageConfig, seed: number, configDir: string, file: string): number {
  const problems = loadStageDataset(stage, seed, configDir);
  const source = dataSourceOf(stage.dataset);
  writeVerlParquet(file, problems.map((p, i) => toVerlRow(verlProblemOfTrainer(p, source), i, 'train')));
  return problems.length;
}

/** The held-out set of the stage's domain, or null when the config says `none`. */
export function exportHeldOut(config: CurriculumConfig, kind: 'math' | 'code', configDir: string, file: string): number | null {
  const spec = config.eval.datasets[kind];
  if (spec === 'none') return null;
  const problems = spec.startsWith('embedded:') ? heldOutProblems(kind, config.eval.problems) : loadProblemsFile(path.resolve(configDir, spec)).slice(0, config.eval.problems);
  const source = dataSourceOf(spec);
  writeVerlParquet(file, problems.map((p, i) => toVerlRow(verlProblemOfTrainer(p, source), i, 'test')));
  return problems.length;
}

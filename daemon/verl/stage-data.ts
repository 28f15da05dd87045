// A stage's dataset (and its held-out set) as verl Parquet, loaded by the trainer's own loaders
// (daemon/engine/dataset.ts) and mapped by the one adapter (./curate-adapter.ts).
import path from 'node:path';
import type { CurriculumConfig, StageConfig } from '../../shared/config.js';
import { loadEvalDataset, loadStageDataset } from '../engine/dataset.js';
import { dataSourceOf, verlProblemOf } from './curate-adapter.js';
import { toVerlRow, writeVerlParquet } from '../data/formats/verl-rows.js';

/** The stage's training problems written to `file`; returns how many. */
export async function exportStageDataset(stage: StageConfig, seed: number, configDir: string, file: string): Promise<number> {
  const problems = await loadStageDataset(stage, seed, configDir);
  const source = dataSourceOf(stage.dataset);
  writeVerlParquet(file, problems.map((p, i) => toVerlRow(verlProblemOf(p, source), i, 'train')));
  return problems.length;
}

/** The held-out set of the stage's domain, or null when the config says `none`. */
export async function exportHeldOut(config: CurriculumConfig, kind: 'math' | 'code', configDir: string, file: string): Promise<number | null> {
  const spec = config.eval.datasets[kind];
  if (spec === 'none') return null;
  const problems = await loadEvalDataset(spec, kind, config.eval.problems, configDir);
  const source = dataSourceOf(spec.startsWith('embedded:') ? spec : path.resolve(configDir, spec));
  writeVerlParquet(file, problems.map((p, i) => toVerlRow(verlProblemOf(p, source), i, 'test')));
  return problems.length;
}

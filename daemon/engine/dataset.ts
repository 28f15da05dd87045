// A stage's dataset: the embedded generators (`embedded:math|code|mixed`) or a dataset file in
// any shape curation reads (daemon/data/records/load.ts), `rlvr curate`'s kept.jsonl included.
// An RL stage trains on the problems of its kind; an sft stage on every record, each of which
// needs a reference response ("solution").
import path from 'node:path';
import type { StageConfig } from '../../shared/config.js';
import { embeddedTrainPool, heldOutProblems, type Problem, type ProblemKind } from '../data/embedded/index.js';
import { loadProblemsFile } from '../data/records/load.js';

export { loadProblemsFile };

export async function loadStageDataset(stage: StageConfig, seed: number, configDir: string): Promise<Problem[]> {
  const embedded = embeddedTrainPool(stage.dataset, seed);
  if (embedded) return embedded;
  if (stage.dataset.startsWith('embedded:')) {
    throw new Error(`stage ${stage.name}: unknown dataset '${stage.dataset}' (expected embedded:math, embedded:code, embedded:mixed or a dataset file)`);
  }
  const file = path.resolve(configDir, stage.dataset);
  const all = await loadProblemsFile(file, { needSolution: stage.kind === 'sft' });
  if (stage.kind === 'sft') return all;
  // An RL stage trains on its own kind: curate keeps math and code in one kept.jsonl.
  const mine = all.filter((p) => p.kind === stage.kind);
  if (mine.length === 0) throw new Error(`stage ${stage.name}: ${file} holds no ${stage.kind} problems (${all.length} ${all[0].kind})`);
  return mine;
}

/** A held-out set: an embedded split, `none`, or the first `count` problems of a dataset file. */
export async function loadEvalDataset(dataset: string, kind: ProblemKind, count: number, configDir: string): Promise<Problem[]> {
  if (dataset === 'none') return [];
  if (dataset === `embedded:${kind}`) return heldOutProblems(kind, count);
  const file = path.resolve(configDir, dataset);
  // A mixed file (curate keeps math and code together) gives each domain its own problems.
  const mine = (await loadProblemsFile(file)).filter((p) => p.kind === kind);
  if (mine.length === 0) throw new Error(`${file}: no ${kind} problems to evaluate ${kind} on`);
  return mine.slice(0, count);
}

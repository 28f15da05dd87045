// The problem a stored rollout answered, rebuilt from what its run keeps: the stage config
// and seed (runs.config_json) regenerate the stage's dataset, where the rollout's problem id
// names its task. The store keeps each test's verdict, not the test itself (a passed test has
// no expected output), so this is how the editor's Test Explorer runs a rollout's cases again.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { StageConfig } from '../../shared/config.js';
import { RlvrError } from '../../shared/errors.js';
import { ErrorCodes, type RolloutProblem } from '../../shared/protocol.js';
import { taskOf, type Problem } from '../../shared/problem.js';
import { loadStageDataset } from '../engine/dataset.js';
import type { RunStore } from '../store/index.js';
import { taskFromGroundTruth } from '../verl/ground-truth.js';

/** The last stage dataset built: a rollout's cases are asked for one after another, the pool is 16K problems. */
let cached: { key: string; byId: Map<string, Problem> } | null = null;

function stagesOf(config: unknown): StageConfig[] | null {
  const stages = (config as { stages?: unknown } | null)?.stages;
  return Array.isArray(stages) ? (stages as StageConfig[]) : null;
}

function notFound(message: string): RlvrError {
  return new RlvrError(ErrorCodes.ProblemNotFound, message);
}

export async function rolloutProblem(store: RunStore, id: number): Promise<RolloutProblem> {
  const r = store.getRollout(id);
  const { config, configPath, seed } = store.runConfig(r.runId);
  const stage = stagesOf(config)?.find((s) => s.name === r.stage);
  if (!stage || configPath === null) {
    // A verl run (watched or imported) keeps each rollout's ground truth: the tests themselves.
    const task = taskFromGroundTruth(r.gold, r.kind);
    if (task) return { problemId: r.problemId, task, checkpoint: null };
    throw notFound(`rollout ${id}: run ${r.runId} keeps no stage config for stage ${r.stage} (an imported run keeps only its rollouts), so its problem's tests are unknown`);
  }
  const configDir = path.dirname(configPath);
  // A dataset file edited since the last call is read again.
  const file = stage.dataset.startsWith('embedded:') ? null : path.resolve(configDir, stage.dataset);
  const stat = file && existsSync(file) ? statSync(file) : null;
  const stamp = stat ? `${stat.mtimeMs}:${stat.size}` : null;
  const key = JSON.stringify([store.file, r.runId, stage.name, stage.dataset, seed, configDir, stamp]);
  if (cached?.key !== key) {
    let problems: Problem[];
    try {
      problems = await loadStageDataset(stage, seed, configDir);
    } catch (err) {
      throw notFound(`rollout ${id}: cannot rebuild the dataset of stage ${stage.name}: ${(err as Error).message}`);
    }
    cached = { key, byId: new Map(problems.map((p) => [p.id, p])) };
  }
  const problem = cached.byId.get(r.problemId);
  if (!problem) throw notFound(`rollout ${id}: problem ${r.problemId} is no longer in the dataset of stage ${stage.name} (${stage.dataset})`);
  if (problem.prompt !== r.prompt) {
    throw notFound(`rollout ${id}: problem ${r.problemId} of ${stage.dataset} has changed since the run (its prompt differs)`);
  }
  // Named the way the dataset lens names the checkpoint it sampled (server/sampling.ts).
  const ck = store.lastCheckpoint(r.runId);
  const policy = ck ? path.join(ck.path, 'policy') : null;
  const latest = ck && policy && existsSync(path.join(policy, 'manifest.json')) ? { dir: policy, label: `${store.getRun(r.runId).name} · ${path.basename(ck.path)}` } : null;
  return { problemId: r.problemId, task: taskOf(problem), checkpoint: latest };
}

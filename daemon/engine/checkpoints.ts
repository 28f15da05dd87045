// A run checkpoint = the policy (weights + optimizer state, model/checkpoint.ts) plus the run's
// position: where in the curriculum it stands, what the easy-prompt filter dropped and the
// evaluations so far. Together they are all a resumed run needs to repeat the rest exactly.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CurriculumConfig } from '../../shared/config.js';
import type { EvalSummary } from './api.js';
import type { Policy } from './policy.js';

export interface RunPosition {
  stageIndex: number;
  /** Steps of that stage done. */
  step: number;
  /** True once the stage's last step, evaluation and checkpoint are done. */
  stageDone: boolean;
  /** Problem ids the easy-prompt filter removed before this stage. */
  dropped: string[];
  /** Problem ids the stage trains on, when the filter narrowed it to its measured prompts. */
  kept?: string[];
  evals: EvalSummary[];
  /** Run seed, so a resume cannot silently use another. */
  seed: number;
}

export function checkpointDir(outDir: string, stageIndex: number, stageName: string, step: number): string {
  return path.join(outDir, 'checkpoints', `${String(stageIndex).padStart(2, '0')}-${stageName}-step${String(step).padStart(5, '0')}`);
}

/** What the run executes (after --stages / --max-steps), so --resume needs only the run id. */
export interface SavedCurriculum {
  config: CurriculumConfig;
  configPath: string;
}

export async function saveRunCheckpoint(dir: string, policy: Policy, position: RunPosition, curriculum: SavedCurriculum): Promise<void> {
  const model = curriculum.config.model;
  // A Hugging Face run saves HF folders, in the dtype the config (or --save-dtype) asks for.
  await policy.save(path.join(dir, 'policy'), model.from === 'hf' ? { dtype: model.save_dtype } : {});
  // Position last: a checkpoint folder with position.json has its policy.
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'position.json'), JSON.stringify({ position, ...curriculum }, null, 1) + '\n');
}

export async function readRunPosition(dir: string): Promise<{ position: RunPosition } & SavedCurriculum> {
  const file = path.join(dir, 'position.json');
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`checkpoint ${dir} is incomplete: cannot read ${file}: ${(err as Error).message}`);
  }
}

/** Copies a policy checkpoint without its optimizer state (what the package ships: weights only). */
export async function exportWeightsOnly(policyDir: string, dst: string): Promise<void> {
  const manifest = JSON.parse(await readFile(path.join(policyDir, 'manifest.json'), 'utf8'));
  manifest.optimizer = null;
  await mkdir(dst, { recursive: true });
  await copyFile(path.join(policyDir, 'weights.bin'), path.join(dst, 'weights.bin'));
  await writeFile(path.join(dst, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
}

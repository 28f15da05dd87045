// The between-stage easy-prompt filter (the paper drops math prompts with pass rate > 6/16
// before its 24K/32K stages): sample each measured prompt `samples` times with the current
// policy at the stage's temperature and drop those it already solves too often.
import type { StageConfig } from '../../shared/config.js';
import { mixSeed, Rng } from '../data/embedded/rng.js';
import type { Problem } from '../data/embedded/index.js';
import type { LanguageModel } from '../model/language-model.js';
import { correctPerProblem, type VerifyBatch } from './rollouts.js';

export interface FilterOutcome {
  measured: number;
  dropped: string[];
  /** Mean pass rate over the measured prompts. */
  meanPassRate: number;
}

export async function easyPromptFilter(
  model: LanguageModel,
  verify: VerifyBatch,
  pool: Problem[],
  stage: StageConfig,
  seed: number,
  stageIndex: number,
): Promise<FilterOutcome> {
  const f = stage.filter;
  if (!f) return { measured: 0, dropped: [], meanPassRate: 0 };
  // Distinct problems only (the embedded pool may repeat a prompt); a seeded subset when capped.
  const unique = [...new Map(pool.map((p) => [p.id, p])).values()];
  const rng = new Rng(mixSeed(seed, stageIndex, 0, 13));
  const measured = f.max_prompts && f.max_prompts < unique.length ? rng.shuffle(unique).slice(0, f.max_prompts) : unique;
  const sampling = { maxNewTokens: stage.max_response_length, temperature: stage.temperature, topP: stage.top_p };
  const correct = await correctPerProblem(model, verify, measured, f.samples, sampling, (start) => mixSeed(seed, stageIndex, start, 17));
  const rates = correct.map((c) => c / f.samples);
  const dropped = measured.filter((_, i) => rates[i] > f.max_pass_rate).map((p) => p.id);
  const passSum = rates.reduce((a, r) => a + r, 0);
  return { measured: measured.length, dropped, meanPassRate: measured.length ? passSum / measured.length : 0 };
}

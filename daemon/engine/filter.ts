// The between-stage easy-prompt filter (the paper drops math prompts with pass rate > 6/16
// before its 24K/32K stages): sample each measured prompt `samples` times with the current
// policy at the stage's temperature and drop those it already solves too often.
import type { StageConfig } from '../../shared/config.js';
import { mixSeed, Rng } from '../data/embedded/rng.js';
import type { Problem } from '../data/embedded/index.js';
import type { Policy } from '../model/policy.js';
import { sampleAndScore, type VerifyBatch } from './rollouts.js';

export interface FilterOutcome {
  measured: number;
  dropped: string[];
  /** Mean pass rate over the measured prompts. */
  meanPassRate: number;
}

const FILTER_CHUNK_ROWS = 256;

export async function easyPromptFilter(
  policy: Policy,
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
  const dropped: string[] = [];
  let passSum = 0;
  const perChunk = Math.max(1, Math.floor(FILTER_CHUNK_ROWS / f.samples));
  for (let start = 0; start < measured.length; start += perChunk) {
    const chunk = measured.slice(start, start + perChunk);
    const { rollouts } = await sampleAndScore(policy, verify, chunk, {
      groupSize: f.samples,
      maxNewTokens: stage.max_response_length,
      temperature: stage.temperature,
      topP: stage.top_p,
      seed: mixSeed(seed, stageIndex, start, 17),
    });
    chunk.forEach((p, i) => {
      const rate = rollouts.slice(i * f.samples, (i + 1) * f.samples).reduce((a, x) => a + x.result.reward, 0) / f.samples;
      passSum += rate;
      if (rate > f.max_pass_rate) dropped.push(p.id);
    });
  }
  return { measured: measured.length, dropped, meanPassRate: measured.length ? passSum / measured.length : 0 };
}

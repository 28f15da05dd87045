// The between-stage easy-prompt filter (the paper drops math prompts with pass rate > 6/16
// before its 24K/32K stages): measure each distinct prompt `samples` times with the current
// policy at the stage's own sampling settings and drop those it already solves too often.
// With `max_prompts` below the pool's distinct prompts, only a seeded sample is measured, and
// the stage then trains on the measured prompts that were kept: an unmeasured prompt is not
// known to be hard, and on the embedded 16K pool leaving the unmeasured ones in changed almost
// nothing. Copies of a prompt (the embedded pool repeats the small rungs) go or stay together.
import type { StageConfig } from '../../shared/config.js';
import { combineSeeds, Rng } from '../util/random.js';
import { problemKey, type Problem } from '../data/records/record.js';
import type { LanguageModel } from '../model/language-model.js';
import { measurePassRates } from './pass-rates.js';
import type { VerifyBatch } from './rollouts.js';

export interface FilterOutcome {
  /** Distinct prompts measured. */
  measured: number;
  /** Distinct prompts in the pool. */
  distinct: number;
  /** Measured prompts above max_pass_rate (ids of one copy each). */
  dropped: string[];
  /** Mean pass rate over the measured prompts. */
  meanPassRate: number;
  /** What the stage trains on, in pool order. */
  pool: Problem[];
  /** Lowest and highest measured pass rate among the prompts kept (null when none was measured). */
  keptRange: [number, number] | null;
  /** Samples the verifier could not judge (they count as unsolved). */
  verifierFailed: number;
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
  const byKey = new Map<string, Problem>();
  for (const p of pool) if (!byKey.has(problemKey(p))) byKey.set(problemKey(p), p);
  const unique = [...byKey.values()];
  if (!f) return { measured: 0, distinct: unique.length, dropped: [], meanPassRate: 0, pool, keptRange: null, verifierFailed: 0 };
  const capped = f.max_prompts !== undefined && f.max_prompts < unique.length;
  const measuredSet = capped ? new Rng(combineSeeds(seed, stageIndex, 0, 13)).shuffle(unique).slice(0, f.max_prompts) : unique;
  // The stage's own sampling settings: the pass rate the stage's rollouts would see.
  const measured = await measurePassRates(model, verify, measuredSet, f.samples, {
    maxNewTokens: stage.max_response_length,
    temperature: stage.temperature,
    topP: stage.top_p,
    seed: combineSeeds(seed, stageIndex, 17),
  });
  const rateOf = new Map(measured.map((m) => [problemKey(m.problem), m.passed / f.samples]));
  const keep = (p: Problem): boolean => {
    const rate = rateOf.get(problemKey(p));
    return rate === undefined ? !capped : rate <= f.max_pass_rate;
  };
  const kept = measured.filter((m) => m.passed / f.samples <= f.max_pass_rate).map((m) => m.passed / f.samples);
  const passSum = measured.reduce((a, m) => a + m.passed / f.samples, 0);
  return {
    measured: measured.length,
    distinct: unique.length,
    dropped: measured.filter((m) => m.passed / f.samples > f.max_pass_rate).map((m) => m.problem.id),
    meanPassRate: measured.length ? passSum / measured.length : 0,
    pool: pool.filter(keep),
    keptRange: kept.length ? [Math.min(...kept), Math.max(...kept)] : null,
    verifierFailed: measured.reduce((a, m) => a + m.verifierFailed, 0),
  };
}

/** The stage log's line: what was measured and what the stage trains on. */
export function filterSummary(stageName: string, maxPassRate: number, f: FilterOutcome): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const distinctKept = new Set(f.pool.map(problemKey)).size;
  const range = f.keptRange ? `, measured pass rates ${pct(f.keptRange[0])}-${pct(f.keptRange[1])}` : '';
  const basis = f.measured < f.distinct ? ` (the measured prompts kept; ${f.distinct - f.measured} unmeasured left out)` : '';
  const failed = f.verifierFailed ? `; verifier failed on ${f.verifierFailed} samples` : '';
  return `stage ${stageName}: easy-prompt filter measured ${f.measured} of ${f.distinct} distinct prompts (mean pass rate ${pct(f.meanPassRate)}), dropped ${f.dropped.length} above ${maxPassRate}${failed}; the stage trains on ${f.pool.length} prompts (${distinctKept} distinct${range})${basis}`;
}

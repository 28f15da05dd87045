// verl's file logger (trainer.logger=[console,file]; verl/utils/tracking.py FileLogger at
// volcengine/verl b178a3cd): one line per step, {"step": N, "data": {"critic/score/mean": ...}}.
// Its keys mapped onto the dashboard's series (StepMetrics).
import type { StepMetrics } from '../../shared/protocol.js';

export interface VerlMetricsLine {
  step: number;
  data: Record<string, unknown>;
}

/** One line of the file logger, or a reason naming the field. */
export function parseMetricsLine(text: string): VerlMetricsLine | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return { error: `not valid JSON (${(err as Error).message})` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { error: "field '(line)' must be a JSON object" };
  const o = v as Record<string, unknown>;
  if (typeof o.step !== 'number' || !Number.isInteger(o.step)) return { error: "field 'step' must be an integer" };
  if (typeof o.data !== 'object' || o.data === null || Array.isArray(o.data)) return { error: "field 'data' must be an object" };
  return { step: o.step, data: o.data as Record<string, unknown> };
}

// verl key -> our series. critic/score/mean is the mean sequence reward (our reward module's score).
const MAPPING: [string, keyof StepMetrics][] = [
  ['critic/score/mean', 'meanReward'],
  ['actor/entropy', 'entropy'],
  ['response_length/mean', 'meanResponseLength'],
  ['response_length/max', 'maxResponseLength'],
  ['response_length/clip_ratio', 'truncatedShare'],
  ['actor/pg_loss', 'loss'],
  ['perf/throughput', 'tokensPerSecond'],
  ['timing_s/gen', 'sampleSeconds'],
  ['timing_s/reward', 'verifySeconds'],
  ['timing_s/update_actor', 'updateSeconds'],
];

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** `base` (from the step's rollouts, or zeros) overlaid with what verl measured. */
export function applyVerlMetrics(base: StepMetrics, data: Record<string, unknown>, hasRollouts: boolean): StepMetrics {
  const m: StepMetrics = { ...base };
  for (const [key, field] of MAPPING) {
    const v = num(data[key]);
    if (v !== undefined) (m as unknown as Record<string, number>)[field] = v;
  }
  // Without rollouts the accuracy is the mean score (our reward is 0 or 1).
  if (!hasRollouts && num(data['critic/score/mean']) !== undefined) m.accuracy = num(data['critic/score/mean'])!;
  // Held-out: verl's validation, e.g. val-core/<data_source>/acc/mean@1 (or reward/mean@1).
  const held = Object.entries(data)
    .filter(([k]) => /^val-core\/.+\/(acc|reward)\/mean@\d+$/.test(k))
    .map(([, v]) => num(v))
    .filter((v): v is number => v !== undefined);
  if (held.length) m.heldOutAccuracy = held.reduce((a, b) => a + b, 0) / held.length;
  return m;
}

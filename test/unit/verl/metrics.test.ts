// verl's file-logger keys (verl/utils/tracking.py FileLogger lines, metric names of
// verl/trainer/ppo/metric_utils.py at volcengine/verl b178a3cd) onto the dashboard's series.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyVerlMetrics, parseMetricsLine } from '../../../daemon/verl/metrics.js';
import { emptyStepMetrics as emptyMetrics } from '../../../daemon/store/verl.js';

test("verl's step metrics land on the dashboard's series; held-out accuracy is the mean of val-core accuracies", () => {
  const m = applyVerlMetrics(
    emptyMetrics('r', 'verl', 7),
    {
      'critic/score/mean': 0.25,
      'actor/entropy': 0.31,
      'response_length/mean': 812.5,
      'response_length/max': 4096,
      'response_length/clip_ratio': 0.125,
      'actor/pg_loss': -0.02,
      'perf/throughput': 1500,
      'timing_s/gen': 40,
      'timing_s/reward': 3,
      'timing_s/update_actor': 20,
      'val-core/aime24/acc/mean@8': 0.5,
      'val-core/math500/acc/mean@8': 0.7,
      'val-aux/aime24/reward/std@8': 0.4,
      'critic/advantages/mean': 'not a number',
    },
    false,
  );
  assert.deepEqual(
    { ...m },
    {
      ...emptyMetrics('r', 'verl', 7),
      meanReward: 0.25,
      accuracy: 0.25,
      entropy: 0.31,
      meanResponseLength: 812.5,
      maxResponseLength: 4096,
      truncatedShare: 0.125,
      loss: -0.02,
      tokensPerSecond: 1500,
      sampleSeconds: 40,
      verifySeconds: 3,
      updateSeconds: 20,
      heldOutAccuracy: 0.6,
    },
  );
  // With rollouts, accuracy stays what they measured (reward 1 share), not the mean score.
  assert.equal(applyVerlMetrics({ ...emptyMetrics('r', 'verl', 1), accuracy: 0.5 }, { 'critic/score/mean': 0.9 }, true).accuracy, 0.5);
});

test('a file-logger line that is not {"step": int, "data": {...}} names the field', () => {
  assert.deepEqual(parseMetricsLine('{"step": 3, "data": {"critic/score/mean": 1}}'), { step: 3, data: { 'critic/score/mean': 1 } });
  assert.match((parseMetricsLine('{"step": 3') as { error: string }).error, /^not valid JSON/);
  assert.deepEqual(parseMetricsLine('{"step": "3", "data": {}}'), { error: "field 'step' must be an integer" });
  assert.deepEqual(parseMetricsLine('{"step": 3, "data": []}'), { error: "field 'data' must be an object" });
  assert.deepEqual(parseMetricsLine('[1]'), { error: "field '(line)' must be a JSON object" });
});

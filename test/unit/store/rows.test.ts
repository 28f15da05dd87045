// The store's one mapping between records and rows: a rollout written and read back through
// rolloutToRow / rolloutFromRow and testToRow / testFromRow is the rollout the engine handed in.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rolloutFromRow, rolloutToRow, testFromRow, testToRow } from '../../../daemon/store/rows.js';
import type { NewRollout } from '../../../daemon/store/sink.js';
import type { TestResult } from '../../../shared/verify.js';

const rollout: NewRollout = {
  runId: 'r1',
  stage: 'code',
  step: 3,
  problemId: 'two-sum',
  sampleIndex: 5,
  kind: 'code',
  prompt: 'p',
  response: 'r',
  gold: 'g',
  reward: 1,
  advantage: -0.25,
  verdict: 'passed',
  extractedAnswer: null,
  promptTokens: 17,
  responseTokens: 42,
  truncated: true,
  verify: { reward: 1, verdict: 'passed', details: { kind: 'code', program: 'x', tests: [{ verdict: 'passed', input: '1' }] } },
};

test('a rollout goes to its row and comes back field for field; its tests are stored apart', () => {
  const row = rolloutToRow(rollout, { runId: 'r1', stageIndex: 1, globalStep: 9 });
  assert.deepEqual([row.stage_index, row.global_step, row.truncated], [1, 9, 1]);
  assert.equal(JSON.parse(row.verify_json!).details.tests.length, 0, 'tests live in their own table');
  const { verify: _verify, ...record } = rollout;
  assert.deepEqual(rolloutFromRow({ ...row, id: 7 }), { ...record, id: 7 });
});

test('a test result keeps exactly the fields it had', () => {
  const full: TestResult = { verdict: 'wrong_answer', input: 'i', expected: 'e', actual: 'a', firstDiffLine: 2, stderrTail: 's', wallMs: 1.5, cpuMs: 1, peakMemoryKb: 9 };
  assert.deepEqual(testFromRow(testToRow(4, 0, full)), full);
  assert.deepEqual(testFromRow(testToRow(4, 1, { verdict: 'passed' })), { verdict: 'passed' });
});

// Issue 14 items 7 and 12: limits that overflow timers and numbers SQLite cannot bind are
// refused with the field and the range, at the RPC and in the judge itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PARAMS } from '../../../daemon/server/handlers.js';
import { jobsFor } from '../../../daemon/verify/code/judge.js';
import { ErrorCodes } from '../../../shared/protocol.js';

const task = (time_limit_s: number) => ({ kind: 'code', tests: [{ input: '', output: '1' }], time_limit_s });

test('rlvr/verify: time_limit_s outside 0.05..60 is InvalidParams naming the field and the range', () => {
  for (const t of [715_828, 1e9, -1, 0, 1e-9, 61]) {
    assert.throws(
      () => PARAMS.verify({ task: task(t), response: '' }, 'params'),
      (e: { code: number; message: string; data?: { field?: string } }) =>
        e.code === ErrorCodes.InvalidParams && e.data?.field === 'params.task.time_limit_s' && /a number from 0\.05 to 60/.test(e.message),
      String(t),
    );
  }
  assert.equal(PARAMS.verify({ task: task(4), response: '' }, 'params').task.kind, 'code');
  assert.throws(() => PARAMS.verify({ task: { ...task(4), memory_limit_mb: 1e7 }, response: '' }, 'params'), /memory_limit_mb must be a number from 16 to 8192/);
});

test('the judge refuses a time limit a timer cannot hold (the CLI and library path)', () => {
  assert.throws(() => jobsFor(task(715_828) as never, 'print(1)'), /time_limit_s must be a number from 0\.05 to 3600, got 715828/);
  assert.throws(() => jobsFor(task(0) as never, 'print(1)'), /time_limit_s must be a number from/);
  assert.equal(jobsFor(task(2) as never, 'print(1)')[0].time_limit_s, 2);
});

test('offset: 1e300 is InvalidParams, not SQLite\'s "datatype mismatch"', () => {
  assert.throws(
    () => PARAMS.listRuns({ offset: 1e300 }, 'params'),
    (e: { code: number; message: string }) => e.code === ErrorCodes.InvalidParams && /params\.offset must be an integer >= 0/.test(e.message),
  );
  assert.throws(() => PARAMS.queryRollouts({ runId: 'r', limit: 2 ** 60 }, 'params'), /params\.limit must be an integer >= 1/);
});

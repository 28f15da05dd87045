// Sandbox limits for code tasks that name none are options, not environment read when a
// module loads: a bad RLVR_SANDBOX_* value used to throw on import of the judge.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { jobsFor } from '../../../daemon/verify/code/judge.js';
import { configureTaskLimitDefaults, DEFAULT_TASK_LIMITS, taskLimitDefaultsFromEnv } from '../../../daemon/verify/code/limits.js';
import type { CodeTask } from '../../../shared/verify.js';

const task: CodeTask = { kind: 'code', tests: [{ input: '', output: '1' }] };

test('a task without limits gets the explicit defaults, else the configured ones, else the built-in ones; its own win', () => {
  try {
    assert.equal(jobsFor(task, 'print(1)')[0].time_limit_s, DEFAULT_TASK_LIMITS.timeLimitS);
    configureTaskLimitDefaults({ timeLimitS: 2, memoryLimitMb: 300 });
    assert.deepEqual([jobsFor(task, 'print(1)')[0].time_limit_s, jobsFor(task, 'print(1)')[0].memory_limit_mb], [2, 300]);
    assert.equal(jobsFor(task, 'print(1)', { timeLimitS: 3 })[0].time_limit_s, 3);
    assert.equal(jobsFor({ ...task, time_limit_s: 4 }, 'print(1)', { timeLimitS: 3 })[0].time_limit_s, 4);
  } finally {
    configureTaskLimitDefaults({});
  }
});

test('the environment is read only when asked, with the variable and the range named', () => {
  assert.deepEqual(taskLimitDefaultsFromEnv({ RLVR_SANDBOX_TIME_LIMIT_S: '1.5', RLVR_SANDBOX_MEMORY_MB: '' }), { timeLimitS: 1.5 });
  assert.throws(() => taskLimitDefaultsFromEnv({ RLVR_SANDBOX_TIME_LIMIT_S: '1e9' }), /RLVR_SANDBOX_TIME_LIMIT_S: expected a positive number from 0\.05 to 3600, got "1e9"/);
  assert.throws(() => taskLimitDefaultsFromEnv({ RLVR_SANDBOX_MEMORY_MB: '-5' }), /RLVR_SANDBOX_MEMORY_MB/);
  // Importing the verifiers with a bad value in the environment no longer throws.
  const url = new URL('../../../daemon/verify/code/index.js', import.meta.url).href;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(url)}); console.log('loaded')`], {
    env: { ...process.env, RLVR_SANDBOX_MEMORY_MB: 'lots' },
    encoding: 'utf8',
  });
  assert.equal(r.stdout.trim(), 'loaded', r.stderr);
});

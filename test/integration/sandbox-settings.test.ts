// The extension passes its sandbox settings to the daemon it starts as environment
// variables; they must set the limit of tasks that name none, and a bad value must fail loudly.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../../daemon/data/fixtures.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-limits-'));
const program = path.join(dir, 'busy.py');
const tests = path.join(dir, 'tests.json');
// Three CPU seconds, well inside the default limit (6 s), well past a 1 s setting.
writeFileSync(program, 'import time\nt = time.process_time()\nwhile time.process_time() - t < 3:\n    pass\nprint(1)\n');
writeFileSync(tests, JSON.stringify([{ input: '', output: '1' }]));

function check(env: Record<string, string>) {
  return spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'rlvr.js'), 'check', 'code', '--program', program, '--tests', tests], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
}

test('RLVR_SANDBOX_TIME_LIMIT_S sets the CPU limit of tasks without one', () => {
  const limited = check({ RLVR_SANDBOX_TIME_LIMIT_S: '1' });
  assert.equal(JSON.parse(limited.stdout).tests[0].verdict, 'time_limit_exceeded', limited.stderr);
  const unlimited = check({});
  assert.equal(JSON.parse(unlimited.stdout).tests[0].verdict, 'passed', unlimited.stderr);
});

test('a sandbox limit that is not a positive number is refused, naming the variable', () => {
  const r = check({ RLVR_SANDBOX_MEMORY_MB: 'lots' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /RLVR_SANDBOX_MEMORY_MB: expected a positive number from 16 to 65536, got "lots"/);
});

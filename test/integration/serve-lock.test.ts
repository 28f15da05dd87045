// Several `rlvr serve` on one data dir at once (issue 14 item 8): exactly one stays up and
// owns the lock; the others say which daemon holds the lock file and exit 0.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { startDaemon, tmpDataDir, type Daemon } from './daemon.js';
import { lockFilePath } from '../../shared/data-dir.js';
import type { DaemonLock } from '../../shared/daemon-lock.js';

const COUNT = 4;

const started: Daemon[] = [];
after(() => {
  for (const d of started) if (d.proc.exitCode === null) d.proc.kill('SIGKILL'); // only after a failure
});

async function startMany(dataDir: string): Promise<Daemon[]> {
  const daemons = await Promise.all(Array.from({ length: COUNT }, () => startDaemon(dataDir)));
  started.push(...daemons);
  return daemons;
}

/** Waits until every loser has exited; returns the one still running. */
async function theOneUp(daemons: Daemon[]): Promise<Daemon> {
  const lock = JSON.parse(readFileSync(daemons[0].lockFile, 'utf8')) as DaemonLock;
  for (const d of daemons) assert.equal(d.pid, lock.pid, `every serve announces the lock's daemon; stderr: ${d.stderr()}`);
  const winner = daemons.filter((d) => d.proc.pid === lock.pid);
  assert.equal(winner.length, 1, 'the lock names one of the daemons started');
  const losers = daemons.filter((d) => d.proc.pid !== lock.pid);
  for (const d of losers) {
    if (d.proc.exitCode === null) await once(d.proc, 'exit');
    assert.equal(d.proc.exitCode, 0);
    assert.match(d.stderr(), /already serves this data dir \(lock file .*daemon\.lock\)/);
    assert.doesNotMatch(d.stderr(), /already exists|Error/);
  }
  assert.equal(winner[0].proc.exitCode, null, `the lock owner stays up; stderr: ${winner[0].stderr()}`);
  return winner[0];
}

test('several serve on one fresh data dir: one stays up and owns the lock, the others name it and exit', { timeout: 60_000 }, async () => {
  const dataDir = tmpDataDir();
  const daemons = await startMany(dataDir);
  const winner = await theOneUp(daemons);
  assert.equal(await winner.stop(), 0);
});

test('several serve on one data dir with a stale lock (dead pid): exactly one takes it over', { timeout: 60_000 }, async () => {
  const dataDir = tmpDataDir();
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  writeFileSync(lockFilePath(dataDir), JSON.stringify({ port: 9, token: 'stale', pid: dead }) + '\n', { mode: 0o600 });
  const daemons = await startMany(dataDir);
  const winner = await theOneUp(daemons);
  const lock = JSON.parse(readFileSync(winner.lockFile, 'utf8')) as DaemonLock;
  assert.notEqual(lock.token, 'stale');
  assert.equal(await winner.stop(), 0);
});

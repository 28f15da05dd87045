// The extension reads the daemon's lock file to find its port and token: it must refuse one
// that anyone else could have written (wrong mode, a link), naming the file, exactly as the
// daemon does, and never report a dead pid as a running daemon.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { readLock } from '../../../extension/daemon/locate.js';
import { DAEMON_LOCK_FILE } from '../../../shared/daemon-lock.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'rlvr-ext-lock-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const live = { port: 4242, token: 'secret', pid: process.pid };

function dataDir(name: string): { dir: string; file: string } {
  const dir = path.join(tmp, name);
  mkdirSync(dir);
  return { dir, file: path.join(dir, DAEMON_LOCK_FILE) };
}

function writeLock(file: string, lock: object, mode: number): void {
  writeFileSync(file, JSON.stringify(lock) + '\n', { mode });
  chmodSync(file, mode); // the umask may have narrowed it
}

test('a 0600 lock naming a live process is the daemon; no lock file is no daemon', async () => {
  const { dir, file } = dataDir('valid');
  assert.equal(await readLock(dir), null);
  writeLock(file, live, 0o600);
  assert.deepEqual(await readLock(dir), live);
});

test('a lock whose process is gone, or a torn one, is no daemon (rlvr serve replaces it)', async () => {
  const { dir, file } = dataDir('stale');
  writeLock(file, { ...live, pid: 2 ** 22 + 12345 }, 0o600); // above pid_max's default: never alive
  assert.equal(await readLock(dir), null);
  writeLock(file, { port: 1 }, 0o600);
  assert.equal(await readLock(dir), null);
});

test('a lock readable by others is refused, naming the file and its mode', async () => {
  const { dir, file } = dataDir('mode');
  writeLock(file, live, 0o644);
  await assert.rejects(readLock(dir), (e: Error) => e.message.includes(file) && /mode 0600.*mode 0644/.test(e.message));
});

test('a lock that is a symbolic link is refused even when its target is a good lock', async () => {
  const { dir, file } = dataDir('link');
  const target = path.join(tmp, 'elsewhere.lock');
  writeLock(target, live, 0o600);
  symlinkSync(target, file);
  await assert.rejects(readLock(dir), (e: Error) => e.message.includes(file) && /not a regular file/.test(e.message));
});

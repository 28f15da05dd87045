import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readLock } from '../../../daemon/server/lock.js';
import { openRunStore } from '../../../daemon/store/index.js';

const dir = () => mkdtempSync(path.join(os.tmpdir(), 'rlvr-lockfile-'));

test('a lock file with a mode other than 0600 is refused, naming the file; a 0600 one is read', () => {
  const file = path.join(dir(), 'daemon.lock');
  writeFileSync(file, JSON.stringify({ port: 1234, token: 't', pid: 42 }) + '\n', { mode: 0o600 });
  assert.deepEqual(readLock(file), { port: 1234, token: 't', pid: 42 });
  chmodSync(file, 0o644);
  assert.throws(() => readLock(file), (e: Error) => e.message.includes(file) && /mode 0600.*mode 0644/.test(e.message));
});

test('a new store is created in a 0700 dir as a 0600 file', () => {
  const dataDir = path.join(dir(), 'fresh');
  const store = openRunStore(path.join(dataDir, 'runs.db'));
  store.close();
  assert.equal(statSync(dataDir).mode & 0o777, 0o700);
  assert.equal(statSync(path.join(dataDir, 'runs.db')).mode & 0o777, 0o600);
});

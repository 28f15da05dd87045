import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import Database from 'better-sqlite3';
import { MIGRATIONS, migrate, openRunStore } from '../../../daemon/store/index.js';

const tmpDb = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'rlvr-mig-')), 'runs.db');

test('a new store is created at the latest schema version, in WAL mode', () => {
  const file = tmpDb();
  const store = openRunStore(file);
  assert.equal(store.db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
  store.close();
  // Reopening applies nothing twice (a second CREATE TABLE would throw).
  openRunStore(file).close();
});

test('an older store is upgraded in order; a failing migration leaves the version unchanged', () => {
  const db = new Database(tmpDb());
  const steps = [
    { name: 'a', sql: 'CREATE TABLE a (x INTEGER)' },
    { name: 'b', sql: 'ALTER TABLE a ADD COLUMN y TEXT' },
  ];
  assert.equal(migrate(db, steps.slice(0, 1)), 1);
  db.prepare('INSERT INTO a (x) VALUES (1)').run();
  assert.equal(migrate(db, steps), 2);
  assert.deepEqual(db.prepare('SELECT * FROM a').all(), [{ x: 1, y: null }]);

  const broken = [...steps, { name: 'c', sql: 'CREATE TABLE c (z INTEGER); INSERT INTO nowhere VALUES (1)' }];
  assert.throws(() => migrate(db, broken), /nowhere/);
  assert.equal(db.pragma('user_version', { simple: true }), 2);
  // Its half (table c) was rolled back with it.
  assert.equal((db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'c'").get() as { n: number }).n, 0);
});

test('a store from a newer build is refused with a message naming the file', () => {
  const file = tmpDb();
  const db = new Database(file);
  db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
  db.close();
  assert.throws(() => openRunStore(file), (e: Error) => e.message.includes(file) && /newer than this build/.test(e.message));
});

test('a store another process is creating at this moment is opened, not migrated twice', async () => {
  // Another process (a worker thread with its own connection) holds the write lock while it
  // creates the schema; we open the same fresh store meanwhile. Reading the version outside
  // the write transaction saw 0 and then failed with "table runs already exists".
  const file = tmpDb();
  const worker = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
     const Database = require(require('node:module').createRequire(workerData.base).resolve('better-sqlite3'));
     const db = new Database(workerData.file);
     db.pragma('journal_mode = WAL');
     db.exec('BEGIN IMMEDIATE');
     workerData.sql.forEach((sql, v) => { db.exec(sql); db.pragma('user_version = ' + (v + 1)); });
     parentPort.postMessage('holding');
     setTimeout(() => { db.exec('COMMIT'); db.close(); }, 300);`,
    { eval: true, workerData: { file, base: createRequire(import.meta.url).resolve('better-sqlite3'), sql: MIGRATIONS.map((m) => m.sql) } },
  );
  const [msg] = await once(worker, 'message');
  assert.equal(msg, 'holding');
  const store = openRunStore(file);
  assert.equal(store.db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  store.close();
  await once(worker, 'exit');
});

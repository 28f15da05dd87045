// The run store's public face: open one SQLite file, get a RunStore (a RunSink for the
// engine, plus the queries the server and CLI need).
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { RunStore } from './run-store.js';

export { RunStore, newRunId, DEFAULT_PAGE, MAX_PAGE } from './run-store.js';
export { MIGRATIONS, migrate } from './schema.js';
export type { VerlLine } from './verl.js';

/** Opens (creating when absent, migrating when older) the run store at `dbPath`. */
export function openRunStore(dbPath: string): RunStore {
  if (dbPath !== ':memory:') {
    // 0700 dir, 0600 store (SQLite gives -wal/-shm the store's mode): prompts, rollouts and
    // checkpoints are the user's alone. Was 0755 with a world-readable runs.db.
    mkdirSync(path.dirname(path.resolve(dbPath)), { recursive: true, mode: 0o700 });
    closeSync(openSync(dbPath, 'a', 0o600));
  }
  return new RunStore(dbPath);
}

// The run store's public face: open one SQLite file, get a RunStore (a RunSink for the
// engine, plus the queries the server and CLI need).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { RunStore } from './run-store.js';

export { RunStore, newRunId, DEFAULT_PAGE, MAX_PAGE } from './run-store.js';
export { MIGRATIONS, migrate } from './schema.js';
export type { VerlLine } from './verl.js';

/** Opens (creating when absent, migrating when older) the run store at `dbPath`. */
export function openRunStore(dbPath: string): RunStore {
  if (dbPath !== ':memory:') mkdirSync(path.dirname(path.resolve(dbPath)), { recursive: true });
  return new RunStore(dbPath);
}

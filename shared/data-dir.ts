// The user's data directory: where the run store, checkpoints and the daemon lock file live.
// One resolution used by `rlvr train`, `rlvr serve` and the extension, so all three meet.
import os from 'node:os';
import path from 'node:path';
import { DAEMON_LOCK_FILE } from './daemon-lock.js';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RLVR_DATA_DIR) return path.resolve(env.RLVR_DATA_DIR);
  const xdg = env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(xdg, 'rlvr-studio');
}

export function storePath(dataDir: string): string {
  return path.join(dataDir, 'runs.db');
}

export function lockFilePath(dataDir: string): string {
  return path.join(dataDir, DAEMON_LOCK_FILE);
}

export function runDir(dataDir: string, runId: string): string {
  return path.join(dataDir, 'runs', runId);
}

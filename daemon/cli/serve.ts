// `rlvr serve`: the daemon. One per data dir: a second one finds the first through the lock
// file, prints its line and exits 0. Prints one JSON line {"port","pid","lockFile"} once it
// accepts connections; removes its lock on SIGINT/SIGTERM after the current step is stored.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../data/fixtures.js';
import { openRunStore } from '../store/index.js';
import { defaultDataDir, lockFilePath, storePath } from '../../shared/data-dir.js';
import { createLockExclusive, isLive, readLock, removeLockIfOwned, takeOverStaleLock } from '../server/lock.js';
import type { DaemonLock } from '../../shared/daemon-lock.js';
import { startServer } from '../server/server.js';

const USAGE = `usage: rlvr serve [--port N] [--data-dir DIR] [--host 127.0.0.1]

  --port N        port to listen on (default 0: any free port; see the lock file)
  --data-dir DIR  where the run store and lock file live (default ${defaultDataDir()})
  --host H        loopback only: 127.0.0.1 (or localhost); anything else is refused`;

const LOOPBACK = new Set(['127.0.0.1', 'localhost']);

function announce(port: number, pid: number, lockFile: string): void {
  process.stdout.write(JSON.stringify({ port, pid, lockFile }) + '\n');
}

function version(): string {
  return (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Another daemon holds the lock and answers: say so, print its line, start nothing. */
function deferTo(other: DaemonLock, lockFile: string): number {
  console.error(`rlvr serve: daemon pid ${other.pid} already serves this data dir (lock file ${lockFile}); not starting another`);
  announce(other.port, other.pid, lockFile);
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '0' },
      'data-dir': { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const host = values.host!;
  if (!LOOPBACK.has(host)) {
    throw new Error(`refusing --host ${host}: the daemon listens on 127.0.0.1 only (a training daemon must not be reachable from the network)`);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be an integer 0..65535, got ${values.port}`);

  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lockFile = lockFilePath(dataDir);

  // Already running? Then that one is the daemon: say where it is and leave it be.
  const existing = readLock(lockFile);
  if (existing && (await isLive(existing))) return deferTo(existing, lockFile);

  // Migrations run in a write transaction, so a second daemon starting at once waits here.
  const store = openRunStore(storePath(dataDir));
  const token = randomBytes(32).toString('base64url');
  const server = await startServer({ store, dataDir, token, port, version: version() });
  const ours: DaemonLock = { port: server.port, token, pid: process.pid };
  // The lock is written only once we accept connections, so a lock whose port does not
  // answer is stale. A stale lock is removed only under the takeover guard (see lock.ts).
  for (let attempt = 0; !createLockExclusive(lockFile, ours); attempt++) {
    const other = readLock(lockFile);
    if (other && (await isLive(other))) {
      await server.close();
      store.close();
      return deferTo(other, lockFile);
    }
    if (attempt >= 200) {
      await server.close();
      store.close();
      throw new Error(`could not take the lock file ${lockFile}: it keeps changing and does not point at a live daemon; remove it and retry`);
    }
    await takeOverStaleLock(lockFile, other);
  }
  // Only the lock's owner may mark runs as stopped: a daemon that lost the race must not.
  const interrupted = store.reconcileInterrupted();
  if (interrupted.length > 0) console.error(`rlvr serve: marked interrupted run(s) as stopped: ${interrupted.join(', ')}`);
  announce(server.port, process.pid, lockFile);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  console.error(`rlvr serve: ${signal}: stopping after the current step`);
  // The lock goes first: from now on nobody should try to connect to us.
  removeLockIfOwned(lockFile, ours);
  await server.close();
  store.close();
  // Worker pools or backends may hold the event loop open; the store is closed, so leave.
  setTimeout(() => process.exit(0), 2000).unref();
  return 0;
}

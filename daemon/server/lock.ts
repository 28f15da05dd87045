// The lock file is how clients (and a second `rlvr serve`) find the running daemon. It is
// created exclusively (O_EXCL), so two daemons starting at once cannot both own it, and
// with mode 0600, because it holds the token that drives training.
import { constants, openSync, readFileSync, rmSync, writeSync, closeSync, fchmodSync } from 'node:fs';
import net from 'node:net';
import type { DaemonLock } from '../../shared/daemon-lock.js';
import { isProcessAlive } from '../util/process.js';

export function readLock(file: string): DaemonLock | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const v = JSON.parse(text) as Partial<DaemonLock>;
    if (typeof v.port === 'number' && typeof v.token === 'string' && typeof v.pid === 'number') {
      return { port: v.port, token: v.token, pid: v.pid };
    }
  } catch {
    // A torn or foreign file is as good as no lock: it will be replaced.
  }
  return null;
}


function portAccepts(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A lock is live when its process exists and its port accepts connections. */
export async function isLive(lock: DaemonLock, timeoutMs = 1000): Promise<boolean> {
  return isProcessAlive(lock.pid) && (await portAccepts(lock.port, timeoutMs));
}

/** Writes the lock only if none exists; returns false when another daemon got there first. */
export function createLockExclusive(file: string, lock: DaemonLock): boolean {
  let fd: number;
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    fchmodSync(fd, 0o600); // the umask cannot widen it, but be explicit
    writeSync(fd, JSON.stringify(lock) + '\n');
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Removes the lock only if it is still ours (a newer daemon may have replaced a stale one). */
export function removeLockIfOwned(file: string, pid = process.pid): void {
  const current = readLock(file);
  if (current && current.pid === pid) rmSync(file, { force: true });
}

export function removeLock(file: string): void {
  rmSync(file, { force: true });
}

// The lock file is how clients (and a second `rlvr serve`) find the running daemon. It is
// created exclusively (a complete temp file hard-linked into place: link() fails when the
// name exists, and nobody ever reads half a lock), so two daemons starting at once cannot
// both own it, and with mode 0600, because it holds the token that drives training.
import { randomBytes } from 'node:crypto';
import { linkSync, lstatSync, openSync, readFileSync, rmSync, writeSync, closeSync, fchmodSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { parseLock, untrustedLockReason, type DaemonLock } from '../../shared/daemon-lock.js';
import { isProcessAlive } from '../../shared/process.js';

/**
 * The lock, or null when absent or unreadable as one. Throws, naming the file, when it is not
 * a regular file of ours with mode 0600: its token drives training, and a pid in a file
 * someone else wrote must never be reported as our daemon.
 */
export function readLock(file: string): DaemonLock | null {
  let st;
  try {
    st = lstatSync(file);
  } catch {
    return null;
  }
  const untrusted = untrustedLockReason(file, st);
  if (untrusted) throw new Error(untrusted);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  return parseLock(text);
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
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    fchmodSync(fd, 0o600); // the umask cannot widen it, but be explicit
    writeSync(fd, JSON.stringify(lock) + '\n');
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

const sameLock = (a: DaemonLock | null, b: DaemonLock | null) =>
  a === b || (a !== null && b !== null && a.pid === b.pid && a.token === b.token && a.port === b.port);

/**
 * Removes `seen` (a lock found not live, or null for a torn or foreign file) so the caller can
 * retry `createLockExclusive`. Removers take turns through `<lock>.takeover` (exclusive create)
 * and re-check under it: without that, a second daemon that had also seen the stale lock
 * removed the first one's fresh lock, and both stayed up. Returns without removing when the
 * lock changed or another remover is at it; the caller re-reads and retries.
 */
export async function takeOverStaleLock(file: string, seen: DaemonLock | null): Promise<void> {
  const guard = `${file}.takeover`;
  let fd: number;
  try {
    fd = openSync(guard, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // A remover that died holding the guard would block takeovers forever: drop its guard.
    const holder = Number.parseInt(safeRead(guard), 10);
    if (Number.isInteger(holder) && holder > 0 && !isProcessAlive(holder)) rmSync(guard, { force: true });
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
    return;
  }
  try {
    writeSync(fd, String(process.pid));
    closeSync(fd);
    const current = readLock(file);
    if (!sameLock(current, seen)) return; // replaced meanwhile: the caller looks again
    if (current && (await isLive(current))) return;
    rmSync(file, { force: true });
  } finally {
    unlinkSync(guard);
  }
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Removes the lock only if it is still ours (pid and token): a newer daemon may have replaced a stale one. */
export function removeLockIfOwned(file: string, owner: Pick<DaemonLock, 'pid' | 'token'>): void {
  const current = readLock(file);
  if (current && current.pid === owner.pid && current.token === owner.token) rmSync(file, { force: true });
}

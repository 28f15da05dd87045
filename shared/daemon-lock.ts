// How a client finds a running daemon: `rlvr serve` writes this JSON (mode 0600) to
// <data dir>/daemon.lock once it accepts connections, and removes it on exit.
export const DAEMON_LOCK_FILE = 'daemon.lock';

export interface DaemonLock {
  port: number;
  token: string;
  pid: number;
}

/** Query parameter that carries the token when a header cannot be set. */
export const TOKEN_QUERY_PARAM = 'token';

/** What a lock file's lstat tells: enough to judge it without node:fs types in shared/. */
export interface LockFileStat {
  isFile(): boolean;
  uid: number;
  mode: number;
}

/**
 * Why a lock file must not be trusted, or null when it may be: it must be a regular file (not
 * a link) owned by the current user with mode 0600, because its token drives training and a
 * pid in a file someone else wrote must never be reported as our daemon. The daemon and the
 * extension both ask this before reading one.
 */
export function untrustedLockReason(file: string, st: LockFileStat, uid = process.getuid?.()): string | null {
  if (st.isFile() && (uid === undefined || st.uid === uid) && (st.mode & 0o777) === 0o600) return null;
  return (
    `refusing lock file ${file}: it must be a regular file owned by you (uid ${uid}) with mode 0600, ` +
    `found ${st.isFile() ? 'a file' : 'not a regular file'} owned by uid ${st.uid} with mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}; remove it if no daemon is running`
  );
}

/** The lock a file's text holds, or null for a torn or foreign file (as good as no lock: it will be replaced). */
export function parseLock(text: string): DaemonLock | null {
  try {
    const v = JSON.parse(text) as Partial<DaemonLock>;
    if (typeof v.port === 'number' && typeof v.token === 'string' && typeof v.pid === 'number') return { port: v.port, token: v.token, pid: v.pid };
  } catch {
    /* torn or foreign */
  }
  return null;
}

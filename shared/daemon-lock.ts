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

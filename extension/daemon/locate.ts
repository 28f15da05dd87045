// Finds the running daemon through its lock file, or starts `rlvr serve` as a child process
// and waits for the one JSON line it prints once it accepts connections.
import { spawn, type ChildProcess } from 'node:child_process';
import { lstat, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { DAEMON_LOCK_FILE, parseLock, untrustedLockReason, type DaemonLock } from '../../shared/daemon-lock.js';
import { isProcessAlive } from '../../shared/process.js';

export interface DaemonEndpoint extends DaemonLock {
  /** Set when this extension started the daemon (and so stops it on exit). */
  child?: ChildProcess;
}

export interface LocateOptions {
  dataDir: string;
  /** `rlvr` itself, or node with the CLI script as its first argument. */
  command: string;
  args: string[];
  port: number;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** How long `rlvr serve` may take to print its ready line. */
  startTimeoutMs?: number;
}

/**
 * The live daemon's lock, or null when there is none (absent, torn, or its process gone).
 * Throws, naming the file, when the file is not ours with mode 0600: its pid and token must
 * not be trusted (the daemon refuses the same file: shared/daemon-lock.ts).
 */
export async function readLock(dataDir: string): Promise<DaemonLock | null> {
  const file = path.join(dataDir, DAEMON_LOCK_FILE);
  let text: string;
  try {
    const untrusted = untrustedLockReason(file, await lstat(file));
    if (untrusted) throw new Error(untrusted);
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const lock = parseLock(text); // null when half-written or stale: `rlvr serve` replaces it
  return lock && isProcessAlive(lock.pid) ? lock : null;
}


/** The stderr line that says what went wrong (Node prints the error above its stack). */
function telling(lines: string[]): string {
  const nonEmpty = lines.map((l) => l.trim()).filter(Boolean);
  const error = [...nonEmpty].reverse().find((l) => /^(rlvr\b|\w*Error\b|Error:)/.test(l));
  return error ?? nonEmpty.slice(-2).join(' | ');
}

export async function locateDaemon(opts: LocateOptions): Promise<DaemonEndpoint> {
  const existing = await readLock(opts.dataDir);
  if (existing) {
    opts.log(`daemon: found pid ${existing.pid} on port ${existing.port} (lock file in ${opts.dataDir})`);
    return existing;
  }
  return startDaemon(opts);
}

async function startDaemon(opts: LocateOptions): Promise<DaemonEndpoint> {
  const args = [...opts.args, 'serve', '--port', String(opts.port), '--data-dir', opts.dataDir];
  opts.log(`daemon: starting ${opts.command} ${args.join(' ')}`);
  const child = spawn(opts.command, args, { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderrTail: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > 20) stderrTail.shift();
    opts.log(`daemon! ${line}`);
  });

  const ready = await new Promise<{ port: number; pid: number; lockFile: string }>((resolve, reject) => {
    const timeoutMs = opts.startTimeoutMs ?? 60_000;
    const timer = setTimeout(() => fail(`did not report ready within ${timeoutMs / 1000} s`), timeoutMs);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGTERM');
      const tail = stderrTail.length ? `: ${telling(stderrTail)}` : '';
      reject(new Error(`\`rlvr serve\` ${why}${tail}`));
    };
    child.once('error', (err: NodeJS.ErrnoException) =>
      fail(
        err.code === 'ENOENT' && opts.command === 'rlvr'
          ? 'could not start: no `rlvr` on PATH. Run "RLVR: Install daemon", or install it yourself (`npm install -g rlvr-studio`) or set rlvr.daemon.path to its bin/rlvr.js'
          : `could not start (${opts.command}: ${err.message})`,
      ),
    );
    child.once('exit', (code, signal) => fail(`exited with ${signal ?? `code ${code}`} before it was ready`));
    let done = false;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (done) return opts.log(`daemon: ${line}`);
      try {
        const msg = JSON.parse(line) as { port?: unknown; pid?: unknown; lockFile?: unknown };
        if (typeof msg.port === 'number' && typeof msg.lockFile === 'string') {
          done = true;
          clearTimeout(timer);
          child.removeAllListeners('exit');
          child.removeAllListeners('error');
          resolve({ port: msg.port, pid: typeof msg.pid === 'number' ? msg.pid : child.pid!, lockFile: msg.lockFile });
          return;
        }
      } catch {
        // not the ready line
      }
      opts.log(`daemon: ${line}`);
    });
  });

  const lockDir = path.dirname(ready.lockFile);
  const lock = await readLock(lockDir);
  if (!lock) throw new Error(`\`rlvr serve\` reported ready but its lock file ${ready.lockFile} is missing or unreadable`);
  child.on('exit', (code, signal) => opts.log(`daemon: exited (${signal ?? `code ${code}`})`));
  // The ready line names the daemon that serves: another one may have won the race.
  return lock.pid === child.pid ? { ...lock, child } : lock;
}

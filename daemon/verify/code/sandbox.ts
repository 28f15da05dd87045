// How a sandbox worker is started: bubblewrap with every namespace unshared, entered as
// uid 65534, seeing only /usr read-only and three small tmpfs (/work, /tmp, /dev/shm). Nothing of the
// user's files, no network (its own loopback only), no way back out.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const NOBODY = 65534;

export interface SandboxOptions {
  /** Run programs without bubblewrap: no isolation at all, only rlimits. Explicit opt-in. */
  unsafe?: boolean;
  /** The Python interpreter; must live under /usr (the only host tree the sandbox sees). */
  python?: string;
  /** The bubblewrap binary (default: /usr/bin/bwrap or /usr/local/bin/bwrap). */
  bwrap?: string;
  /** Size of the writable /work, /tmp and /dev/shm tmpfs, in MB each. */
  tmpfsMb?: number;
}

export class SandboxUnavailableError extends Error {
  override name = 'SandboxUnavailableError';
}

const BWRAP_CANDIDATES = ['/usr/bin/bwrap', '/usr/local/bin/bwrap'];
const PYTHON_CANDIDATES = ['/usr/bin/python3', '/usr/local/bin/python3'];

export function findBwrap(): string | null {
  return BWRAP_CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/** A real interpreter path: shims (pyenv) would point outside what the sandbox mounts. */
export function findPython(explicit?: string): string {
  const found = explicit ?? PYTHON_CANDIDATES.find((p) => existsSync(p));
  if (!found || !existsSync(found)) {
    throw new SandboxUnavailableError(
      `python3 not found${explicit ? ` at ${explicit}` : ' at /usr/bin/python3'}: install Debian's python3 (apt-get install python3)`,
    );
  }
  return found;
}

let workerSource: string | null = null;

/** The Python worker, read from daemon/verify/code/worker.py (beside the compiled file or in the source tree). */
export function workerPy(): string {
  if (workerSource !== null) return workerSource;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'worker.py'), path.resolve(here, '../../../../daemon/verify/code/worker.py')];
  const file = candidates.find((p) => existsSync(p));
  if (!file) throw new SandboxUnavailableError(`sandbox worker not found (looked in ${candidates.join(', ')})`);
  workerSource = readFileSync(file, 'utf8');
  return workerSource;
}

export interface WorkerCommand {
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * The command line of one worker. `workDir` is used only in unsafe mode (a host folder the
 * caller creates and removes); the sandbox gets fresh tmpfs instead.
 */
export function workerCommand(options: SandboxOptions, unsafeWorkDir?: string): WorkerCommand {
  const python = findPython(options.python);
  // -I: ignore PYTHON* variables and the user site; -c: the worker needs no file in the sandbox.
  const pythonArgs = ['-I', '-c', workerPy()];
  if (options.unsafe) {
    return {
      command: python,
      args: [...pythonArgs, 'unsafe'],
      cwd: unsafeWorkDir,
      env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' },
    };
  }
  // RLVR_BWRAP: a bubblewrap installed elsewhere (e.g. /opt); also how tests make the sandbox fail.
  const bwrap = options.bwrap ?? (process.env.RLVR_BWRAP || findBwrap());
  if (!bwrap || !existsSync(bwrap)) {
    throw new SandboxUnavailableError(
      'bubblewrap (bwrap) is not installed, so model-written code cannot be isolated: install it (apt-get install bubblewrap) or opt into running code unsandboxed with the explicit unsafe option',
    );
  }
  if (!python.startsWith('/usr/')) {
    throw new SandboxUnavailableError(`the sandbox mounts only /usr, so the interpreter must live there (got ${python})`);
  }
  const tmpfsBytes = String((options.tmpfsMb ?? 64) * 1024 * 1024);
  const bwrapArgs = [
    '--unshare-all',
    '--unshare-user', // explicit, so --disable-userns is accepted when started as root too
    '--disable-userns', // no nested user namespaces: they would hand the program capabilities
    '--die-with-parent',
    '--new-session',
    '--clearenv',
    '--setenv', 'PATH', '/usr/bin',
    '--setenv', 'LANG', 'C.UTF-8',
    '--ro-bind', '/usr', '/usr',
    '--symlink', 'usr/lib', '/lib',
    '--symlink', 'usr/lib64', '/lib64',
    '--symlink', 'usr/bin', '/bin',
    '--proc', '/proc',
    '--dev', '/dev',
    // --dev's own tmpfs is writable and as large as half the host's memory: shm gets a capped
    // tmpfs of its own (multiprocessing needs it) and /dev itself becomes read-only.
    '--size', tmpfsBytes, '--tmpfs', '/dev/shm',
    '--remount-ro', '/dev',
    '--size', tmpfsBytes, '--tmpfs', '/tmp',
    '--size', tmpfsBytes, '--tmpfs', '/work',
    '--chdir', '/work',
    '--remount-ro', '/', // the root tmpfs: no files outside /work and /tmp, not even in the sandbox
    python, ...pythonArgs, 'sandboxed',
  ];
  // As root, drop to nobody before bubblewrap starts: even an escape lands unprivileged.
  if (process.getuid?.() === 0) {
    if (!existsSync('/usr/bin/setpriv')) {
      throw new SandboxUnavailableError('setpriv is missing, so the sandbox cannot drop root: install util-linux (apt-get install util-linux)');
    }
    return {
      command: '/usr/bin/setpriv',
      args: ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', bwrap, ...bwrapArgs],
      cwd: '/',
      env: {},
    };
  }
  return { command: bwrap, args: bwrapArgs, cwd: '/', env: {} };
}

/** For `rlvr doctor`: whether code can be sandboxed here, and with what. */
export function describeSandbox(options: SandboxOptions = {}): { ok: boolean; bwrap: string | null; python: string | null; problem?: string } {
  const bwrap = options.bwrap ?? findBwrap();
  let python: string | null = null;
  try {
    python = findPython(options.python);
    workerCommand({ ...options, unsafe: false });
    return { ok: true, bwrap, python };
  } catch (err) {
    return { ok: false, bwrap, python, problem: (err as Error).message };
  }
}

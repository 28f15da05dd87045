// What `rlvr setup` (npm run setup) does on a machine, decided from facts alone so every
// case (root, sudo, no sudo, apt, other distributions, macOS, Windows) is testable here.
// It installs only through apt, as root or through non-interactive sudo; everywhere else
// it prints the exact command to run. The main job needs bubblewrap (the code sandbox),
// python3 (what the sandbox runs) and, as root, util-linux's setpriv (the sandbox drops
// root to nobody before bubblewrap starts).

/** A program the code sandbox needs. */
export type Tool = 'bwrap' | 'python3' | 'setpriv';

export type PackageManager = 'apt' | 'dnf' | 'pacman' | 'apk' | 'zypper';

export interface SetupFacts {
  platform: NodeJS.Platform;
  root: boolean;
  /** `sudo -n true` succeeded: sudo works without a password prompt. */
  sudo: boolean;
  /** The first package manager found on PATH (Linux), or null. */
  packageManager: PackageManager | null;
  /** The tools that did not answer `--version` where the sandbox looks for them. */
  missing: Tool[];
}

export type SetupPlan =
  /** Everything is there: only the sandbox check remains. */
  | { action: 'check' }
  /** Run `install` (after `refresh` and once more if it fails: stale or empty package lists). */
  | { action: 'install'; packages: string[]; install: string[]; refresh: string[]; env: Record<string, string> }
  /** Cannot install here: the user runs `command`. */
  | { action: 'tell'; packages: string[]; command: string; why: string }
  /** The sandbox cannot exist on this system. */
  | { action: 'unsupported'; why: string };

const PACKAGES: Record<PackageManager, Record<Tool, string>> = {
  apt: { bwrap: 'bubblewrap', python3: 'python3', setpriv: 'util-linux' },
  dnf: { bwrap: 'bubblewrap', python3: 'python3', setpriv: 'util-linux' },
  zypper: { bwrap: 'bubblewrap', python3: 'python3', setpriv: 'util-linux' },
  pacman: { bwrap: 'bubblewrap', python3: 'python', setpriv: 'util-linux' },
  apk: { bwrap: 'bubblewrap', python3: 'python3', setpriv: 'setpriv' },
};

const INSTALL: Record<PackageManager, string[]> = {
  apt: ['apt-get', 'install', '-y', '-qq', '--no-install-recommends'],
  dnf: ['dnf', 'install', '-y'],
  zypper: ['zypper', 'install', '-y'],
  pacman: ['pacman', '-S', '--needed', '--noconfirm'],
  apk: ['apk', 'add'],
};

export const MACOS =
  'macOS has no bubblewrap, so the code sandbox cannot exist here: math stages run (npm start -- --stages math-short,math-long); ' +
  'for code stages, run the daemon in a Linux VM or container (e.g. Debian in Docker, Podman or Lima: npm install && npm run setup there)';
export const WINDOWS =
  'Windows has no bubblewrap: use WSL2 (e.g. Ubuntu), where RLVR Studio runs as on Linux: npm install && npm run setup && npm start inside WSL';

/** The packages that provide the missing tools, in a stable order, without repeats. */
export function packagesFor(manager: PackageManager, missing: readonly Tool[]): string[] {
  const order: Tool[] = ['bwrap', 'python3', 'setpriv'];
  return [...new Set(order.filter((t) => missing.includes(t)).map((t) => PACKAGES[manager][t]))];
}

export function planSetup(facts: SetupFacts): SetupPlan {
  if (facts.platform === 'darwin') return { action: 'unsupported', why: MACOS };
  if (facts.platform === 'win32') return { action: 'unsupported', why: WINDOWS };
  if (facts.missing.length === 0) return { action: 'check' };
  if (facts.platform !== 'linux') {
    return { action: 'unsupported', why: `the code sandbox needs Linux with bubblewrap; this is ${facts.platform}` };
  }
  const manager = facts.packageManager;
  if (!manager) {
    return {
      action: 'tell',
      packages: packagesFor('apt', facts.missing),
      command: `install ${facts.missing.map(describeTool).join(', ')} with this system's package manager (bwrap must be in /usr/bin or /usr/local/bin, python3 in /usr/bin)`,
      why: 'no known package manager (apt-get, dnf, zypper, pacman, apk) on PATH',
    };
  }
  const packages = packagesFor(manager, facts.missing);
  const install = [...INSTALL[manager], ...packages];
  const asUser = facts.root ? '' : 'sudo ';
  if (manager !== 'apt') {
    return { action: 'tell', packages, command: asUser + install.join(' '), why: `setup installs through apt only; this system uses ${manager}` };
  }
  if (!facts.root && !facts.sudo) {
    return { action: 'tell', packages, command: `sudo ${install.filter((a) => a !== '-qq').join(' ')}`, why: 'not root, and no sudo that works without a password' };
  }
  // DEBIAN_FRONTEND through `env`: sudo resets the environment.
  const prefix = facts.root ? [] : ['sudo', '-n', 'env', 'DEBIAN_FRONTEND=noninteractive'];
  return {
    action: 'install',
    packages,
    install: [...prefix, ...install],
    refresh: [...prefix, 'apt-get', 'update', '-qq'],
    env: { DEBIAN_FRONTEND: 'noninteractive' },
  };
}

export function describeTool(tool: Tool): string {
  return { bwrap: 'bubblewrap (bwrap)', python3: 'python3', setpriv: "util-linux's setpriv" }[tool];
}

// The facts planSetup decides from, read from this machine: which sandbox tools answer
// `--version` where the sandbox looks for them, who we are, and what can install packages.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findBwrap, findPython } from '../verify/code/sandbox.js';
import type { PackageManager, SetupFacts, Tool } from './plan.js';

export interface ToolStatus {
  tool: Tool;
  ok: boolean;
  /** Its version line, or why it does not count as present. */
  detail: string;
}

/** `program --version`'s first line, or null when it does not run or fails. */
function versionOf(program: string): string | null {
  const r = spawnSync(program, ['--version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) return null;
  return `${r.stdout}${r.stderr}`.trim().split('\n')[0] || program;
}

function toolStatus(tool: Tool, program: string | null, where: string): ToolStatus {
  if (!program) return { tool, ok: false, detail: `not found (${where})` };
  const version = versionOf(program);
  return version ? { tool, ok: true, detail: `${version} (${program})` } : { tool, ok: false, detail: `${program} --version fails` };
}

function python(): string | null {
  try {
    return findPython();
  } catch {
    return null;
  }
}

/** The tools the sandbox needs here: setpriv only as root (it drops root before bubblewrap). */
export function checkTools(root: boolean): ToolStatus[] {
  const tools = [
    toolStatus('bwrap', findBwrap(), 'looked in /usr/bin and /usr/local/bin'),
    toolStatus('python3', python(), 'looked in /usr/bin and /usr/local/bin'),
  ];
  if (root) tools.push(toolStatus('setpriv', existsSync('/usr/bin/setpriv') ? '/usr/bin/setpriv' : null, 'looked for /usr/bin/setpriv'));
  return tools;
}

const MANAGERS: [PackageManager, string][] = [['apt', 'apt-get'], ['dnf', 'dnf'], ['zypper', 'zypper'], ['pacman', 'pacman'], ['apk', 'apk']];

export function findPackageManager(env: NodeJS.ProcessEnv = process.env): PackageManager | null {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  return MANAGERS.find(([, bin]) => dirs.some((d) => existsSync(path.join(d, bin))))?.[0] ?? null;
}

/** sudo that asks for no password (-n: fail instead of prompting). */
export function canSudo(): boolean {
  return spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export function gatherFacts(tools: ToolStatus[]): SetupFacts {
  const root = isRoot();
  const missing = tools.filter((t) => !t.ok).map((t) => t.tool);
  const linux = process.platform === 'linux';
  return {
    platform: process.platform,
    root,
    // Asked only when it matters: sudo may log the attempt.
    sudo: linux && missing.length > 0 && !root ? canSudo() : false,
    packageManager: linux ? findPackageManager() : null,
    missing,
  };
}

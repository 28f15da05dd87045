// The daemon for a user who installed only the .vsix: npm installs the package tarball
// (rlvr-studio-<version>.tgz, written by `npm run package`; or rlvr-studio@<version> from the
// registry) with its dependencies into the extension's global storage, one folder per
// version. npm is the one run with the daemon's node, so better-sqlite3's native binding
// (downloaded, or built from source by node-gyp) matches the Node that runs the daemon.
// No vscode import: the offer (offer.ts) drives it, unit tests call it directly.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

export const DAEMON_PACKAGE = 'rlvr-studio';

/** Where the CLI of an installed daemon lives (whether or not it is installed). */
export function installedCli(installRoot: string, version: string): string {
  return path.join(installRoot, version, 'node_modules', DAEMON_PACKAGE, 'bin', 'rlvr.js');
}

/** An executable named `name` in one of PATH's folders (PATHEXT's forms on Windows), or null. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (existsSync(candidate)) return candidate;
    }
  }
  return null;
}

/**
 * npm beside the daemon's node (a nodePath of /opt/node20/bin/node gives /opt/node20/bin/npm),
 * with that node's folder first on PATH for npm's `#!/usr/bin/env node` and node-gyp; else
 * npm from PATH.
 */
export function npmFor(nodePath: string, env: NodeJS.ProcessEnv = process.env): { npm: string; env: NodeJS.ProcessEnv } {
  const npmName = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const node = path.isAbsolute(nodePath) ? nodePath : findOnPath(nodePath, env);
  if (node) {
    const dir = path.dirname(node);
    const beside = path.join(dir, npmName);
    if (existsSync(beside)) return { npm: beside, env: { ...env, PATH: `${dir}${path.delimiter}${env.PATH ?? ''}` } };
  }
  return { npm: npmName, env };
}

/** What npm installs: the configured source, else this version from the registry. */
export function packageSpec(configured: string, version: string): string {
  return configured.trim() || `${DAEMON_PACKAGE}@${version}`;
}

export class DaemonInstallError extends Error {
  override name = 'DaemonInstallError';
}

export interface InstallOptions {
  /** A tarball path or URL, or an npm spec (packageSpec). */
  source: string;
  /** The extension's global storage folder for daemons: one subfolder per version. */
  installRoot: string;
  /** The extension's version: the daemon installed must be the same one. */
  version: string;
  nodePath: string;
  log: (line: string) => void;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

/** Installs the daemon, replacing an earlier install of the same version; returns its CLI. */
export async function installDaemon(opts: InstallOptions): Promise<string> {
  const { npm, env } = npmFor(opts.nodePath, opts.env ?? process.env);
  const final = path.join(opts.installRoot, opts.version);
  // A staging folder, renamed into place once complete: a cancelled or failed install never
  // leaves a half-installed daemon where the extension looks for one.
  const staging = path.join(opts.installRoot, `.${opts.version}-installing-${process.pid}-${Date.now()}`);
  await mkdir(staging, { recursive: true });
  try {
    await writeFile(path.join(staging, 'package.json'), `${JSON.stringify({ name: 'rlvr-daemon', private: true }, null, 2)}\n`);
    const args = ['install', '--omit=dev', '--no-audit', '--no-fund', '--foreground-scripts', opts.source];
    opts.log(`${npm} ${args.join(' ')} (in ${staging})`);
    const started = Date.now();
    const { code, output, spawnError } = await runNpm(npm, args, staging, env, opts.log, opts.signal);
    if (opts.signal?.aborted) throw new DaemonInstallError('the install was cancelled');
    if (spawnError || code !== 0) throw new DaemonInstallError(explainInstallFailure({ npm, source: opts.source, code, output, spawnError }));

    const installed = path.join(staging, 'node_modules', DAEMON_PACKAGE);
    let version: string | undefined;
    try {
      version = (JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')) as { version?: string }).version;
    } catch {
      throw new DaemonInstallError(`${opts.source} did not install a ${DAEMON_PACKAGE} package (no ${path.join(installed, 'package.json')})`);
    }
    if (version !== opts.version) {
      throw new DaemonInstallError(
        `${opts.source} holds ${DAEMON_PACKAGE} ${version}, but this extension is ${opts.version}: install ${DAEMON_PACKAGE}-${opts.version}.tgz (\`npm run package\` writes it beside the .vsix)`,
      );
    }
    if (!existsSync(path.join(installed, 'out', 'daemon', 'cli', 'main.js'))) {
      throw new DaemonInstallError(`${opts.source} holds no built daemon (out/daemon/cli/main.js): make the tarball with \`npm run package\``);
    }
    await rm(final, { recursive: true, force: true });
    await rename(staging, final);
    opts.log(`installed ${DAEMON_PACKAGE} ${version} in ${final} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    return installedCli(opts.installRoot, opts.version);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

interface NpmRun {
  code: number | null;
  output: string[];
  spawnError?: NodeJS.ErrnoException;
}

function runNpm(npm: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, log: (line: string) => void, signal?: AbortSignal): Promise<NpmRun> {
  return new Promise((resolve) => {
    // npm.cmd on Windows runs only through a shell.
    const child = spawn(npm, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
    const output: string[] = [];
    const onLine = (line: string) => {
      output.push(line);
      if (output.length > 400) output.shift();
      log(line);
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    const abort = () => child.kill('SIGTERM');
    if (signal?.aborted) abort();
    else signal?.addEventListener('abort', abort, { once: true });
    let spawnError: NodeJS.ErrnoException | undefined;
    child.once('error', (err) => (spawnError = err));
    child.once('close', (code) => {
      signal?.removeEventListener('abort', abort);
      resolve({ code, output, spawnError });
    });
  });
}

/** One message for a failed install: what failed and how to fix it, from npm's output. */
export function explainInstallFailure(run: { npm: string; source: string; code: number | null; output: string[]; spawnError?: NodeJS.ErrnoException }): string {
  if (run.spawnError) {
    return run.spawnError.code === 'ENOENT'
      ? `npm was not found (${run.npm}): install Node.js 20 or newer with npm, or set rlvr.daemon.nodePath to a node whose folder also holds npm`
      : `npm could not start (${run.npm}: ${run.spawnError.message})`;
  }
  const text = run.output.join('\n');
  if (/gyp ERR!|node-gyp/.test(text) && /better-sqlite3/.test(text)) {
    return 'better-sqlite3 (the run store) had no prebuilt binary for this Node and platform, and building it from source failed: ' +
      'install build tools (Debian/Ubuntu: sudo apt-get install build-essential python3; Fedora: sudo dnf install gcc-c++ make python3; macOS: xcode-select --install), ' +
      'and offline point npm at the Node headers (npm_config_nodedir=/usr); the output above says more';
  }
  if (/ENOENT/.test(text) && /\.tgz|\.tar\.gz/.test(run.source) && !/E404/.test(text)) {
    return `the tarball ${run.source} could not be read: choose the rlvr-studio-<version>.tgz that \`npm run package\` writes`;
  }
  if (/E404|404 Not Found/.test(text)) {
    return `npm found no ${run.source}: until ${DAEMON_PACKAGE} is published there, choose the tarball \`npm run package\` writes ("Choose tarball..." or the rlvr.daemon.package setting)`;
  }
  if (/ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNREFUSED|ECONNRESET|network/i.test(text)) {
    return "npm could not reach the registry, where the daemon's dependencies come from: connect, or set a registry mirror in ~/.npmrc";
  }
  const last = [...run.output].reverse().find((l) => /npm (ERR|error)/.test(l)) ?? run.output.at(-1) ?? '';
  return `npm install exited with ${run.code === null ? 'a signal' : `code ${run.code}`}${last ? `: ${last.trim()}` : ''}`;
}

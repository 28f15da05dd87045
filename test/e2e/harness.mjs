// The pieces run.mjs puts together: a code-server in its own process group with a temp
// HOME, a headless Debian Chromium driven by playwright-core, and bounded waits.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const CHROMIUM = process.env.RLVR_CHROMIUM ?? '/usr/bin/chromium';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export async function waitUntil(what, probe, timeoutMs, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${last ? ` (${last.message ?? last})` : ''}`);
}

/**
 * Starts code-server with everything it writes kept under a fresh temp dir. `setsid`
 * (detached) puts it and every child (extension hosts, file watchers, the daemon the
 * extension starts) in one process group, so stop() leaves nothing behind.
 */
export async function startCodeServer({ bin, root, extraEnv = {}, extensionLinks = [], vsix, userSettings = {} }) {
  const run = mkdtempSync(path.join(tmpdir(), 'rlvr-e2e-'));
  const dirs = Object.fromEntries(['home', 'config', 'data', 'cache', 'ud', 'ext', 'rlvr'].map((d) => [d, path.join(run, d)]));
  Object.values(dirs).forEach((d) => mkdirSync(d, { recursive: true }));
  mkdirSync(path.join(dirs.ud, 'User'), { recursive: true });
  writeFileSync(
    path.join(dirs.ud, 'User', 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.enableExperiments': false,
      'extensions.autoUpdate': false,
      'extensions.autoCheckUpdates': false,
      'telemetry.telemetryLevel': 'off',
      'security.workspace.trust.enabled': false,
      'update.mode': 'none',
      'chat.disableAIFeatures': true,
      'git.openRepositoryInParentFolders': 'never',
      ...userSettings,
    }),
  );
  for (const { name, target } of extensionLinks) symlinkSync(target, path.join(dirs.ext, name));
  const port = await freePort();
  const log = path.join(run, 'code-server.log');
  const fd = openSync(log, 'a');
  const env = {
    ...process.env,
    HOME: dirs.home,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.data,
    XDG_CACHE_HOME: dirs.cache,
    RLVR_DATA_DIR: dirs.rlvr,
    ...extraEnv,
  };
  if (vsix) {
    // The way a user installs it: the packaged .vsix through code-server's own installer.
    const r = spawnSync(bin, ['--install-extension', vsix, '--extensions-dir', dirs.ext, '--user-data-dir', dirs.ud], { env, encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`code-server --install-extension ${vsix} failed (${r.status}): ${r.stdout}${r.stderr}`);
  }
  const args = [
    '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
    '--user-data-dir', dirs.ud, '--extensions-dir', dirs.ext, root,
  ];
  const child = spawn(bin, args, { cwd: root, env, detached: true, stdio: ['ignore', fd, fd] });
  const stop = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    // Give the extension host time to stop the daemon cleanly, then make sure.
    const deadline = Date.now() + 4000;
    while (Date.now() < deadline) {
      try {
        process.kill(-child.pid, 0);
      } catch {
        return;
      }
      spawnSync('sleep', ['0.2']);
    }
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const base = `http://127.0.0.1:${port}`;
  await waitUntil('code-server /healthz', async () => (await fetch(`${base}/healthz`)).ok, 60_000, 300).catch((err) => {
    stop();
    throw err;
  });
  return { run, port, base, dirs, log, stop, pid: child.pid };
}

export async function launchBrowser(chromium, userDataDir) {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1600, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export function have(p) {
  return existsSync(p);
}

// The .vsix alone: a fresh code-server (its own extensions dir, user data and global
// storage) with only the packaged .vsix installed, a workspace that is not a checkout, no
// rlvr.daemon.path and no `rlvr` on PATH. "RLVR: Start RL stage" must offer to install the
// daemon; accepting installs the locally built npm tarball (rlvr.daemon.package) into the
// extension's global storage, starts that daemon and trains a tiny config from the dashboard.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launchBrowser, startCodeServer, waitUntil } from './harness.mjs';
import { PALETTE_INPUT, PICK_ROW, dashboard, runCommand } from './ui.mjs';

const INSTALL_TIMEOUT_MS = Number(process.env.RLVR_E2E_INSTALL_TIMEOUT_MS ?? 900_000);

/** PATH without any folder that holds an `rlvr`: the user has no daemon CLI. */
function pathWithoutRlvr(p) {
  return p.split(path.delimiter).filter((dir) => dir && !existsSync(path.join(dir, 'rlvr'))).join(path.delimiter);
}

/** npm's cache of the user running the tests: the install reuses what is downloaded there. */
function npmCache() {
  const r = spawnSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export async function vsixOnlyTest({ chromium, codeServer, vsix, tarball, tinyConfig, artifacts, log }) {
  const out = path.join(artifacts, 'vsix-only');
  mkdirSync(out, { recursive: true });
  const shot = (page, name) => page.screenshot({ path: path.join(out, name) }).catch(() => undefined);
  const workspace = mkdtempSync(path.join(tmpdir(), 'rlvr-vsix-only-ws-'));
  copyFileSync(tinyConfig, path.join(workspace, 'tiny.yaml'));
  let server;
  let browser;
  const name = 'the .vsix alone: "Start RL stage" offers the daemon, installs the npm tarball into global storage, starts it and trains';
  const t0 = Date.now();
  try {
    server = await startCodeServer({
      bin: codeServer,
      root: workspace,
      vsix,
      userSettings: { 'rlvr.daemon.package': tarball, 'rlvr.maxStepsPerStage': 1 },
      extraEnv: {
        PATH: pathWithoutRlvr(process.env.PATH ?? ''),
        ...(npmCache() ? { npm_config_cache: npmCache() } : {}),
      },
    });
    log(`code-server ${server.base} (pid ${server.pid}): only ${path.basename(vsix)} installed, workspace ${workspace}`);
    browser = await launchBrowser(chromium, path.join(server.run, 'chromium'));
    const page = await browser.newPage();
    await page.goto(`${server.base}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 90_000 });

    await runCommand(page, 'RLVR: Start RL stage');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 60_000 });
    const text = await dialog.textContent();
    if (!/needs its daemon and found none/.test(text)) throw new Error(`unexpected dialog: ${text}`);
    for (const button of ['Install daemon', 'Choose tarball...', 'Cancel']) {
      if (!(await dialog.locator('.monaco-button', { hasText: button }).count())) throw new Error(`the offer has no "${button}" button: ${text}`);
    }
    await shot(page, 'offer.png');
    await dialog.locator('.monaco-button', { hasText: 'Install daemon' }).click();
    const installStarted = Date.now();
    await page.locator('.notifications-toasts', { hasText: 'installing the daemon' }).first().waitFor({ timeout: 30_000 });
    await shot(page, 'installing.png');

    // Installed and started, the command goes on: the config pick.
    await page.locator(PICK_ROW, { hasText: 'tiny.yaml' }).first().waitFor({ timeout: INSTALL_TIMEOUT_MS });
    const installSeconds = (Date.now() - installStarted) / 1000;
    log(`    (daemon installed and started in ${installSeconds.toFixed(0)} s)`);
    await page.locator(PALETTE_INPUT).fill('tiny.yaml');
    await page.keyboard.press('Enter');
    await page.locator(PICK_ROW, { hasText: 'math-short' }).first().waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');

    const live = dashboard(page).locator('#live');
    await live.waitFor({ state: 'attached', timeout: 120_000 });
    const title = dashboard(page).locator('h1');
    await waitUntil('the tiny run to end in the dashboard', async () => /— (finished|failed)/.test(await title.textContent({ timeout: 2000 })), 300_000, 1000);
    if (!/— finished/.test(await title.textContent())) throw new Error(`the run did not finish: ${await title.textContent()}`);
    const steps = Number(await live.getAttribute('data-steps'));
    if (!(steps >= 2)) throw new Error(`the dashboard shows ${steps} steps, expected one per stage`);
    await shot(page, 'trained.png');

    // The daemon that trained is the one installed into the extension's global storage.
    const lock = JSON.parse(readFileSync(path.join(server.dirs.rlvr, 'daemon.lock'), 'utf8'));
    const cmdline = readFileSync(`/proc/${lock.pid}/cmdline`, 'utf8').split('\0').join(' ');
    const storage = path.join(server.dirs.ud, 'User', 'globalStorage', 'rlvr-studio.rlvr-studio', 'daemon');
    if (!cmdline.includes(path.join(storage, '')) || !/node_modules\/rlvr-studio\/bin\/rlvr\.js serve/.test(cmdline)) {
      throw new Error(`the daemon (pid ${lock.pid}) is not the installed one: ${cmdline}`);
    }
    log(`  ✔ ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s; install ${installSeconds.toFixed(0)} s)`);
    return { passed: 1, failed: 0, installSeconds };
  } catch (err) {
    log(`  ✖ ${name}\n    ${String(err.stack ?? err).split('\n').slice(0, 6).join('\n    ')}`);
    const pages = browser?.pages() ?? [];
    if (pages.length) await shot(pages.at(-1), 'FAILED.png');
    return { passed: 0, failed: 1 };
  } finally {
    await browser?.close().catch(() => undefined);
    if (server) {
      server.stop();
      try {
        copyFileSync(server.log, path.join(out, 'code-server.log'));
        cpSync(path.join(server.dirs.ud, 'logs'), path.join(out, 'logs'), { recursive: true });
      } catch {
        // nothing written yet
      }
      rmSync(server.run, { recursive: true, force: true });
    }
    rmSync(workspace, { recursive: true, force: true });
  }
}

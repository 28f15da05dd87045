#!/usr/bin/env node
// `npm run test:e2e` (and the last layer of `npm test`): the extension in a real VS Code.
// Installs nothing (.ci/run and test/e2e/install.sh do). Builds the bundles, starts
// code-server, then runs
//   1. the extension-host tests (mocha; the suite .vscode-test.mjs gives desktop VS Code,
//      test/extension/suite.mjs) through the workbench `payload` URL, against a real daemon
//      the extension starts;
//   2. the UI tests (ui.mjs) with playwright-core + Debian Chromium, saving screenshots
//      under test-artifacts/;
//   3. the .vsix alone (vsix-only.mjs): a second, fresh code-server with only the .vsix and
//      no daemon anywhere; "Start RL stage" installs the npm tarball built here and trains.
// RLVR_E2E_LAYERS=host,ui,vsix-only (a comma list) runs only those layers.
// stops everything (process groups), prints `e2e: N passed, N failed`, exits non-zero on failure.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { format } from 'node:util';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeServerTestOptions, EXTENSION_HOST_SUITE } from '../extension/suite.mjs';
import { CHROMIUM, have, launchBrowser, startCodeServer } from './harness.mjs';
import { uiTests } from './ui.mjs';
import { vsixOnlyTest } from './vsix-only.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const CODE_SERVER = path.join(HERE, 'node_modules', '.bin', 'code-server');
const RUNNER = path.join(ROOT, 'node_modules', '@vscode', 'test-cli', 'out', 'runner.cjs');
const EXT_TIMEOUT_MS = Number(process.env.RLVR_E2E_EXT_TIMEOUT_MS ?? 480_000);
const LAYERS = new Set((process.env.RLVR_E2E_LAYERS ?? 'host,ui,vsix-only').split(',').map((l) => l.trim()));

let passed = 0;
let failed = 0;
const log = (line) => console.log(line);

function finish(code) {
  log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(code || (failed ? 1 : 0));
}

const missing = [
  [CODE_SERVER, 'code-server (cd test/e2e && ./install.sh)'],
  [path.join(HERE, 'node_modules', 'playwright-core'), 'playwright-core (cd test/e2e && ./install.sh)'],
  [CHROMIUM, 'chromium (apt-get install chromium)'],
  [RUNNER, '@vscode/test-cli (npm install)'],
  [path.join(ROOT, 'out', 'daemon', 'cli', 'main.js'), 'the compiled daemon (npm run build)'],
].filter(([p]) => !have(p));
if (missing.length) {
  const what = missing.map(([, m]) => m).join(', ');
  if (process.env.RLVR_E2E_REQUIRED) {
    console.error(`e2e: missing ${what}`);
    failed = 1;
    finish(1);
  }
  log(`e2e: skipped, missing ${what}`);
  finish(0);
}

function step(what, cmd, args) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`e2e: ${what} failed:\n${r.stdout}${r.stderr}`);
    failed += 1;
    finish(1);
  }
}

// ---- build: the extension bundle, the webview bundle, the extension-host tests --------
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
step('type-checking the extension', process.execPath, [TSC, '--noEmit', '-p', 'extension/tsconfig.json']);
step('type-checking the webview', process.execPath, [TSC, '--noEmit', '-p', 'webview/tsconfig.json']);
step('bundling the extension', process.execPath, ['scripts/build-extension.mjs']);
step('compiling the extension-host tests', process.execPath, [TSC, '-p', 'test/extension/tsconfig.json']);
writeFileSync(path.join(ROOT, 'out-ext', 'package.json'), '{ "type": "commonjs" }\n');

rmSync(ARTIFACTS, { recursive: true, force: true });
mkdirSync(ARTIFACTS, { recursive: true });
// Layer 2 runs the extension as a user installs it: this .vsix, through code-server's installer.
const VSIX = path.join(ARTIFACTS, 'rlvr-studio.vsix');
step('packaging the .vsix', process.execPath, [
  path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', VSIX,
]);

// Layer 3 installs the daemon from the npm package tarball, as `npm run package` writes it
// (out/ is built: `npm run test:e2e` builds first).
step('packing the npm tarball', 'npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', ARTIFACTS]);

const { chromium } = createRequire(path.join(HERE, 'package.json'))('playwright-core');
const pkg = JSON.parse((await import('node:fs')).readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const extensionFolder = `${pkg.publisher}.${pkg.name}-${pkg.version}`;
const TARBALL = path.join(ARTIFACTS, `${pkg.name}-${pkg.version}.tgz`);
log(`installing ${extensionFolder} from ${path.relative(ROOT, VSIX)} (${Math.round(statSync(VSIX).size / 1024)} KB)`);
const workspace = path.resolve(ROOT, EXTENSION_HOST_SUITE.workspaceFolder);

let server;
let browser;
const cleanup = async () => {
  await browser?.close().catch(() => undefined);
  browser = undefined;
  if (server) {
    server.stop();
    try {
      copyFileSync(server.log, path.join(ARTIFACTS, 'code-server.log'));
      // The workbench's and extension hosts' logs, the RLVR output channel among them.
      cpSync(path.join(server.dirs.ud, 'logs'), path.join(ARTIFACTS, 'logs'), { recursive: true });
    } catch {
      // nothing written yet
    }
    rmSync(server.run, { recursive: true, force: true });
    server = undefined;
  }
};
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    void cleanup().finally(() => process.exit(130));
  });
}

try {
  if (LAYERS.has('host') || LAYERS.has('ui')) {
    server = await startCodeServer({
      bin: CODE_SERVER,
      root: workspace,
      // Layer 1 loads the checkout as a development extension; layer 2 uses the installed .vsix,
      // which carries no daemon: it runs this checkout's CLI, as a user's setting would say.
      vsix: VSIX,
      userSettings: { 'rlvr.daemon.path': path.join(ROOT, 'bin', 'rlvr.js') },
      extraEnv: {
        VSCODE_TEST_OPTIONS: JSON.stringify(codeServerTestOptions(ROOT)),
      },
    });
    log(`code-server ${server.base} (pid ${server.pid}), data in ${server.run}`);
    browser = await launchBrowser(chromium, path.join(server.run, 'chromium'));
  }

  // ---- layer 1: extension-host tests through the workbench payload URL ---------------
  if (LAYERS.has('host')) {
    log('\n--- extension-host tests (mocha in code-server) ---');
    const page = await browser.newPage();
    const output = [];
    let exit;
    const exited = new Promise((resolve) => (exit = resolve));
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      // Mocha's reporter logs printf-style: ['%s%d) %s', ...].
      const line = Array.isArray(args) ? format(...args) : String(args);
      output.push(line);
      log(line);
    });
    await page.exposeFunction('codeAutomationExit', (code) => exit(code));
    const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(ROOT)],
      ['extensionTestsPath', remote(RUNNER)],
    ];
    const url = `${server.base}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url);
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), EXT_TIMEOUT_MS))]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'extension-host-tests.png') }).catch(() => undefined);
    const text = output.join('\n');
    const passing = Number(/(\d+) passing/.exec(text)?.[1] ?? 0);
    const failing = Number(/(\d+) failing/.exec(text)?.[1] ?? 0);
    passed += passing;
    failed += failing;
    if (code === 'timeout') {
      log(`extension-host tests did not finish within ${EXT_TIMEOUT_MS / 1000} s`);
      failed += 1;
    } else if (code !== 0 && failing === 0) {
      log(`extension-host tests exited with ${code}`);
      failed += 1;
    } else if (passing === 0 && failing === 0) {
      log('extension-host tests reported nothing');
      failed += 1;
    }
    await page.close();
  }

  // ---- layer 2: UI tests in Chromium -----------------------------------------------------
  if (LAYERS.has('ui')) {
    log('\n--- UI tests (playwright-core + chromium) ---');
    const results = await uiTests({ browser, server, workspace, artifacts: ARTIFACTS, log });
    passed += results.passed;
    failed += results.failed;
  }
  await cleanup();

  // ---- layer 3: the .vsix alone, in a fresh code-server -----------------------------------
  if (LAYERS.has('vsix-only')) {
    log('\n--- the .vsix alone (fresh code-server, daemon installed from the npm tarball) ---');
    const results = await vsixOnlyTest({
      chromium,
      codeServer: CODE_SERVER,
      vsix: VSIX,
      tarball: TARBALL,
      tinyConfig: path.join(ROOT, 'test', 'configs', 'tiny.yaml'),
      artifacts: ARTIFACTS,
      log,
    });
    passed += results.passed;
    failed += results.failed;
  }
} catch (err) {
  console.error(`e2e: ${err.stack ?? err}`);
  failed += 1;
} finally {
  await cleanup();
}
finish(0);

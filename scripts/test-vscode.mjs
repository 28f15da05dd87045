// `npm run test:vscode` (after the build): the extension-host suite in desktop VS Code through
// @vscode/test-cli, as Microsoft's Extension Test Runner runs it (.vscode-test.mjs). VS Code is
// VSCODE_EXECUTABLE_PATH, or the copy @vscode/test-electron downloads into .vscode-test/. That
// copy is fetched first, here: where it cannot be (no route to Microsoft's update servers),
// one line says so and names the command that runs the same suite in code-server.
// Arguments go to vscode-test (e.g. --label, --grep, --code-version).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);

/** Quiet unless VS Code is really being downloaded (then one line per 10%). */
function downloadReporter() {
  let shown = -1;
  return {
    report(r) {
      if (r.stage === 'downloading' && r.totalBytes > 0) {
        const tenth = Math.floor((10 * r.bytesSoFar) / r.totalBytes);
        if (tenth !== shown) console.log(`test:vscode: downloading VS Code ${10 * tenth}% of ${Math.round(r.totalBytes / 2 ** 20)} MB`);
        shown = tenth;
      } else if (r.stage === 'newInstallComplete') {
        console.log(`test:vscode: VS Code installed in ${path.relative(ROOT, r.downloadedPath)}`);
      }
    },
    error() {
      // the caller says what failed, in one line
    },
  };
}

function option(name) {
  const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return undefined;
  return args[i].includes('=') ? args[i].slice(args[i].indexOf('=') + 1) : args[i + 1];
}

const installed = process.env.VSCODE_EXECUTABLE_PATH;
if (installed && !existsSync(installed)) {
  console.error(`test:vscode: VSCODE_EXECUTABLE_PATH names no file (${installed}). Unset it to download VS Code, or run the same suite in code-server: npm run test:e2e`);
  process.exit(1);
}
if (!installed) {
  try {
    const { downloadAndUnzipVSCode } = require('@vscode/test-electron');
    // The version vscode-test will ask for: --code-version, else the newest that satisfies engines.vscode.
    await downloadAndUnzipVSCode({
      version: option('--code-version'),
      extensionDevelopmentPath: ROOT,
      cachePath: path.join(ROOT, '.vscode-test'),
      reporter: downloadReporter(),
    });
  } catch (err) {
    const why = String(err instanceof Error ? err.message : err).split('\n')[0];
    console.error(`test:vscode: no VS Code to run the extension-host tests in (download failed: ${why}; set VSCODE_EXECUTABLE_PATH to use an installed one). The same suite runs in code-server: npm run test:e2e`);
    process.exit(1);
  }
}

const cli = path.join(ROOT, 'node_modules', '@vscode', 'test-cli', 'out', 'bin.mjs');
const run = spawnSync(process.execPath, [cli, ...args], { cwd: ROOT, stdio: 'inherit' });
process.exit(run.status ?? 1);

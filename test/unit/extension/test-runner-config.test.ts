// The Extension Test Runner's door: .vscode-test.mjs loads through @vscode/test-cli itself
// (`vscode-test --list-configuration`, what Microsoft's Extension Test Runner asks), lists every
// extension-host test, and names the same files, workspace and mocha options that the code-server
// run (test/e2e/run.mjs) uses; where VS Code cannot be had, `npm run test:vscode` says so in
// one line instead of a stack trace.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT as ROOT } from '../../../daemon/data/fixtures.js';

interface Suite {
  EXTENSION_HOST_SUITE: { label: string; files: string; workspaceFolder: string; mocha: { ui: string; timeout: number } };
  codeServerTestOptions(root: string): { files: string[]; mochaOpts: Record<string, unknown>; preload: string[] };
}

interface ListedConfig {
  path: string;
  config: { label?: string; launchArgs?: string[] };
  extensionDevelopmentPath: string[];
  extensionTestsPath: string;
  env: { VSCODE_TEST_OPTIONS: string; RLVR_DATA_DIR?: string };
}

const suiteModule = (): Promise<Suite> => import(pathToFileURL(path.join(ROOT, 'test', 'extension', 'suite.mjs')).href) as Promise<Suite>;

/** Every test/extension/**\/*.test.ts, as the file tsc compiles it to. */
function sourceTests(): string[] {
  const dir = path.join(ROOT, 'test', 'extension');
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join(ROOT, 'out-ext', 'test', 'extension', f.replace(/\.ts$/, '.js')))
    .sort();
}

test('.vscode-test.mjs lists every extension-host test, with the workspace and mocha options code-server runs them with', { timeout: 180_000 }, async () => {
  // The tests as VS Code loads them: compiled to out-ext/ (what `npm run test:vscode` builds first).
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'test', 'extension', 'tsconfig.json')], { cwd: ROOT, stdio: 'pipe' });
  const listed = execFileSync(process.execPath, [path.join(ROOT, 'node_modules', '@vscode', 'test-cli', 'out', 'bin.mjs'), '--list-configuration'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, VSCODE_EXECUTABLE_PATH: '' },
  });
  const configs = JSON.parse(listed) as ListedConfig[];
  const { EXTENSION_HOST_SUITE, codeServerTestOptions } = await suiteModule();
  assert.equal(configs.length, 1, 'one configuration: the extension-host suite');
  const [desktop] = configs;
  assert.equal(desktop.path, path.join(ROOT, '.vscode-test.mjs'));
  assert.equal(desktop.config.label, EXTENSION_HOST_SUITE.label);
  assert.deepEqual(desktop.extensionDevelopmentPath, [ROOT], 'the checkout is the extension under test');
  assert.equal(desktop.extensionTestsPath, path.join(ROOT, 'node_modules', '@vscode', 'test-cli', 'out', 'runner.cjs'), 'the same runner code-server loads');

  const desktopOptions = JSON.parse(desktop.env.VSCODE_TEST_OPTIONS) as { files: string[]; mochaOpts: Record<string, unknown>; preload: string[] };
  const codeServer = codeServerTestOptions(ROOT);
  const expected = sourceTests();
  assert.ok(expected.length >= 3, `the extension-host tests: ${expected.join(', ')}`);
  assert.deepEqual([...desktopOptions.files].sort(), expected, 'desktop VS Code runs every test file of test/extension');
  assert.deepEqual([...codeServer.files].sort(), [...desktopOptions.files].sort(), 'code-server runs the same files as desktop VS Code');
  for (const key of ['ui', 'timeout'] as const) assert.equal(codeServer.mochaOpts[key], desktopOptions.mochaOpts[key], `mocha ${key}`);
  assert.deepEqual(codeServer.preload, desktopOptions.preload);

  // Same workspace: the folder run.mjs opens in code-server is the one desktop VS Code is launched on.
  assert.deepEqual(desktop.config.launchArgs, [path.resolve(ROOT, EXTENSION_HOST_SUITE.workspaceFolder)]);
  assert.equal(path.resolve(ROOT, EXTENSION_HOST_SUITE.workspaceFolder), path.join(ROOT, 'test', 'e2e', 'configs'), 'the UI tests\' workspace (small.yaml)');
  // Its daemon never writes the user's own runs or kills the user's daemon.
  assert.equal(desktop.env.RLVR_DATA_DIR, path.join(ROOT, '.vscode-test', 'rlvr-data'));
});

test('`npm run test:vscode` with no VS Code to be had: one line pointing to `npm run test:e2e`, no stack trace', { timeout: 60_000 }, () => {
  // Version 0.0.0 exists nowhere: offline the lookup fails, online it is refused; nothing downloads either way.
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'test-vscode.mjs'), '--code-version', '0.0.0'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, VSCODE_EXECUTABLE_PATH: '' },
    timeout: 50_000,
  });
  assert.equal(r.status, 1);
  const lines = `${r.stdout}${r.stderr}`.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${r.stdout}${r.stderr}`);
  assert.match(lines[0], /^test:vscode: no VS Code to run the extension-host tests in \(download failed: .+\)\. The same suite runs in code-server: npm run test:e2e$/);
  assert.doesNotMatch(lines[0], /\bat .+:\d+:\d+/, 'no stack frame');

  const missing = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'test-vscode.mjs')], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, VSCODE_EXECUTABLE_PATH: '/nonexistent/code' } });
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr.trim().split('\n').length, 1);
  assert.match(missing.stderr, /VSCODE_EXECUTABLE_PATH names no file \(\/nonexistent\/code\).*npm run test:e2e/);
});

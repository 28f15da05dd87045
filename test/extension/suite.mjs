// The extension-host test suite, declared once. .vscode-test.mjs hands it to @vscode/test-cli
// (`npm run test:vscode`, and Microsoft's Extension Test Runner in desktop VS Code);
// test/e2e/run.mjs runs the same files in code-server, with the same workspace and mocha
// options. test/unit/extension/test-runner-config.test.ts fails if the two lists drift.
import { readdirSync } from 'node:fs';
import path from 'node:path';

/** Where `tsc -p test/extension/tsconfig.json` compiles the tests (CommonJS: VS Code require()s them). */
export const COMPILED_TESTS_DIR = 'out-ext/test/extension';

export const EXTENSION_HOST_SUITE = {
  label: 'extension-host',
  files: `${COMPILED_TESTS_DIR}/**/*.test.js`,
  // The UI tests' workspace too: the stage configs a user would pick from.
  workspaceFolder: './test/e2e/configs',
  mocha: { ui: 'tdd', timeout: 300_000 },
};

/** The test files code-server runs: every compiled *.test.js under COMPILED_TESTS_DIR. */
export function compiledTestFiles(root) {
  const dir = path.join(root, COMPILED_TESTS_DIR);
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.test.js'))
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * VSCODE_TEST_OPTIONS for @vscode/test-cli's runner inside code-server: what the CLI builds
 * for desktop VS Code from EXTENSION_HOST_SUITE, with the spec reporter and no colours
 * (the output is read back through the page).
 */
export function codeServerTestOptions(root) {
  return {
    mochaOpts: { ...EXTENSION_HOST_SUITE.mocha, color: false, reporter: 'spec' },
    files: compiledTestFiles(root),
    preload: [],
    colorDefault: false,
  };
}

// For desktop VS Code: `npm run test:vscode` (scripts/test-vscode.mjs) and Microsoft's Extension
// Test Runner read this file. The suite itself (files, workspace, mocha options) is declared in
// test/extension/suite.mjs, which test/e2e/run.mjs runs in code-server (`npm run test:e2e`).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@vscode/test-cli';
import { EXTENSION_HOST_SUITE } from './test/extension/suite.mjs';

const root = path.dirname(fileURLToPath(import.meta.url));
// A VS Code already on this machine, instead of the copy @vscode/test-electron downloads.
const installed = process.env.VSCODE_EXECUTABLE_PATH;

export default defineConfig({
  ...EXTENSION_HOST_SUITE,
  // The tests' daemon keeps its runs and lock file here, never in the user's data directory
  // (code-server's run uses a temp dir the same way).
  env: { RLVR_DATA_DIR: path.join(root, '.vscode-test', 'rlvr-data') },
  ...(installed ? { useInstallation: { fromPath: installed } } : {}),
});

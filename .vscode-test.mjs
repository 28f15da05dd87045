// For desktop VS Code's Extension Test Runner (and `npx vscode-test`); here the same files
// run inside code-server through test/e2e/run.mjs. `npm run test:vscode` builds and runs them.
import { defineConfig } from '@vscode/test-cli';

export default defineConfig({
  files: 'out-ext/test/**/*.test.js',
  workspaceFolder: './test/configs',
  mocha: { ui: 'tdd', timeout: 300_000 },
});

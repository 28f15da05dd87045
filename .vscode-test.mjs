// For desktop VS Code's Extension Test Runner (and `npx vscode-test`); here the same files
// run inside code-server through test/e2e/run.mjs. Build first: `npm run build && npm run build:extension`.
import { defineConfig } from '@vscode/test-cli';

export default defineConfig({
  files: 'out-ext/test/**/*.test.js',
  workspaceFolder: './test/configs',
  mocha: { ui: 'tdd', timeout: 300_000 },
});

#!/usr/bin/env node
// The `rlvr` command: a thin shim over the compiled daemon CLI.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../out/daemon/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('rlvr: the daemon is not built (out/ is missing). Run `npm install` or `npm run build` in ' +
    fileURLToPath(new URL('..', import.meta.url)));
  process.exit(2);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));

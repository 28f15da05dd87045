// `npm run build:extension`: bundles the extension (CommonJS, for the extension host; the
// package is "type": "module", hence .cjs) and the webviews, dashboard and curation report (browser IIFE + CSS).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
// --tests: also compile the extension-host tests to out-ext/ (CommonJS: VS Code require()s them).
const tests = process.argv.includes('--tests');

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'info' };

const builds = [
  {
    ...common,
    entryPoints: ['extension/main.ts'],
    outfile: 'dist/extension.cjs',
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // ws probes these optional native speed-ups with require() in a try/catch.
    external: ['vscode', 'bufferutil', 'utf-8-validate'],
  },
  {
    ...common,
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview.js',
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
  },
  {
    ...common,
    entryPoints: ['webview/curation/main.ts'],
    outfile: 'dist/curation.js',
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
  },
];

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}

if (tests) {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'test/extension/tsconfig.json'], { stdio: 'inherit' });
  mkdirSync('out-ext', { recursive: true });
  writeFileSync('out-ext/package.json', '{ "type": "commonjs" }\n');
}

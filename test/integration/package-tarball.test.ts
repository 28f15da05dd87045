// The npm package tarball (`npm pack`, written by `npm run package` beside the .vsix) is what
// a .vsix-only user's extension installs as its daemon: it must hold the CLI, the compiled
// daemon, and the files the daemon reads from the source tree at run time, and none of the
// tests, extension sources or e2e dependencies. Listed with npm's own packer (.npmignore).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../../daemon/data/fixtures.js';

interface PackListing {
  filename: string;
  files: { path: string }[];
}

const listing = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: PROJECT_ROOT, encoding: 'utf8' })) as PackListing[];
const files = new Set(listing[0].files.map((f) => f.path));
const version = (JSON.parse(readFileSync(`${PROJECT_ROOT}/package.json`, 'utf8')) as { version: string }).version;

test('the tarball is rlvr-studio-<version>.tgz', () => {
  assert.equal(listing[0].filename, `rlvr-studio-${version}.tgz`);
});

test('it holds the CLI, the compiled daemon and what the daemon reads at run time', () => {
  for (const f of [
    'package.json',
    'README.md',
    'bin/rlvr.js',
    'out/daemon/cli/main.js',
    'out/daemon/cli/serve.js',
    'out/daemon/cli/train.js',
    'out/daemon/model/webgpu-probe-child.js',
    'out/daemon/engine/worker/engine-worker.js',
    'out/daemon/verify/math-worker.js',
    'out/shared/protocol.js',
    'daemon/verify/code/worker.py',
    'daemon/assets/default.yaml',
    'daemon/assets/warmstart/manifest.json',
    'daemon/assets/warmstart/weights.bin',
  ]) {
    assert.ok(files.has(f), `${f} is missing from the tarball`);
  }
});

test('and nothing of the tests, the extension, the webview, sources or source maps', () => {
  const junk = [...files].filter((f) => /^(test|out\/test|out\/extension|out-ext|extension|webview|dist|scripts|media|node_modules|\.ci|test-artifacts)\/|\.map$|\.ts$|\.vsix$|\.tgz$/.test(f));
  assert.deepEqual(junk, []);
});

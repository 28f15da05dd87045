// Installing the daemon for a .vsix-only user, with the real npm on small local tarballs
// (no dependencies, so no network): the daemon of the extension's version lands in its own
// folder, or the install fails saying what failed and how to fix it, leaving nothing behind.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { explainInstallFailure, findOnPath, installDaemon, installedCli, npmFor, packageSpec } from '../../../extension/daemon/install.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'rlvr-install-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A tarball like `npm pack` of this project, minus everything but what install checks. */
function fakeDaemonTarball(name: string, version: string, { built = true } = {}): string {
  const dir = path.join(tmp, `${name}-src-${version}-${built}`);
  mkdirSync(path.join(dir, 'bin'), { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version, bin: { rlvr: 'bin/rlvr.js' } }));
  writeFileSync(path.join(dir, 'bin', 'rlvr.js'), '#!/usr/bin/env node\n');
  if (built) {
    mkdirSync(path.join(dir, 'out', 'daemon', 'cli'), { recursive: true });
    writeFileSync(path.join(dir, 'out', 'daemon', 'cli', 'main.js'), 'export {};\n');
  }
  const file = execFileSync('npm', ['pack', '--silent', '--pack-destination', tmp], { cwd: dir, encoding: 'utf8' }).trim().split('\n').at(-1)!;
  return path.join(tmp, file);
}

function installRoot(): string {
  return mkdtempSync(path.join(tmp, 'storage-'));
}

const base = { nodePath: process.execPath, log: () => undefined };

test('the daemon of the extension version installs into <root>/<version>, replacing an earlier install, nothing else left', async () => {
  const root = installRoot();
  const tarball = fakeDaemonTarball('rlvr-studio', '9.8.7');
  const lines: string[] = [];
  const cli = await installDaemon({ ...base, source: tarball, installRoot: root, version: '9.8.7', log: (l) => lines.push(l) });
  assert.equal(cli, installedCli(root, '9.8.7'));
  assert.equal(cli, path.join(root, '9.8.7', 'node_modules', 'rlvr-studio', 'bin', 'rlvr.js'));
  assert.ok(existsSync(cli));
  assert.match(lines[0], /install --omit=dev .*rlvr-studio-9\.8\.7\.tgz/);
  assert.match(lines.at(-1)!, /^installed rlvr-studio 9\.8\.7 in /);
  // Again: same place, and no staging folder left over.
  await installDaemon({ ...base, source: tarball, installRoot: root, version: '9.8.7' });
  assert.deepEqual(readdirSync(root), ['9.8.7']);
});

test('a tarball of another version or package, or one without a built daemon, is refused and leaves nothing', async () => {
  const root = installRoot();
  await assert.rejects(
    installDaemon({ ...base, source: fakeDaemonTarball('rlvr-studio', '1.0.0'), installRoot: root, version: '9.8.7' }),
    /holds rlvr-studio 1\.0\.0, but this extension is 9\.8\.7: install rlvr-studio-9\.8\.7\.tgz/,
  );
  await assert.rejects(
    installDaemon({ ...base, source: fakeDaemonTarball('something-else', '9.8.7'), installRoot: root, version: '9.8.7' }),
    /did not install a rlvr-studio package/,
  );
  await assert.rejects(
    installDaemon({ ...base, source: fakeDaemonTarball('rlvr-studio', '9.8.7', { built: false }), installRoot: root, version: '9.8.7' }),
    /holds no built daemon \(out\/daemon\/cli\/main\.js\): make the tarball with `npm run package`/,
  );
  assert.deepEqual(readdirSync(root), []);
});

test('a missing tarball says which; a missing npm says how to fix it', async () => {
  const root = installRoot();
  await assert.rejects(
    installDaemon({ ...base, source: path.join(tmp, 'nowhere', 'rlvr-studio-9.8.7.tgz'), installRoot: root, version: '9.8.7' }),
    /the tarball .*nowhere\/rlvr-studio-9\.8\.7\.tgz could not be read/,
  );
  // A node whose folder has no npm, and a PATH without one: npm is not found.
  const bare = mkdtempSync(path.join(tmp, 'bare-'));
  await assert.rejects(
    installDaemon({ ...base, nodePath: path.join(bare, 'node'), env: { PATH: bare }, source: 'rlvr-studio@9.8.7', installRoot: root, version: '9.8.7' }),
    /npm was not found \(npm\): install Node\.js 20 or newer with npm, or set rlvr\.daemon\.nodePath/,
  );
  assert.deepEqual(readdirSync(root), []);
});

test('cancelling stops npm and installs nothing', async () => {
  const root = installRoot();
  const abort = new AbortController();
  const lines: string[] = [];
  // Cancelled as the install starts: the first line logged is the npm command.
  const log = (line: string) => {
    lines.push(line);
    abort.abort();
  };
  await assert.rejects(installDaemon({ ...base, source: fakeDaemonTarball('rlvr-studio', '9.8.7'), installRoot: root, version: '9.8.7', signal: abort.signal, log }), /the install was cancelled/);
  assert.ok(!lines.some((l) => /added \d+ package/.test(l)), `npm ran to the end:\n${lines.join('\n')}`);
  assert.deepEqual(readdirSync(root), []);
});

test('npm beside the daemon node comes first, with that node first on PATH', () => {
  const nodeDir = mkdtempSync(path.join(tmp, 'node-'));
  writeFileSync(path.join(nodeDir, 'node'), '');
  writeFileSync(path.join(nodeDir, 'npm'), '');
  const r = npmFor(path.join(nodeDir, 'node'), { PATH: '/usr/bin' });
  assert.equal(r.npm, path.join(nodeDir, 'npm'));
  assert.equal(r.env.PATH, `${nodeDir}${path.delimiter}/usr/bin`);
  // `node` found on PATH counts the same.
  assert.equal(npmFor('node', { PATH: nodeDir }).npm, path.join(nodeDir, 'npm'));
  assert.equal(findOnPath('node', { PATH: `/nonexistent${path.delimiter}${nodeDir}` }), path.join(nodeDir, 'node'));
  // No npm beside it: npm from PATH.
  assert.equal(npmFor(path.join(tmp, 'elsewhere', 'node'), { PATH: '' }).npm, 'npm');
});

test('the source: the configured one, else this version from the registry', () => {
  assert.equal(packageSpec('', '0.1.0'), 'rlvr-studio@0.1.0');
  assert.equal(packageSpec(' /x/rlvr-studio-0.1.0.tgz ', '0.1.0'), '/x/rlvr-studio-0.1.0.tgz');
});

test('failures are explained from npm output: native build, unpublished version, no network', () => {
  const run = (output: string[], source = 'rlvr-studio@0.1.0') => explainInstallFailure({ npm: 'npm', source, code: 1, output });
  assert.match(run(['npm error path /x/node_modules/better-sqlite3', 'gyp ERR! build error']), /better-sqlite3 .*building it from source failed: install build tools \(Debian\/Ubuntu: sudo apt-get install build-essential python3/);
  assert.match(run(['npm error code E404', 'npm error 404 Not Found - GET https://registry.npmjs.org/rlvr-studio']), /npm found no rlvr-studio@0\.1\.0: .*choose the tarball `npm run package` writes/);
  assert.match(run(['npm error code ENOTFOUND', 'npm error network request failed']), /could not reach the registry/);
  assert.match(run(['npm error something odd']), /npm install exited with code 1: npm error something odd/);
});

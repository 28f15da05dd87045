// What `rlvr setup` decides on each kind of machine: which packages, which command, and
// whether it runs it (apt as root or through sudo -n) or prints it for the user.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { findPackageManager } from '../../../daemon/setup/machine.js';
import { MACOS, WINDOWS, planSetup, type SetupFacts } from '../../../daemon/setup/plan.js';

const debianRoot: SetupFacts = { platform: 'linux', root: true, sudo: false, packageManager: 'apt', missing: ['bwrap', 'python3'] };

test('nothing missing: no install, only the sandbox check (root or not)', () => {
  assert.deepEqual(planSetup({ ...debianRoot, missing: [] }), { action: 'check' });
  assert.deepEqual(planSetup({ ...debianRoot, root: false, missing: [] }), { action: 'check' });
});

test('root with apt: apt-get install of exactly the missing packages, with apt-get update as the retry', () => {
  const plan = planSetup(debianRoot);
  assert.equal(plan.action, 'install');
  if (plan.action !== 'install') return;
  assert.deepEqual(plan.packages, ['bubblewrap', 'python3']);
  assert.deepEqual(plan.install, ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'bubblewrap', 'python3']);
  assert.deepEqual(plan.refresh, ['apt-get', 'update', '-qq']);
  assert.equal(plan.env.DEBIAN_FRONTEND, 'noninteractive');
  const onlyBwrap = planSetup({ ...debianRoot, missing: ['bwrap'] });
  assert.equal(onlyBwrap.action === 'install' && onlyBwrap.install.at(-1), 'bubblewrap');
});

test('root without setpriv: util-linux too', () => {
  const plan = planSetup({ ...debianRoot, missing: ['setpriv', 'bwrap'] });
  assert.deepEqual(plan.action === 'install' && plan.packages, ['bubblewrap', 'util-linux']);
});

test('a user with password-less sudo: the same install through sudo -n, DEBIAN_FRONTEND passed through env', () => {
  const plan = planSetup({ ...debianRoot, root: false, sudo: true, missing: ['bwrap'] });
  assert.equal(plan.action, 'install');
  if (plan.action !== 'install') return;
  assert.deepEqual(plan.install, ['sudo', '-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'bubblewrap']);
  assert.deepEqual(plan.refresh, ['sudo', '-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'update', '-qq']);
});

test('a user without sudo: the exact sudo apt-get command to run, nothing run', () => {
  const plan = planSetup({ ...debianRoot, root: false, sudo: false });
  assert.equal(plan.action, 'tell');
  assert.equal(plan.action === 'tell' && plan.command, 'sudo apt-get install -y --no-install-recommends bubblewrap python3');
});

test('other distributions: their package manager command, printed (setup installs through apt only)', () => {
  const cases: [SetupFacts['packageManager'], boolean, string][] = [
    ['dnf', false, 'sudo dnf install -y bubblewrap python3'],
    ['dnf', true, 'dnf install -y bubblewrap python3'],
    ['zypper', false, 'sudo zypper install -y bubblewrap python3'],
    ['pacman', false, 'sudo pacman -S --needed --noconfirm bubblewrap python'],
    ['apk', true, 'apk add bubblewrap python3'],
  ];
  for (const [packageManager, root, command] of cases) {
    const plan = planSetup({ ...debianRoot, packageManager, root, sudo: true });
    assert.equal(plan.action, 'tell', `${packageManager}`);
    assert.equal(plan.action === 'tell' && plan.command, command);
  }
  const alpine = planSetup({ ...debianRoot, packageManager: 'apk', missing: ['setpriv'] });
  assert.equal(alpine.action === 'tell' && alpine.command, 'apk add setpriv');
});

test('no package manager: says what to install and where the sandbox looks', () => {
  const plan = planSetup({ ...debianRoot, packageManager: null });
  assert.equal(plan.action, 'tell');
  if (plan.action !== 'tell') return;
  assert.deepEqual(plan.packages, ['bubblewrap', 'python3']);
  assert.match(plan.command, /bubblewrap \(bwrap\), python3 .*\/usr\/bin/);
});

test('macOS and Windows: the sandbox cannot exist; what runs there and what to use instead', () => {
  const mac = planSetup({ ...debianRoot, platform: 'darwin', packageManager: null, missing: ['bwrap'] });
  assert.deepEqual(mac, { action: 'unsupported', why: MACOS });
  assert.match(MACOS, /math stages run .*Linux VM or container/);
  const windows = planSetup({ ...debianRoot, platform: 'win32', packageManager: null, missing: [] });
  assert.deepEqual(windows, { action: 'unsupported', why: WINDOWS });
  assert.match(WINDOWS, /WSL2/);
});

test('the package manager is the first one on PATH', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-setup-'));
  try {
    assert.equal(findPackageManager({ PATH: dir }), null);
    writeFileSync(path.join(dir, 'dnf'), '');
    assert.equal(findPackageManager({ PATH: dir }), 'dnf');
    writeFileSync(path.join(dir, 'apt-get'), '');
    assert.equal(findPackageManager({ PATH: `/nonexistent${path.delimiter}${dir}` }), 'apt');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

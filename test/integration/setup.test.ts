// `npm run setup` for real on this machine (Debian with bubblewrap, python3 and util-linux):
// it finds everything, installs nothing, and proves the sandbox runs a program; run twice, it
// does the same. With bubblewrap hidden (a private mount namespace binds /bin/false over it)
// it would apt-get install exactly bubblewrap as root, and tells a user without sudo the
// exact command instead of trying.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../../daemon/data/fixtures.js';
import { BIN } from './daemon.js';

const root = process.getuid?.() === 0;
const canHide = root && existsSync('/usr/bin/bwrap') && spawnSync('unshare', ['-m', 'true']).status === 0;

function npmRunSetup() {
  return spawnSync('npm', ['run', '--silent', 'setup'], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 120_000 });
}

/** `rlvr setup ARGS` with /usr/bin/bwrap replaced by /bin/false, optionally as nobody. */
function setupWithoutBwrap(args: string[], asNobody = false) {
  const user = asNobody ? ['setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups'] : [];
  const script = 'mount --bind /bin/false /usr/bin/bwrap && exec "$@"';
  return spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', ...user, process.execPath, BIN, 'setup', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, HOME: '/tmp' },
  });
}

test('npm run setup on a machine that has everything: each tool ok, nothing installed, a sandboxed program passes; again the same', () => {
  for (const run of [1, 2]) {
    const r = npmRunSetup();
    assert.equal(r.status, 0, `run ${run}:\n${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /^ok {4}bwrap {4}bubblewrap \d/m);
    assert.match(r.stdout, /^ok {4}python3 {2}Python 3/m);
    if (root) assert.match(r.stdout, /^ok {4}setpriv {2}setpriv/m);
    assert.match(r.stdout, /^ok {4}sandbox {2}bubblewrap \+ python3: a test program passed$/m);
    assert.doesNotMatch(r.stdout, /running:|installing/, 'nothing to install, so no apt-get');
    assert.match(r.stdout, /^ready: /m);
  }
});

test('bubblewrap hidden, as root: setup would apt-get install exactly bubblewrap', { skip: !canHide && 'needs root, /usr/bin/bwrap and unshare -m' }, () => {
  const r = setupWithoutBwrap(['--dry-run']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^miss {2}bwrap {4}\/usr\/bin\/bwrap --version fails$/m);
  assert.match(r.stdout, /^would run: apt-get install -y -qq --no-install-recommends bubblewrap$/m);
});

test('bubblewrap hidden, as a user without sudo: exit 1 with the exact command to run', { skip: !canHide && 'needs root, /usr/bin/bwrap and unshare -m' }, () => {
  const r = setupWithoutBwrap([], true);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /cannot install bubblewrap here: not root, and no sudo that works without a password\. Run:\n {2}sudo apt-get install -y --no-install-recommends bubblewrap\n/);
  assert.doesNotMatch(r.stdout, /running:/);
});

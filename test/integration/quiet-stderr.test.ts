// A run on a machine without Vulkan says nothing on stderr: Dawn's loader probe ("Warning:
// Couldn't load Vulkan: libvulkan.so.1: ... BackendVk.cpp:368") is native output, kept in
// the probe's child process and shown only with --verbose. Here Vulkan is hidden for real:
// in a private mount namespace, /dev/null is bind-mounted over libvulkan.so.1, so Dawn's
// dlopen fails exactly as it does where libvulkan1 is not installed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { BIN, TINY_CONFIG } from './daemon.js';

const DAWN_NOISE = /vulkan|dawn|BackendVk|node-webgpu/i;

/** libvulkan.so.1 as the dynamic loader finds it, or null when it is not installed. */
function vulkanLoader(): string | null {
  const r = spawnSync('/sbin/ldconfig', ['-p'], { encoding: 'utf8' });
  const m = /libvulkan\.so\.1 \([^)]*\) => (\S+)/.exec(r.stdout ?? '');
  return m && existsSync(m[1]) ? m[1] : null;
}

const loader = vulkanLoader();
const canHide = process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0;
const skip = loader && !canHide ? `libvulkan.so.1 is installed (${loader}) and hiding it needs root and unshare -m` : false;

const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-quiet-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** `rlvr ARGS` with the Vulkan loader hidden (or simply absent). */
function rlvrWithoutVulkan(args: string[]) {
  const command = [process.execPath, BIN, ...args];
  const argv = loader ? ['unshare', '-m', 'sh', '-c', 'mount --bind /dev/null "$1" && shift && exec "$@"', 'sh', loader, ...command] : command;
  return spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 180_000, env: { ...process.env, RLVR_LOG: '', RLVR_BACKEND: '' } });
}

test('a training run with the Vulkan loader hidden prints no Vulkan/Dawn line on stderr', { skip }, () => {
  const r = rlvrWithoutVulkan(['train', '--config', TINY_CONFIG, '--max-steps', '1', '--data-dir', dir, '--out', path.join(dir, 'run')]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  // The backend line still says why WebGPU was skipped.
  assert.match(r.stdout, /^backend: .*skipped webgpu: no WebGPU adapter/m);
  const noise = r.stderr.split('\n').filter((l) => DAWN_NOISE.test(l));
  assert.deepEqual(noise, [], `stderr should carry no native probe output:\n${r.stderr}`);
});

test('--verbose shows the probe output that a default run hides', { skip }, () => {
  const r = rlvrWithoutVulkan(['doctor', '--data-dir', dir, '--verbose']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stderr, /^webgpu probe: .*Couldn't load Vulkan/m, `stderr:\n${r.stderr}`);
});

// Shared by the extension-host tests: the activated extension's API and bounded waits.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RlvrApi } from '../../extension/main.js';

export const EXTENSION_ID = 'rlvr-studio.rlvr-studio';

export async function api(): Promise<RlvrApi> {
  const ext = vscode.extensions.getExtension<RlvrApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this VS Code`);
  return ext.isActive ? ext.exports : await ext.activate();
}

/** Polls `probe` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}`);
}

/** The tiny, fast stage config the engine's tests use (shipped in the repository, not the .vsix). */
export function tinyConfig(): string {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this VS Code`);
  return process.env.RLVR_TEST_CONFIG ?? path.join(ext.extensionPath, 'test', 'configs', 'tiny.yaml');
}

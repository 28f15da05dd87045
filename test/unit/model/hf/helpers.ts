// Bad HF folders for tests, made from copies of the read-only fixtures in a temp dir. The
// safetensors parsing here is deliberately separate from daemon/model/hf (a second reader).
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fixturePath } from '../../../../daemon/data/fixtures.js';
import { skipUnlessFixtures } from '../../../fixtures.js';

export const QWEN2 = fixturePath('hf/qwen2-tiny');
export const LLAMA = fixturePath('hf/llama-tiny');
export const skipWithoutFixtures = skipUnlessFixtures('hf/qwen2-tiny', 'hf/llama-tiny');

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `rlvr-hf-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A writable copy of a fixture folder (without reference.json; the fixtures are read-only). */
export function copyFixture(fixture: string, into: string, name = path.basename(fixture), only?: string[]): string {
  const dest = path.join(into, name);
  mkdirSync(dest);
  for (const f of readdirSync(fixture).filter((f) => f !== 'reference.json' && (!only || only.includes(f)))) {
    copyFileSync(path.join(fixture, f), path.join(dest, f));
    chmodSync(path.join(dest, f), 0o644);
  }
  return dest;
}

export interface RawSafetensors {
  header: Record<string, any>;
  data: Buffer;
}

/** Splits a safetensors file into its parsed header and its data section. */
export function readRaw(file: string): RawSafetensors {
  const bytes = readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  return { header: JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')), data: bytes.subarray(8 + n) };
}

/** Writes a header + data as a safetensors file, exactly as given (no checks: for building bad files). */
export function writeRaw(file: string, raw: RawSafetensors): void {
  let json = JSON.stringify(raw.header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  writeFileSync(file, Buffer.concat([len, Buffer.from(json), raw.data]));
}

export function editJson(file: string, edit: (obj: any) => void): void {
  const obj = JSON.parse(readFileSync(file, 'utf8'));
  edit(obj);
  writeFileSync(file, JSON.stringify(obj, null, 2));
}

/** Asserts a function throws an error whose message starts with `file` and names `what`. */
export function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error, none was thrown');
}

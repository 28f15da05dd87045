// A folder written in full or not at all: everything goes into a sibling temp folder, which
// is renamed into place at the end, so a kill mid-save leaves either the old folder or the
// new one, never half of one. Used by the embedded policy's checkpoints and by HF folders.
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

export async function writeDirAtomically(dir: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const target = path.resolve(dir);
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmp, { recursive: true });
  try {
    await fill(tmp);
  } catch (err) {
    // A failed save must not leave its partial temp folder behind next to the checkpoints.
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  const exists = await stat(target).then(() => true, () => false);
  if (exists) {
    const old = `${target}.old-${process.pid}-${Date.now()}`;
    await rename(target, old);
    await rename(tmp, target);
    await rm(old, { recursive: true, force: true });
  } else {
    await mkdir(path.dirname(target), { recursive: true });
    await rename(tmp, target);
  }
}

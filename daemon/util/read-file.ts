// Reading a file a client or a config named: only a regular file, never more than a cap,
// and never on the event loop's time. A FIFO blocks a plain read until something writes to
// it; /dev/zero never ends; either one named in a request would stall every client.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { ErrorCodes } from '../../shared/protocol.js';
import { RlvrError } from '../../shared/errors.js';

/** What a file is, in words, from its stat. */
function kindOf(st: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a plain file';
}

/**
 * An open handle on `file` if it is a regular file (after following links); otherwise an
 * InvalidParams error naming the file and what it is. Opened non-blocking, so opening a FIFO
 * does not wait for a writer, and checked on the open descriptor (no race between a check
 * and the read). The caller closes the handle.
 */
export async function openRegularFile(file: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new RlvrError(ErrorCodes.InvalidParams, `${file}: cannot read: ${why}`, { file });
  }
  const st = await handle.stat().catch(async (err: Error) => {
    await handle.close();
    throw err;
  });
  if (!st.isFile()) {
    await handle.close();
    throw new RlvrError(ErrorCodes.InvalidParams, `${file}: not a regular file (it is ${kindOf(st)})`, { file });
  }
  return handle;
}

/**
 * The text of `file` if it is a regular file of at most `maxBytes` (after following links);
 * otherwise an InvalidParams error naming the file and what it is. Opened non-blocking, so
 * opening a FIFO does not wait for a writer, and checked on the open descriptor (no race
 * between a check and the read).
 */
export async function readRegularFile(file: string, maxBytes: number): Promise<string> {
  const handle = await openRegularFile(file);
  try {
    const st = await handle.stat();
    if (st.size > maxBytes) {
      throw new RlvrError(ErrorCodes.InvalidParams, `${file}: ${st.size} bytes is over the ${maxBytes}-byte limit for this file`, { file });
    }
    // Read at most one byte past the cap: a file that grows while we read is still bounded.
    const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    let n = 0;
    while (n < buf.length) {
      const { bytesRead } = await handle.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    if (n > maxBytes) throw new RlvrError(ErrorCodes.InvalidParams, `${file}: grew past the ${maxBytes}-byte limit while being read`, { file });
    return buf.subarray(0, n).toString('utf8');
  } finally {
    await handle.close();
  }
}

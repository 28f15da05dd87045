// JSON Lines: one record per line. Streams, so a 100K-record file never sits in memory
// as one string; a line that does not parse is reported and the next is read.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { RowResult } from './rows.js';

/** `input`: a stream already opened on `file` (the caller checked it is a regular file); else the file is opened here. */
export async function* readJsonl(file: string, input: NodeJS.ReadableStream = createReadStream(file, 'utf8')): AsyncGenerator<RowResult> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    const row = parseJsonlLine(file, line, text);
    if (row) yield row;
  }
}

/** All rows of JSONL text already in memory (the editor's open document). */
export function parseJsonlText(file: string, text: string): RowResult[] {
  const out: RowResult[] = [];
  text.split(/\r?\n/).forEach((t, i) => {
    const row = parseJsonlLine(file, i + 1, t);
    if (row) out.push(row);
  });
  return out;
}

/** One line of JSONL: its row, or null for a blank line. */
export function parseJsonlLine(file: string, line: number, text: string): RowResult | null {
  if (text.trim() === '') return null;
  try {
    return { ok: true, file, line, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, file, line, reason: `invalid JSON: ${(err as Error).message}` };
  }
}

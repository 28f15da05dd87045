// One entry point for every dataset format, chosen by file extension.
import path from 'node:path';
import { parseJsonArrayText } from './json-array.js';
import { parseJsonlText, readJsonl } from './jsonl.js';
import { readParquet } from './parquet.js';
import type { RowResult } from './rows.js';
import { openRegularFile } from '../../util/read-file.js';

export type { Row, RowError, RowResult } from './rows.js';
export { parseJsonlLine, parseJsonlText } from './jsonl.js';
export { parseJsonArrayText } from './json-array.js';

export const DATASET_EXTENSIONS = ['.jsonl', '.json', '.parquet'] as const;

export function isDatasetFile(file: string): boolean {
  return (DATASET_EXTENSIONS as readonly string[]).includes(path.extname(file).toLowerCase());
}

export async function* readRows(file: string): AsyncGenerator<RowResult> {
  const ext = path.extname(file).toLowerCase();
  if (!(DATASET_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new Error(`${file}: unsupported dataset format '${ext || '(none)'}' (expected ${DATASET_EXTENSIONS.join(', ')})`);
  }
  // Only a regular file: a FIFO would block the read forever and a directory gives a bare EISDIR.
  const handle = await openRegularFile(file);
  try {
    if (ext === '.jsonl') yield* readJsonl(file, handle.createReadStream({ encoding: 'utf8', autoClose: false }));
    else if (ext === '.json') yield* parseJsonText(file, await handle.readFile('utf8'));
    else yield* readParquet(file);
  } finally {
    await handle.close();
  }
}

/** Rows of a document already in memory (the editor), by its file name. */
export function parseRowsText(file: string, text: string): RowResult[] {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') return parseJsonText(file, text);
  return parseJsonlText(file, text);
}

/** A .json file: an array of records, one pretty-printed record, or JSON Lines misnamed. */
function parseJsonText(file: string, text: string): RowResult[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) return parseJsonArrayText(file, text);
  if (trimmed.startsWith('{')) {
    try {
      const line = text.slice(0, text.length - trimmed.length).split('\n').length;
      return [{ ok: true, file, line, value: JSON.parse(text) }];
    } catch {
      // Not one object: JSON Lines, read line by line below.
    }
  }
  return parseJsonlText(file, text);
}

// Parquet through hyparquet and hyparquet-compressors (pure JS: no native build, runs
// wherever Node does).
// Rows come back as plain objects; BigInt columns become numbers when they fit so
// records serialise as JSON.
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { RowResult } from './rows.js';

export async function* readParquet(file: string): AsyncGenerator<RowResult> {
  let rows: Record<string, unknown>[];
  try {
    // hyparquet alone reads snappy; datasets also come gzip-, brotli-, zstd- or lz4-compressed.
    rows = await parquetReadObjects({ file: await asyncBufferFromFile(file), compressors });
  } catch (err) {
    yield { ok: false, file, line: 1, reason: `cannot read Parquet: ${(err as Error).message}` };
    return;
  }
  for (let i = 0; i < rows.length; i++) yield { ok: true, file, line: i + 1, value: plain(rows[i]) };
}

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

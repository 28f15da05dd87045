// What every dataset reader yields: a parsed row with where it came from, or a row that
// could not be read with the reason. Readers never stop at a bad row.

export interface Row {
  file: string;
  /** 1-based: the line in a JSONL file, the line where an element starts in a JSON array, the row in a Parquet file. */
  line: number;
  value: unknown;
}

export interface RowError {
  file: string;
  line: number;
  reason: string;
}

export type RowResult = ({ ok: true } & Row) | ({ ok: false } & RowError);

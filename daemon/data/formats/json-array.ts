// A JSON file holding an array of records (e.g. leetcode200.json). JSON.parse gives no
// positions, so a small scanner finds the line where each top-level element starts:
// diagnostics and drop reports can then point at the record.
import type { RowResult } from './rows.js';

export function parseJsonArrayText(file: string, text: string): RowResult[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return [{ ok: false, file, line: 1, reason: `invalid JSON: ${(err as Error).message}` }];
  }
  if (!Array.isArray(data)) {
    return [{ ok: false, file, line: 1, reason: 'expected a JSON array of records (or one JSON object per line: .jsonl)' }];
  }
  const lines = elementStartLines(text);
  return data.map((value, i) => ({ ok: true as const, file, line: lines[i] ?? 1, value }));
}

/** 1-based line of each element of the top-level array, skipping over strings. */
function elementStartLines(text: string): number[] {
  const starts: number[] = [];
  let depth = 0;
  let line = 1;
  let inString = false;
  let expectElement = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (depth === 1 && expectElement && !/\s/.test(c) && c !== ']') {
      starts.push(line);
      expectElement = false;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth === 1) expectElement = true;
    } else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 1) expectElement = true;
  }
  return starts;
}

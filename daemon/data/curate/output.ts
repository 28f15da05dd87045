// What `rlvr curate` leaves behind: DIR/kept.jsonl (records readable back as a dataset),
// DIR/dropped.jsonl (each with the filter that dropped it and why), DIR/report.json,
// and the table printed on the terminal.
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import type { CurateResult } from './pipeline.js';
import { problemRecord } from '../records/record.js';

async function writeJsonl(file: string, records: Iterable<unknown>): Promise<void> {
  const out = createWriteStream(file, 'utf8');
  for (const r of records) {
    if (!out.write(JSON.stringify(r) + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

export async function writeCurateOutputs(dir: string, result: CurateResult): Promise<{ kept: string; dropped: string; report: string }> {
  await mkdir(dir, { recursive: true });
  const files = { kept: path.join(dir, 'kept.jsonl'), dropped: path.join(dir, 'dropped.jsonl'), report: path.join(dir, 'report.json') };
  await writeJsonl(
    files.kept,
    result.kept.map((p) => {
      const r = problemRecord(p);
      const c = result.passes?.get(p.id);
      if (c !== undefined && result.report.difficulty) r.pass_rate = c / result.report.difficulty.k;
      return r;
    }),
  );
  await writeJsonl(
    files.dropped,
    result.dropped.map((d) => ({ ...(d.record && typeof d.record === 'object' ? d.record : {}), source: d.source, filter: d.filter, reason: d.reason, ...(d.field ? { field: d.field } : {}) })),
  );
  await writeFile(files.report, JSON.stringify(result.report, null, 2) + '\n');
  return files;
}

function fmtRate(perS: number): string {
  if (perS === 0) return '-';
  return perS >= 1000 ? `${Math.round(perS / 1000)}K/s` : `${perS.toFixed(perS < 10 ? 1 : 0)}/s`;
}

export function formatReportTable(result: CurateResult): string {
  const r = result.report;
  const rows: string[][] = [['filter', 'seen', 'dropped', 'rate', 'what it drops']];
  if (r.read_errors) rows.push(['read', String(r.rows), String(r.read_errors), '-', 'rows that cannot be read (file:line in dropped.jsonl)']);
  // Filters for a kind absent from the input say nothing: leave them out.
  for (const f of r.filters.filter((f) => f.seen > 0 || f.kinds.some((k) => r.problems[k] > 0))) rows.push([f.name, String(f.seen), String(f.dropped), fmtRate(f.per_s), f.description]);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((cell, c) => (c === 0 || c === 4 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
  const out = [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  out.push('', `${r.rows} rows -> ${r.kept} kept, ${r.dropped} dropped (math ${r.problems.math}, code ${r.problems.code}; decontaminated against ${r.eval_files.length} evaluation file(s))`);
  if (r.difficulty) {
    const { k, histogram } = r.difficulty;
    const peak = Math.max(1, ...histogram);
    out.push('', `pass rate over ${k} samples:`);
    histogram.forEach((n, c) => out.push(`  ${String(c).padStart(2)}/${k}  ${String(n).padStart(5)}  ${'#'.repeat(Math.round((30 * n) / peak))}`));
  }
  const errors = result.dropped.filter((d) => d.filter === 'read').slice(0, 5);
  if (errors.length) {
    out.push('', 'unreadable rows:');
    for (const e of errors) out.push(`  ${e.source}${e.field ? ` (${e.field})` : ''}: ${e.reason}`);
    if (r.read_errors > errors.length) out.push(`  ... ${r.read_errors - errors.length} more in dropped.jsonl`);
  }
  return out.join('\n');
}

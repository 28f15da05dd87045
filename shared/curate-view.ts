// The curation report webview: the messages between it and the extension (one discriminated
// union per direction), and what it draws, computed from report.json by one pure function
// that the unit tests check. Runtime-free: the webview bundle imports it.
import { inPassRange, type CurateKind, type CurateReport } from './curate.js';

/** One bar group of the per-filter chart (and one row of the table under it). */
export interface FilterBar {
  /** The filter's name, as in dropped.jsonl ('read' for rows that could not be read). */
  name: string;
  description: string;
  /** Problems it judged, and of those how many it let through / dropped. */
  seen: number;
  kept: number;
  dropped: number;
}

export interface HistogramBar {
  /** Times solved out of k. */
  passes: number;
  label: string;
  problems: number;
  /** Inside the difficulty filter's keep range. */
  kept: boolean;
}

export interface ReportChartData {
  totals: { rows: number; kept: number; dropped: number; readErrors: number; problems: Record<CurateKind, number> };
  /** In the order the filters ran; filters for a kind the input does not have are left out. */
  filters: FilterBar[];
  histogram: { k: number; range: string; bars: HistogramBar[] } | null;
}

export function reportChartData(r: CurateReport): ReportChartData {
  const filters: FilterBar[] = [];
  if (r.read_errors > 0) {
    filters.push({ name: 'read', description: 'rows that cannot be read (file:line in dropped.jsonl)', seen: r.rows, kept: r.rows - r.read_errors, dropped: r.read_errors });
  }
  for (const f of r.filters) {
    if (f.seen === 0 && !f.kinds.some((k) => (r.problems[k] ?? 0) > 0)) continue;
    filters.push({ name: f.name, description: f.description, seen: f.seen, kept: f.seen - f.dropped, dropped: f.dropped });
  }
  let histogram: ReportChartData['histogram'] = null;
  if (r.difficulty) {
    const { k, histogram: counts, min_pass, max_pass } = r.difficulty;
    histogram = {
      k,
      range: `${min_pass === null ? '(0' : `[${min_pass}`}, ${max_pass === null ? '1)' : `${max_pass}]`}`,
      bars: counts.map((problems, passes) => ({ passes, label: `${passes}/${k}`, problems, kept: inPassRange(passes / k, min_pass, max_pass) })),
    };
  }
  return {
    totals: { rows: r.rows, kept: r.kept, dropped: r.dropped, readErrors: r.read_errors, problems: { math: r.problems.math ?? 0, code: r.problems.code ?? 0 } },
    filters,
    histogram,
  };
}

export interface ReasonCount {
  reason: string;
  count: number;
}

/** Per filter: its most frequent reasons in dropped.jsonl, and how many records gave another. */
export type DroppedReasons = Record<string, { reasons: ReasonCount[]; others: number }>;

/**
 * Groups dropped.jsonl's records by filter and reason. A reason that points at another
 * record ("same text as a.jsonl:12") is counted with the others of its form ("same text as
 * a.jsonl:…"), so a filter's reasons read as a few kinds, not one line per record.
 */
export function droppedReasons(lines: Iterable<string>, top = 5): DroppedReasons {
  const byFilter = new Map<string, Map<string, number>>();
  for (const line of lines) {
    if (!line.trim()) continue;
    let rec: { filter?: unknown; reason?: unknown };
    try {
      rec = JSON.parse(line);
    } catch {
      continue; // a torn last line: the counts of the rest stand
    }
    if (typeof rec.filter !== 'string' || typeof rec.reason !== 'string') continue;
    const reason = rec.reason.replace(/(\S+\.(?:jsonl?|parquet)):\d+/g, '$1:…');
    const counts = byFilter.get(rec.filter) ?? new Map<string, number>();
    byFilter.set(rec.filter, counts);
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  const out: DroppedReasons = {};
  for (const [filter, counts] of byFilter) {
    const sorted = [...counts].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
    out[filter] = { reasons: sorted.slice(0, top), others: sorted.slice(top).reduce((n, r) => n + r.count, 0) };
  }
  return out;
}

/** Null when `v` has the fields the webview draws; else what is wrong, naming the field. */
export function curateReportProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'expected a JSON object';
  const r = v as Partial<Record<keyof CurateReport, unknown>>;
  for (const key of ['rows', 'kept', 'dropped', 'read_errors'] as const) {
    if (typeof r[key] !== 'number') return `${key}: expected a number`;
  }
  if (typeof r.problems !== 'object' || r.problems === null) return 'problems: expected {math, code} counts';
  if (!Array.isArray(r.filters)) return 'filters: expected an array';
  for (const [i, f] of (r.filters as unknown[]).entries()) {
    const x = f as Record<string, unknown> | null;
    if (!x || typeof x.name !== 'string' || typeof x.seen !== 'number' || typeof x.dropped !== 'number' || !Array.isArray(x.kinds)) {
      return `filters[${i}]: expected {name, kinds, seen, dropped}`;
    }
  }
  if (r.difficulty !== undefined) {
    const d = r.difficulty as { k?: unknown; histogram?: unknown } | null;
    if (!d || typeof d.k !== 'number' || !Array.isArray(d.histogram) || d.histogram.length !== d.k + 1) return 'difficulty: expected {k, histogram[k + 1]}';
  }
  return null;
}

/** The files `rlvr curate --out DIR` writes beside report.json. */
export type CurateOutput = 'kept' | 'dropped';

export type ToReportView =
  /** `reasons`: from dropped.jsonl beside the report, null when it is absent or too large to read. */
  | { type: 'report'; file: string; chart: ReportChartData; evalFiles: number; reasons: DroppedReasons | null }
  | { type: 'error'; message: string };

export type FromReportView =
  | { type: 'ready' }
  /** The webview drew the report: how many bars, so a test can tell it really did. */
  | { type: 'rendered'; filterBars: number; histogramBars: number; reasonRows: number }
  | { type: 'openOutput'; which: CurateOutput };

export function isFromReportView(value: unknown): value is FromReportView {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as { type?: unknown; which?: unknown; filterBars?: unknown; histogramBars?: unknown; reasonRows?: unknown };
  switch (m.type) {
    case 'ready':
      return true;
    case 'rendered':
      return typeof m.filterBars === 'number' && typeof m.histogramBars === 'number' && typeof m.reasonRows === 'number';
    case 'openOutput':
      return m.which === 'kept' || m.which === 'dropped';
    default:
      return false;
  }
}

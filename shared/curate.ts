// The shape of `rlvr curate`'s DIR/report.json and of each DIR/dropped.jsonl record, so
// the extension's report webview reads what the daemon writes. Runtime-free (no Node, no
// vscode): the webview bundle imports it too.

export type CurateKind = 'math' | 'code';

export interface CurateFilterReport {
  /** The filter's name, as in dropped.jsonl's `filter` (e.g. 'contamination'). */
  name: string;
  kinds: CurateKind[];
  /** One line on what it drops. */
  description: string;
  /** Problems it judged (survivors of earlier filters, of its kinds). */
  seen: number;
  dropped: number;
  seconds: number;
  /** CPU time of the daemon process meanwhile (threads included, sandbox children not):
   *  on a busy machine, a steadier measure of the filter's own cost than wall time. */
  cpu_seconds?: number;
  /** Records judged per second (seen / seconds). */
  per_s: number;
}

export interface CurateReport {
  inputs: { file: string; rows: number; read_errors: number }[];
  rows: number;
  problems: Record<CurateKind, number>;
  kept: number;
  /** Everything not kept, unreadable rows included. */
  dropped: number;
  read_errors: number;
  /** In the order they ran. */
  filters: CurateFilterReport[];
  eval_files: string[];
  /** Pass counts over k samples: histogram[c] = problems solved c times out of k. */
  difficulty?: { k: number; min_pass: number | null; max_pass: number | null; histogram: number[] };
  /** Code problems whose reference solution could not be run (none given, or no sandbox). */
  unchecked_references?: number;
}

/** A line of dropped.jsonl: the normalised record (when it could be read) plus why it went. */
export interface CurateDroppedLine {
  /** 'read' for rows that could not be read, else the filter's name. */
  filter: string;
  reason: string;
  /** `file:line` of the source row. */
  source: string;
  /** The field at fault, for rows that could not be read. */
  field?: string;
  [key: string]: unknown;
}

/** The difficulty filter's keep range: by default (bounds undefined) never-solved and always-solved problems go. */
export function inPassRange(rate: number, minPass: number | null | undefined, maxPass: number | null | undefined): boolean {
  const lowOk = minPass === undefined || minPass === null ? rate > 0 : rate >= minPass;
  const highOk = maxPass === undefined || maxPass === null ? rate < 1 : rate <= maxPass;
  return lowOk && highOk;
}

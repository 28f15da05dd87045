// LSP on the daemon's connection: diagnostics for stage-config YAML files, with the line and
// field of every schema error (the validator the trainer itself uses), and for datasets a
// config names that do not exist. Open configs and the datasets they name are watched on
// disk (chokidar), so a file changed by git or another tool is re-checked at once. Dataset
// problems also get code lenses: verify the reference, sample k rollouts, the measured pass rate.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { watch, type FSWatcher } from 'chokidar';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DiagnosticSeverity, TextDocuments, TextDocumentSyncKind, type Connection, type Diagnostic } from 'vscode-languageserver/lib/common/api.js';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { DatasetChecker, datasetProblems, type DatasetProblem } from '../data/curate/diagnostics.js';
import { closeDatasetOffThread, datasetDiagnosticsOffThread, lensIndexOffThread, problemAtOffThread, type LensIndex } from './dataset-jobs.js';
import type { PassRateBook } from '../data/curate/pass-rates.js';
import { problemRecord } from '../data/records/record.js';
import { parseConfig } from '../engine/config.js';
import { CodeLensRefreshRequest, type CodeLens } from 'vscode-languageserver/lib/common/api.js';
import type { ProblemPassRate, SampleProblemParams } from '../../shared/protocol.js';
import { DEFAULT_SAMPLE_K, MAX_SAMPLE_K } from './sampling.js';
import { stageConfigCompletions } from './stage-completion.js';

/** An open file larger than this is checked from the editor's buffer only, never read from disk. */
const MAX_DISK_READ_BYTES = 256 * 1024 * 1024;

/** Datasets: one problem per JSONL line (or a JSON array), checked by the curation rules. */
export function isDataset(uri: string): boolean {
  return /\.(jsonl|json)$/i.test(uri);
}

/** The extension's command that verifies a response against a task (extension/commands). */
const VERIFY_COMMAND = 'rlvr.verifyProblem';

/** `checker`: the open document's own, which re-checks only what changed since its last call. */
export function datasetDiagnosticsOf(text: string, file: string, checker = new DatasetChecker()): Diagnostic[] {
  const lines = new LineIndex(text);
  return checker.diagnose(text, file).map((d) => ({
    range: lines.range(d.line),
    severity: d.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    source: d.source ? `rlvr (${d.source})` : 'rlvr',
    message: d.field ? `${d.field}: ${d.message}` : d.message,
    ...(d.field ? { data: { field: d.field } } : {}),
  }));
}

/** The extension's command that samples k rollouts for one problem (rlvr/sampleProblem). */
const SAMPLE_COMMAND = 'rlvr.sampleProblem';

export interface LensOptions {
  /** Measured pass rates ("Pass rate: n/k" once a problem has been sampled). */
  passRates?: PassRateBook;
  /** k in "Sample k rollouts" (the client's setting, sent in initializationOptions). */
  sampleK?: number;
}

/**
 * Above each problem: "Verify reference solution" (code problems with tests and a solution),
 * "Sample k rollouts", and once measured "Pass rate: n/k" (a label: its command is empty).
 */
export function datasetCodeLenses(text: string, file: string, opts: LensOptions = {}): CodeLens[] {
  return lensesOf(datasetProblems(text, file), text, file, opts);
}

/** The lenses over problems already read from `text` (by the dataset worker). */
export function lensesOf(problems: DatasetProblem[], text: string, file: string, opts: LensOptions = {}): CodeLens[] {
  const lenses: CodeLens[] = [];
  const k = opts.sampleK ?? DEFAULT_SAMPLE_K;
  const lines = new LineIndex(text);
  for (const { line, problem: p } of problems) {
    const range = lines.range(line);
    if (p.kind === 'code' && p.tests && p.solutions?.length) {
      const task = { kind: 'code' as const, tests: p.tests, ...(p.fn_name ? { fn_name: p.fn_name } : {}) };
      lenses.push({
        range,
        command: {
          title: 'Verify reference solution',
          command: VERIFY_COMMAND,
          arguments: [{ task, response: '```python\n' + p.solutions[0] + '\n```' }],
        },
      });
    }
    const sample: SampleProblemParams = { file, line, record: problemRecord(p), k };
    lenses.push({ range, command: { title: `Sample ${k} rollouts`, command: SAMPLE_COMMAND, arguments: [sample] } });
    const measured = opts.passRates?.get(p);
    if (measured) lenses.push({ range, command: { title: passRateTitle(measured), command: '' } });
  }
  return lenses;
}

/** "Pass rate: 3/8", saying so when the verifier failed on samples (all of them: no rate at all). */
function passRateTitle(m: ProblemPassRate): string {
  const failed = m.verifierFailed ?? 0;
  if (failed >= m.k) return `Verifier failed on ${failed}/${m.k} samples`;
  return `Pass rate: ${m.passed}/${m.k}${failed ? ` (verifier failed on ${failed})` : ''}`;
}

/** An unresolved lens's data, kept short (60,000 of them must stay far under the 8 MB
 *  message limit): the document's number on this connection, the line, which lens. */
type LensData = [doc: number, line: number, lens: 'v' | 's' | 'r'];

/**
 * A large dataset's lenses: ranges only, one per lens a problem will have, each resolved on
 * demand (LSP codeLens/resolve; editors resolve the lenses in view). 60,000 full lenses were
 * 21 MB of JSON and seconds of the server's thread.
 */
export function unresolvedLenses(index: LensIndex, text: string, doc: number, opts: LensOptions = {}): CodeLens[] {
  const lines = new LineIndex(text);
  const lenses: CodeLens[] = [];
  const rates = opts.passRates;
  for (let i = 0; i < index.lines.length; i++) {
    const line = index.lines[i];
    const range = lines.range(line);
    if (index.verifiable[i]) lenses.push({ range, data: [doc, line, 'v'] satisfies LensData });
    lenses.push({ range, data: [doc, line, 's'] satisfies LensData });
    if (index.keys && rates?.getByKey(index.keys[i])) lenses.push({ range, data: [doc, line, 'r'] satisfies LensData });
  }
  return lenses;
}

/** One unresolved lens made whole from its problem (the same lens a small file gets at once). */
export function resolveLens(lens: CodeLens, problem: DatasetProblem, text: string, file: string, opts: LensOptions = {}): CodeLens {
  const want = (lens.data as LensData)[2];
  const titles = { v: ['Verify reference solution'], s: ['Sample'], r: ['Pass rate', 'Verifier failed'] };
  const whole = lensesOf([problem], text, file, opts).find((l) => titles[want].some((t) => l.command?.title.startsWith(t)));
  return { range: lens.range, command: whole?.command ?? { title: '', command: '' } };
}

/** A YAML document is a stage config when it has a top-level `stages:` key. */
export function isStageConfig(uri: string, text: string): boolean {
  return /\.ya?ml$/i.test(uri) && /^stages\s*:/m.test(text);
}

/**
 * Where each line of a text starts, found once: a line's range is then O(1). (Splitting
 * the whole text per problem made lenses quadratic: 60,000 lines froze the daemon for minutes.)
 */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  /** The whole of 1-based `line` (clamped to the text), without its line break. */
  range(line: number): Diagnostic['range'] {
    const l = Math.max(0, Math.min(line - 1, this.starts.length - 1));
    const start = this.starts[l];
    let end = l + 1 < this.starts.length ? this.starts[l + 1] - 1 : this.text.length;
    if (end > start && this.text.charCodeAt(end - 1) === 0x0d /* \r */) end--;
    return { start: { line: l, character: 0 }, end: { line: l, character: end - start } };
  }
}

function lineRange(text: string, line: number): Diagnostic['range'] {
  return new LineIndex(text).range(line);
}

/** What is wrong with a dataset path, or null when it is a regular file. */
function datasetPathProblem(file: string): string | null {
  let st;
  try {
    st = statSync(file);
  } catch {
    return `dataset file not found: ${file}`;
  }
  if (st.isFile()) return null;
  const what = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a named pipe (FIFO)' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'not a plain file';
  return `${file} is ${what}; a dataset must be a .jsonl, .json or .parquet file`;
}

/** `dataset:` values that name a file, with their line (1-based). */
function datasetRefs(text: string): { value: string; line: number; field: string }[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const stages = doc.get('stages', true);
  if (!isSeq(stages)) return [];
  const out: { value: string; line: number; field: string }[] = [];
  stages.items.forEach((stage, i) => {
    if (!isMap(stage)) return;
    const node = stage.get('dataset', true);
    if (isScalar(node) && typeof node.value === 'string' && !node.value.startsWith('embedded:') && node.range) {
      out.push({ value: node.value, line: lc.linePos(node.range[0]).line, field: `stages[${i}].dataset` });
    }
  });
  return out;
}

/** Diagnostics for one stage config; `file` is its path on disk (relative datasets resolve from it). */
export function configDiagnostics(text: string, file: string): { diagnostics: Diagnostic[]; datasets: string[] } {
  const { errors } = parseConfig(text, file);
  const diagnostics: Diagnostic[] = errors.map((e) => ({
    range: lineRange(text, e.line),
    severity: DiagnosticSeverity.Error,
    source: 'rlvr',
    message: `${e.field}: ${e.message}`,
    data: { field: e.field },
  }));
  const datasets: string[] = [];
  if (!errors.some((e) => e.field === '(yaml)')) {
    for (const ref of datasetRefs(text)) {
      const abs = path.resolve(path.dirname(file), ref.value);
      const problem = datasetPathProblem(abs);
      // Watch files (or where a missing one will appear), never a tree: chokidar watches a
      // directory recursively (/usr: 50,000 inotify watches, +500 MB).
      if (problem === null || problem.startsWith('dataset file not found')) datasets.push(abs);
      if (problem !== null) {
        diagnostics.push({
          range: lineRange(text, ref.line),
          severity: DiagnosticSeverity.Error,
          source: 'rlvr',
          message: `${ref.field}: ${problem}`,
          data: { field: ref.field },
        });
      }
    }
  }
  return { diagnostics, datasets };
}

function filePathOf(uri: string): string | null {
  return uri.startsWith('file:') ? fileURLToPath(uri) : null;
}

interface Tracked {
  uri: string;
  file: string;
  /** The file's text on disk, as last read. */
  diskText: string | null;
  /** The disk text the editor buffer was last known to match: a buffer equal to it is clean. */
  baseText: string | null;
  watched: string[];
  /** A dataset check is running in the worker; `waitingText` is the newest text that came meanwhile. */
  checking: boolean;
  waitingText: string | null;
  /** This document's number on the connection (unresolved lenses name it). */
  doc: number;
  /** The text the last unresolved lenses were made from, and its key in the dataset worker. */
  lensText?: { text: string; key: string };
}

/** Wires the config diagnostics onto one client's connection; returns the cleanup. */
export function attachLanguageFeatures(conn: Connection, opts: { passRates?: PassRateBook } = {}): () => Promise<void> {
  const documents = new TextDocuments(TextDocument);
  const tracked = new Map<string, Tracked>();
  let docCount = 0;
  let lensTexts = 0;
  let watcher: FSWatcher | null = null;
  const watchers = new Map<string, Set<string>>(); // watched path -> uris that care
  let sampleK = DEFAULT_SAMPLE_K;
  let canRefreshLenses = false;
  // A pass rate measured by any client shows in every client's lenses.
  const unlisten = opts.passRates?.onRecord(() => {
    if (canRefreshLenses) void conn.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
  });

  conn.onInitialize(({ initializationOptions, capabilities }) => {
    const k = (initializationOptions as { sampleK?: unknown } | undefined)?.sampleK;
    if (Number.isInteger(k) && (k as number) >= 1 && (k as number) <= MAX_SAMPLE_K) sampleK = k as number;
    canRefreshLenses = capabilities.workspace?.codeLens?.refreshSupport === true;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        codeLensProvider: { resolveProvider: true },
        completionProvider: { triggerCharacters: [' '] },
      },
      serverInfo: { name: 'rlvr-daemon' },
    };
  });

  const setWatched = (t: Tracked, paths: string[]) => {
    const next = new Set(paths);
    for (const p of t.watched) {
      if (next.has(p)) continue;
      const set = watchers.get(p);
      set?.delete(t.uri);
      if (set && set.size === 0) {
        watchers.delete(p);
        void watcher?.unwatch(p);
      }
    }
    for (const p of next) {
      if (!watchers.has(p)) {
        watchers.set(p, new Set());
        watcher ??= watch([], { ignoreInitial: true }).on('all', (_event, changed) => onDisk(path.resolve(changed)));
        watcher.add(p);
      }
      watchers.get(p)!.add(t.uri);
    }
    t.watched = [...next];
  };

  /** What to check: the editor's buffer while it has unsaved edits, else the file on disk
   *  (which may be newer than a clean buffer the editor has not reloaded yet). */
  const currentText = (t: Tracked, doc: TextDocument): string => {
    const text = doc.getText();
    return text === t.baseText && t.diskText !== null ? t.diskText : text;
  };

  /**
   * Datasets are checked in the dataset worker, one check per document at a time: text that
   * arrives meanwhile waits, and only its newest version is checked next (typing into a
   * 100,000-line file must not queue a check per keystroke). A result overtaken by newer
   * text is not shown.
   */
  const checkDataset = (t: Tracked, text: string) => {
    if (t.checking) {
      t.waitingText = text;
      return;
    }
    t.checking = true;
    void datasetDiagnosticsOffThread(t.uri, text, t.file)
      .catch((err: Error): Diagnostic[] => [
        { range: lineRange(text, 1), severity: DiagnosticSeverity.Error, source: 'rlvr', message: `cannot check this dataset: ${err.message}` },
      ])
      .then((diagnostics) => {
        t.checking = false;
        if (tracked.get(t.uri) !== t) return;
        const newer = t.waitingText;
        t.waitingText = null;
        if (newer !== null) checkDataset(t, newer);
        else void conn.sendDiagnostics({ uri: t.uri, diagnostics });
      });
  };

  const validate = (t: Tracked, text: string) => {
    if (isDataset(t.uri)) {
      setWatched(t, [t.file]);
      checkDataset(t, text);
      return;
    }
    if (!isStageConfig(t.uri, text)) {
      void conn.sendDiagnostics({ uri: t.uri, diagnostics: [] });
      setWatched(t, [t.file]);
      return;
    }
    const { diagnostics, datasets } = configDiagnostics(text, t.file);
    void conn.sendDiagnostics({ uri: t.uri, diagnostics });
    setWatched(t, [t.file, ...datasets]);
  };

  // Regular files only, under a cap: a FIFO or /dev/zero named by a file: URI must not block
  // or flood the daemon (stat does not open the file, so it cannot block). Anything else,
  // or unreadable, counts as no disk text.
  const readDisk = (file: string): string | null => {
    try {
      const st = statSync(file);
      return st.isFile() && st.size <= MAX_DISK_READ_BYTES ? readFileSync(file, 'utf8') : null;
    } catch {
      return null;
    }
  };

  const onDisk = (changed: string) => {
    for (const uri of watchers.get(changed) ?? []) {
      const t = tracked.get(uri);
      const doc = documents.get(uri);
      if (!t || !doc) continue;
      if (changed === t.file) t.diskText = readDisk(t.file);
      validate(t, currentText(t, doc));
    }
  };

  documents.onDidOpen(({ document }) => {
    const file = filePathOf(document.uri);
    if (!file) return;
    const disk = readDisk(file);
    tracked.set(document.uri, { uri: document.uri, file, diskText: disk, baseText: disk, watched: [], checking: false, waitingText: null, doc: ++docCount });
    // No validation here: TextDocuments follows every open with a content change.
  });
  documents.onDidChangeContent(({ document }) => {
    const t = tracked.get(document.uri);
    if (!t) return;
    if (document.getText() === t.diskText) t.baseText = t.diskText; // the editor caught up with the disk
    validate(t, currentText(t, document));
  });
  documents.onDidSave(({ document }) => {
    const t = tracked.get(document.uri);
    if (t) t.diskText = t.baseText = document.getText();
  });
  documents.onDidClose(({ document }) => {
    const t = tracked.get(document.uri);
    if (!t) return;
    setWatched(t, []);
    tracked.delete(document.uri);
    if (isDataset(t.uri)) void closeDatasetOffThread(t.uri).catch(() => undefined);
    void conn.sendDiagnostics({ uri: document.uri, diagnostics: [] });
  });
  conn.onCodeLens(async ({ textDocument }) => {
    const t = tracked.get(textDocument.uri);
    const doc = documents.get(textDocument.uri);
    if (!t || !doc || !isDataset(t.uri)) return [];
    const text = currentText(t, doc);
    try {
      const key = `${t.doc}:${++lensTexts}`;
      const index = await lensIndexOffThread(t.uri, key, text, t.file, (opts.passRates?.size ?? 0) > 0);
      if (index.problems) return lensesOf(index.problems, text, t.file, { passRates: opts.passRates, sampleK });
      t.lensText = { text, key };
      return unresolvedLenses(index, text, t.doc, { passRates: opts.passRates, sampleK });
    } catch {
      return []; // the diagnostics already say what is wrong with the file
    }
  });
  conn.onCodeLensResolve(async (lens) => {
    const data = lens.data as LensData | undefined;
    const t = Array.isArray(data) ? [...tracked.values()].find((x) => x.doc === data[0]) : undefined;
    const problem = t?.lensText ? await problemAtOffThread(t.lensText.key, data![1]) : null;
    if (!t?.lensText || !problem) return { range: lens.range, command: { title: '', command: '' } };
    return resolveLens(lens, problem, t.lensText.text, t.file, { passRates: opts.passRates, sampleK });
  });
  // Stage configs: the fields and values the schema allows at the cursor.
  conn.onCompletion(({ textDocument, position }) => {
    const doc = documents.get(textDocument.uri);
    if (!doc) return [];
    const text = doc.getText();
    const named = /\.stages\.ya?ml$|(^|\/)stages\.ya?ml$/i.test(textDocument.uri);
    if (!isStageConfig(textDocument.uri, text) && !named) return [];
    return stageConfigCompletions(text, position.line, position.character);
  });
  documents.listen(conn);

  return async () => {
    unlisten?.();
    await watcher?.close();
    watcher = null;
  };
}

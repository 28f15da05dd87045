// A worker thread that reads an open dataset for the LSP: its curation diagnostics, and a
// compact index of the problems its code lenses sit on. A 60,000-line file takes seconds to
// check, and 60,000 problems take seconds to copy to the server's thread: that time was
// every client's. The parsed problems stay here; a lens being resolved asks for one. Each
// open file keeps its DatasetChecker, so an edit re-checks only the records it changed.
import { parentPort } from 'node:worker_threads';
import { DatasetChecker, type DatasetProblem } from '../data/curate/diagnostics.js';
import { problemKey } from '../data/curate/pass-rates.js';
import { RESOLVE_LENSES_ABOVE, type DatasetJob, type DatasetJobResult, type LensIndex } from './dataset-jobs.js';
import { datasetDiagnosticsOf } from './lsp.js';

if (!parentPort) throw new Error('dataset-worker.js must run as a worker thread');
const port = parentPort;

/** The problems of the last few indexed texts, by the caller's key, by line. */
const kept = new Map<string, Map<number, DatasetProblem>>();
const KEEP = 8;

/** The checker of each open document (by its URI), the most recently used last. */
const checkers = new Map<string, DatasetChecker>();

/** Puts `value` under `key` as the most recently used, dropping the oldest beyond KEEP. */
function keepRecent<K, V>(map: Map<K, V>, key: K, value: V): V {
  map.delete(key);
  map.set(key, value);
  while (map.size > KEEP) map.delete(map.keys().next().value!);
  return value;
}

const checkerFor = (doc: string): DatasetChecker => keepRecent(checkers, doc, checkers.get(doc) ?? new DatasetChecker());

function index(doc: string, key: string, text: string, file: string, withKeys: boolean): LensIndex {
  const problems = checkerFor(doc).problems(text, file);
  keepRecent(kept, key, new Map(problems.map((p) => [p.line, p])));
  const lines = new Int32Array(problems.length);
  const verifiable = new Uint8Array(problems.length);
  problems.forEach(({ line, problem: p }, i) => {
    lines[i] = line;
    verifiable[i] = p.kind === 'code' && p.tests && p.solutions?.length ? 1 : 0;
  });
  return {
    lines,
    verifiable,
    keys: withKeys ? problems.map((p) => problemKey(p.problem)) : null,
    problems: problems.length <= RESOLVE_LENSES_ABOVE ? problems : null,
  };
}

port.on('message', (job: DatasetJob) => {
  let result: DatasetJobResult;
  try {
    const value =
      job.op === 'diagnostics'
        ? datasetDiagnosticsOf(job.text, job.file, checkerFor(job.doc))
        : job.op === 'index'
          ? index(job.doc, job.key, job.text, job.file, job.withKeys)
          : job.op === 'close'
            ? checkers.delete(job.doc)
          : (kept.get(job.key)?.get(job.line) ?? null);
    result = { id: job.id, ok: true, value };
  } catch (err) {
    result = { id: job.id, ok: false, message: (err as Error).message };
  }
  port.postMessage(result);
});

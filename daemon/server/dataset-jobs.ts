// The LSP's dataset work, run off the server's thread (dataset-worker.ts): one worker,
// started on first use, jobs answered in order. Unref'd, so it never holds the daemon open.
import { Worker } from 'node:worker_threads';
import type { Diagnostic } from 'vscode-languageserver/lib/common/api.js';
import type { DatasetProblem } from '../data/curate/diagnostics.js';

export type DatasetJob =
  | { id: number; op: 'diagnostics'; doc: string; text: string; file: string }
  | { id: number; op: 'index'; doc: string; key: string; text: string; file: string; withKeys: boolean }
  | { id: number; op: 'close'; doc: string }
  | { id: number; op: 'problem'; key: string; line: number };
export type DatasetJobResult = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string };

/** Where a text's problems are: their lines, which have a reference to verify, and (when
 *  asked) their pass-rate keys. Typed arrays: cheap to send from the worker. */
export interface LensIndex {
  lines: Int32Array;
  verifiable: Uint8Array;
  keys: string[] | null;
  /** The problems themselves, for a file small enough to get whole lenses at once. */
  problems: DatasetProblem[] | null;
}

/** Above this many problems a file's lenses come unresolved: the client resolves the visible ones. */
export const RESOLVE_LENSES_ABOVE = 2000;

const WORKER_URL = new URL('./dataset-worker.js', import.meta.url);

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

function start(): Worker {
  const w = new Worker(WORKER_URL);
  w.unref();
  w.on('message', (r: DatasetJobResult) => {
    const p = pending.get(r.id);
    if (!p) return;
    pending.delete(r.id);
    if (r.ok) p.resolve(r.value);
    else p.reject(new Error(r.message));
  });
  const fail = (err: Error) => {
    if (worker === w) worker = null;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`dataset worker exited (${code})`)));
  return w;
}

type Without<J> = J extends unknown ? Omit<J, 'id'> : never;

function run<T>(job: Without<DatasetJob>): Promise<T> {
  worker ??= start();
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    worker!.postMessage({ ...job, id });
  });
}

/** `doc` names the open document: its checker in the worker remembers what it checked before. */
export const datasetDiagnosticsOffThread = (doc: string, text: string, file: string) => run<Diagnostic[]>({ op: 'diagnostics', doc, text, file });
/** Indexes `text`'s problems and keeps them in the worker under `key` (for problemAt). */
export const lensIndexOffThread = (doc: string, key: string, text: string, file: string, withKeys: boolean) =>
  run<LensIndex>({ op: 'index', doc, key, text, file, withKeys });
/** Forgets a closed document's checker. */
export const closeDatasetOffThread = (doc: string) => run<boolean>({ op: 'close', doc });
/** A problem of a text indexed under `key`; null when that index is no longer kept. */
export const problemAtOffThread = (key: string, line: number) => run<DatasetProblem | null>({ op: 'problem', key, line });

/** Stops the worker (tests, daemon shutdown); the next job starts a new one. */
export async function closeDatasetWorker(): Promise<void> {
  const w = worker;
  worker = null;
  await w?.terminate();
}

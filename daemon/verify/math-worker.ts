// A worker thread of the math pool: runs the synchronous math verifier, one job at a time.
// The pool kills it (terminate) when a job passes its deadline; nothing here needs cleanup.

import { parentPort } from 'node:worker_threads';
import { compareAnswers, verifyMath } from './math/index.js';
import { ce } from './math/scalar.js';
import type { MathJob, MathJobResult } from './math-jobs.js';

if (!parentPort) throw new Error('math-worker.js must run as a worker thread');
const port = parentPort;

// Load the CAS dictionaries before the first job, so no job's deadline pays for them.
ce().parse('x+1', { canonical: false });
port.postMessage({ ready: true });

port.on('message', (job: MathJob) => {
  let result: MathJobResult;
  try {
    result =
      job.op === 'verify'
        ? { id: job.id, op: 'verify', value: verifyMath(job.task, job.response, job.options) }
        : { id: job.id, op: 'case', value: compareAnswers(job.gold, job.pred, job.options) };
  } catch (err) {
    result = { id: job.id, op: 'error', message: (err as Error).stack ?? String(err) };
  }
  port.postMessage(result);
});

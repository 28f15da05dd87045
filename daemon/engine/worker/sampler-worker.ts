// The sampler thread's entry (sampler-thread.ts starts it): keeps the checkpoint it last
// loaded and answers one job at a time. Generation runs here, off the server's thread; each
// response goes back to the server to be verified (its verifier and sandbox pool are shared
// with every other request).
import { parentPort } from 'node:worker_threads';
import type { VerifyResult, VerifyTask } from '../../../shared/verify.js';
import { CheckpointSampler } from '../sample-problem.js';
import { fromErrorPayload, toErrorPayload } from './error-payload.js';
import type { FromSampler, ToSampler } from './sampler-messages.js';

const port = parentPort!;
const post = (m: FromSampler) => port.postMessage(m);
const sampler = new CheckpointSampler();
const verifying = new Map<number, { resolve: (r: VerifyResult) => void; reject: (e: Error) => void }>();
let nextId = 1;

const verify = (task: VerifyTask, response: string) =>
  new Promise<VerifyResult>((resolve, reject) => {
    const id = nextId++;
    verifying.set(id, { resolve, reject });
    post({ kind: 'verify', id, task, response });
  });

port.on('message', (m: ToSampler) => {
  if (m.kind === 'sample') {
    sampler.sample(m.job, verify).then(
      (value) => post({ kind: 'sampled', value }),
      (err: unknown) => post({ kind: 'failed', error: toErrorPayload(err) }),
    );
    return;
  }
  const waiting = verifying.get(m.id);
  verifying.delete(m.id);
  if (m.kind === 'verified') waiting?.resolve(m.result);
  else waiting?.reject(fromErrorPayload(m.error));
});

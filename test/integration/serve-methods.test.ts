// The remaining methods over the socket: every Methods constant is served, verify goes
// through the real verifier, verl folders import and export, status reports the daemon;
// and `rlvr train` writes the same store the daemon reads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ErrorCodes, Methods } from '../../shared/protocol.js';
import { connect, runCli, startDaemon, tmpDataDir, TINY_CONFIG, type Client, type Daemon } from './daemon.js';

let dir: string;
let d: Daemon;
let c: Client;

before(async () => {
  dir = tmpDataDir();
  d = await startDaemon(dir);
  c = await connect(d.port, d.token);
});

after(async () => {
  await c.close();
  assert.equal(await d.stop(), 0);
});

test('every method of Methods is registered (none answers MethodNotFound)', async () => {
  for (const [name, type] of Object.entries(Methods)) {
    if (name === 'startRun') continue; // would start a run; covered in serve-run
    try {
      await c.conn.sendRequest(type.method, { runId: 'none' });
    } catch (err) {
      assert.notEqual((err as { code: number }).code, ErrorCodes.MethodNotFound, `${type.method} is not served`);
    }
  }
});

test('verify runs the real math verifier on demand', async () => {
  const ok = await c.request(Methods.verify, { task: { kind: 'math', answer: '\\frac{3}{4}' }, response: 'so the answer is \\boxed{0.75}' });
  assert.equal(ok.reward, 1);
  assert.equal(ok.verdict, 'correct');
  const none = await c.request(Methods.verify, { task: { kind: 'math', answer: '3' }, response: 'I do not know' });
  assert.deepEqual([none.reward, none.verdict], [0, 'no_answer']);
});

test('status reports the daemon: pid, versions, backend, clients, no active run', async () => {
  const s = await c.request(Methods.status, {});
  assert.equal(s.pid, d.pid);
  assert.equal(s.node, process.version);
  assert.equal(s.tfjs, '4.22.0');
  assert.match(s.version, /^\d+\.\d+\.\d+/);
  assert.ok(s.backend?.name, 'a backend was selected and reported');
  assert.equal(s.activeRun, null);
  assert.ok(s.clients >= 1);
});

test('a verl rollout folder imports as a read-only run, queryable and exportable over the socket', async () => {
  const verl = mkdtempSync(path.join(os.tmpdir(), 'rlvr-verl-in-'));
  const line = (input: string, score: number, step: number) => JSON.stringify({ input, output: `...\\boxed{${score}}`, gts: '1', score, step });
  writeFileSync(path.join(verl, '1.jsonl'), [line('q1', 1, 1), line('q1', 0, 1)].join('\n') + '\n');
  writeFileSync(path.join(verl, '2.jsonl'), [line('q1', 1, 2), line('q1', 1, 2)].join('\n') + '\n');
  const { runId } = await c.request(Methods.importVerlRun, { dir: verl, name: 'from-verl' });
  const run = await c.request(Methods.getRun, { runId });
  assert.deepEqual([run.name, run.status, run.readOnly], ['from-verl', 'imported', true]);
  assert.equal((await c.request(Methods.queryRollouts, { runId, reward: 1 })).total, 3);
  assert.deepEqual((await c.request(Methods.metricSeries, { runId })).map((m) => m.meanReward), [0.5, 1]);
  await assert.rejects(c.request(Methods.startRun, { resumeRunId: runId }), (e: { code: number }) => e.code === ErrorCodes.ReadOnlyRun);
  await assert.rejects(c.request(Methods.pauseRun, { runId }), (e: { code: number }) => e.code === ErrorCodes.ReadOnlyRun);
  const out = mkdtempSync(path.join(os.tmpdir(), 'rlvr-verl-out-'));
  assert.deepEqual(await c.request(Methods.exportVerlRun, { runId, dir: out }), { files: 2 });
  assert.deepEqual(readdirSync(out).sort(), ['1.jsonl', '2.jsonl']);
  await assert.rejects(c.request(Methods.importVerlRun, { dir: path.join(verl, 'nope') }), /cannot read verl rollout folder/);
});

test('`rlvr train --data-dir` writes the store the running daemon serves', async () => {
  const r = await runCli(['train', '--config', TINY_CONFIG, '--max-steps', '1', '--data-dir', dir], 300_000);
  assert.equal(r.code, 0, r.stderr);
  const runs = await c.request(Methods.listRuns, {});
  const trained = runs.find((x) => x.status === 'finished' && !x.readOnly);
  assert.ok(trained, JSON.stringify(runs.map((x) => [x.name, x.status])));
  assert.equal((await c.request(Methods.queryRollouts, { runId: trained.id })).total, 8, '2 stages x 1 step x 2 prompts x G=2');
});

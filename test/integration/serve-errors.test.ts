// Bad requests get clear JSON-RPC errors and the daemon keeps serving everyone; the same
// connection speaks LSP (diagnostics for stage configs, re-checked on disk changes).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { ErrorCodes, Methods } from '../../shared/protocol.js';
import type { VerifyTask } from '../../shared/verify.js';
import { connect, openSocket, startDaemon, tmpDataDir, type Client, type Daemon } from './daemon.js';

let d: Daemon;
let bystander: Client;

before(async () => {
  d = await startDaemon(tmpDataDir());
  bystander = await connect(d.port, d.token);
});

after(async () => {
  await bystander.close();
  assert.equal(await d.stop(), 0);
});

/** A raw socket: send exactly these bytes, read the next reply. */
async function raw(): Promise<{ ws: WebSocket; send(text: string): Promise<{ id: unknown; error?: { code: number; message: string }; result?: unknown }> }> {
  const ws = openSocket(d.port, { bearer: d.token });
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  return {
    ws,
    send: (text) =>
      new Promise((resolve) => {
        ws.once('message', (m) => resolve(JSON.parse(m.toString())));
        ws.send(text);
      }),
  };
}

async function stillServing(): Promise<void> {
  const s = await bystander.request(Methods.status, {});
  assert.equal(s.pid, d.pid);
}

test('malformed JSON: parse error with id null; the socket and the daemon stay up', async () => {
  const r = await raw();
  const reply = await r.send('{"jsonrpc": "2.0", "id": 1, "method": ');
  assert.equal(reply.id, null);
  assert.equal(reply.error?.code, ErrorCodes.ParseError);
  assert.match(reply.error!.message, /not valid JSON/);
  const ok = await r.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: Methods.listRuns.method, params: {} }));
  assert.deepEqual(ok.result, []);
  const notRpc = await r.send('[1, 2]');
  assert.equal(notRpc.error?.code, -32600);
  r.ws.close();
  await stillServing();
});

test('unknown method, wrong parameter types, unknown fields: typed errors that name the problem', async () => {
  const c = await connect(d.port, d.token);
  await assert.rejects(c.conn.sendRequest('rlvr/explode', {}), (e: { code: number; message: string }) => {
    assert.equal(e.code, ErrorCodes.MethodNotFound);
    assert.match(e.message, /unknown method 'rlvr\/explode'/);
    return true;
  });
  await assert.rejects(c.conn.sendRequest(Methods.queryRollouts.method, { runId: 42 }), (e: { code: number; message: string; data?: { field?: string } }) => {
    assert.equal(e.code, ErrorCodes.InvalidParams);
    assert.equal(e.message, 'invalid params: params.runId must be a non-empty string, got number');
    assert.equal(e.data?.field, 'params.runId');
    return true;
  });
  await assert.rejects(c.conn.sendRequest(Methods.startRun.method, { maxStepsPerStage: 'two' }), /params\.maxStepsPerStage must be an integer >= 1/);
  await assert.rejects(c.conn.sendRequest(Methods.listRuns.method, { limt: 5 }), /unknown field params\.limt/);
  await assert.rejects(c.conn.sendRequest(Methods.getRun.method, 'abc', 'def'), /takes one object of named parameters/);
  await assert.rejects(
    c.request(Methods.verify, { task: { kind: 'code', tests: [{ input: 1, output: '2' }] } as never, response: '' }),
    /params\.task\.tests\[0\]\.input must be a string/,
  );
  await assert.rejects(c.request(Methods.getRun, { runId: 'nope' }), (e: { code: number }) => e.code === ErrorCodes.RunNotFound);
  await assert.rejects(c.request(Methods.getRollout, { id: 12345 }), (e: { code: number }) => e.code === ErrorCodes.RolloutNotFound);
  await assert.rejects(c.request(Methods.startRun, { configPath: 'relative.yaml' }), /configPath must be absolute/);
  await assert.rejects(c.request(Methods.startRun, { configPath: '/nonexistent/x.yaml' }), (e: { code: number }) => e.code === ErrorCodes.ConfigInvalid);
  const badConfig = path.join(mkdtempSync(path.join(os.tmpdir(), 'rlvr-badcfg-')), 'stages.yaml');
  writeFileSync(badConfig, 'seed: 1\nstages:\n  - name: a\n    kind: algebra\n');
  await assert.rejects(c.request(Methods.startRun, { configPath: badConfig }), (e: { code: number; message: string; data?: { file?: string; line?: number; field?: string } }) => {
    assert.equal(e.code, ErrorCodes.ConfigInvalid);
    assert.deepEqual(e.data, { file: badConfig, line: 4, field: 'stages[0].kind' });
    assert.match(e.message, /stages\.yaml:4: stages\[0\]\.kind/);
    return true;
  });
  assert.equal((await c.request(Methods.status, {})).activeRun, null, 'a refused start leaves no active run');
  await c.close();
  await stillServing();
});

test('an oversized message closes its socket (1009) unread; the daemon keeps serving', async () => {
  // The limit is enforced on the WebSocket frame (issue 14): an 8 MB+ message is never
  // buffered whole or parsed, so parallel ones cannot pile up memory.
  const r = await raw();
  r.ws.on('error', () => {});
  const big = JSON.stringify({ jsonrpc: '2.0', id: 7, method: Methods.verify.method, params: { task: { kind: 'math', answer: '1' }, response: 'x'.repeat(9 * 1024 * 1024) } });
  const closed = new Promise<number>((resolve) => r.ws.once('close', (code) => resolve(code)));
  r.ws.send(big);
  // 1009 when the close frame arrives; 1006 when the server's close cuts our send short.
  assert.ok([1006, 1009].includes(await closed));
  await stillServing();
});

test('LSP on the same connection: initialize, then stage-config diagnostics with line and field, re-checked when the file changes on disk', async () => {
  const c = await connect(d.port, d.token);
  const init = (await c.conn.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} })) as {
    capabilities: { textDocumentSync: unknown };
  };
  assert.ok(init.capabilities.textDocumentSync);
  c.conn.sendNotification('initialized', {});
  // rlvr/* still answers on the LSP-initialised connection.
  assert.equal((await c.request(Methods.status, {})).pid, d.pid);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-lsp-'));
  mkdirSync(path.join(dir, 'data'));
  const file = path.join(dir, 'stages.yaml');
  const bad =
    'seed: 1\nstages:\n  - name: a\n    kind: math\n    dataset: embedded:math\n    group_size: eight\n' +
    '    max_response_length: 16\n    prompts_per_step: 2\n    learning_rate: 0.001\n    steps: 1\n';
  writeFileSync(file, bad);
  const uri = pathToFileURL(file).href;
  type Diags = { uri: string; diagnostics: { range: { start: { line: number } }; message: string }[] };
  const published = (pred: (d: Diags) => boolean) => c.waitFor<Diags>({ method: 'textDocument/publishDiagnostics' }, (p) => p.uri === uri && pred(p), 20_000);
  // The watcher starts asynchronously after the first diagnostics; a write that lands before
  // it is watching is missed, so the disk change is repeated (bounded) until it is seen.
  const untilPublished = async (write: () => void, pred: (d: Diags) => boolean) => {
    for (let i = 0; i < 40; i++) {
      write();
      const hit = await Promise.race([published(pred), new Promise<null>((r) => setTimeout(() => r(null), 250))]);
      if (hit) return hit;
    }
    throw new Error('the disk change was never reflected in diagnostics');
  };
  const has = (p: Diags, text: string) => p.diagnostics.find((x) => x.message.includes(text));
  c.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text: bad } });
  const first = await published((p) => !!has(p, 'group_size'));
  const groupSize = has(first, 'stages[0].group_size: expected an integer >= 2, got "eight"');
  assert.ok(groupSize, JSON.stringify(first.diagnostics));
  assert.equal(groupSize.range.start.line, 5); // 0-based: line 6 of the file

  // Completion from the stage-config schema: the fields this stage does not have yet, and kind's values.
  type Item = { label: string; detail?: string };
  const fields = (await c.conn.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line: 6, character: 4 } })) as Item[];
  const labels = fields.map((f) => f.label);
  assert.ok(labels.includes('temperature') && labels.includes('filter'), labels.join(', '));
  assert.ok(!labels.includes('group_size') && !labels.includes('name'), 'fields the stage has are not offered again');
  assert.match(fields.find((f) => f.label === 'temperature')!.detail ?? '', /default 1/);
  const kinds = (await c.conn.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line: 3, character: 10 } })) as Item[];
  assert.deepEqual(kinds.map((k) => k.label).sort(), ['code', 'math', 'sft']);

  // Fixed on disk (editor buffer not dirty): re-validated without any editor event.
  const good = bad.replace('group_size: eight', 'group_size: 4').replace('dataset: embedded:math', 'dataset: data/missing.jsonl');
  const second = await untilPublished(() => writeFileSync(file, good), (p) => !has(p, 'group_size'));
  const missing = has(second, 'stages[0].dataset: dataset file not found');
  assert.ok(missing, JSON.stringify(second.diagnostics));
  assert.equal(missing.range.start.line, 4);
  assert.equal(second.diagnostics.length, 1, JSON.stringify(second.diagnostics));

  // The dataset appears: the config is re-checked because its dataset is watched too.
  await untilPublished(() => writeFileSync(path.join(dir, 'data', 'missing.jsonl'), ''), (p) => p.diagnostics.length === 0);

  // LSP shutdown + exit end this connection only, never the daemon.
  await c.conn.sendRequest('shutdown');
  c.conn.sendNotification('exit');
  await new Promise((r) => c.ws.once('close', r));
  await stillServing();
});

test('LSP dataset files: curation diagnostics on their lines, and a code lens to verify each reference solution', async () => {
  const c = await connect(d.port, d.token);
  await c.conn.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} });
  c.conn.sendNotification('initialized', {});
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-lsp-data-'));
  const file = path.join(dir, 'train.jsonl');
  const text = [
    JSON.stringify({ problem: 'A train travels 120 km in 2 hours. What is its average speed in km per hour?', answer: '60' }),
    '{"problem": oops}',
    JSON.stringify({
      question: 'Read an integer n from standard input and print twice its value on one line.',
      tests: [{ input: '2\n', output: '4\n' }, { input: '5\n', output: '10\n' }],
      solutions: ['print(int(input()) * 2)'],
    }),
  ].join('\n');
  writeFileSync(file, text);
  const uri = pathToFileURL(file).href;
  c.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'jsonl', version: 1, text } });
  type Diags = { uri: string; diagnostics: { range: { start: { line: number } }; message: string }[] };
  const diags = await c.waitFor<Diags>({ method: 'textDocument/publishDiagnostics' }, (p) => p.uri === uri, 20_000);
  const parse = diags.diagnostics.find((x) => x.range.start.line === 1);
  assert.ok(parse && /invalid JSON/.test(parse.message), JSON.stringify(diags.diagnostics));

  const all = (await c.conn.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as {
    range: { start: { line: number } };
    command: { command: string; arguments: [{ task: { kind: string }; response: string }] };
  }[];
  // Every problem also gets "Sample k rollouts" (curate-lens.test.ts); one has a reference to verify.
  const lenses = all.filter((l) => l.command.command === 'rlvr.verifyProblem');
  assert.equal(lenses.length, 1);
  assert.equal(lenses[0].range.start.line, 2);
  assert.equal(lenses[0].command.command, 'rlvr.verifyProblem');
  // The lens's arguments are exactly a verify request: run it and the reference passes.
  const arg = lenses[0].command.arguments[0];
  assert.equal(arg.task.kind, 'code');
  const verdict = await c.request(Methods.verify, arg as { task: VerifyTask; response: string });
  assert.deepEqual([verdict.reward, verdict.verdict], [1, 'passed']);
  await c.close();
});

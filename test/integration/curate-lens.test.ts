// The dataset code lenses through the real daemon socket: "Sample k rollouts" above each
// problem runs the shipped warm start (the store has no run) through the real verifiers,
// and the problem's lens then shows the measured "Pass rate: n/k", in every client, and
// again after a daemon restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCodes, Methods, type SampleProblemParams } from '../../shared/protocol.js';
import { connect, runCli, startDaemon, tmpDataDir, TINY_CONFIG, type Client, type Daemon } from './daemon.js';

interface Lens {
  range: { start: { line: number } };
  command: { title: string; command: string; arguments?: unknown[] };
}

let dataDir: string;
let d: Daemon;
let file: string;
let uri: string;
let text: string;

before(async () => {
  dataDir = tmpDataDir();
  d = await startDaemon(dataDir);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-lens-'));
  file = path.join(dir, 'train.jsonl');
  text = [
    // The embedded generators' shape: short enough for the warm start's 128-token context.
    JSON.stringify({ problem: '7-2=?', answer: '5' }),
    JSON.stringify({ problem: '3+4*5=?', answer: '23' }),
    JSON.stringify({ problem: 'x'.repeat(400), answer: '1' }),
  ].join('\n');
  writeFileSync(file, text);
  uri = pathToFileURL(file).href;
});

after(async () => {
  assert.equal(await d.stop(), 0);
});

/** An LSP client as the extension's LanguageClient is: lens refresh supported, k from its setting. */
interface Refreshes {
  n: number;
  onRefresh?: () => void;
}

async function lspClient(port: number, token: string, refreshes: Refreshes): Promise<Client> {
  const c = await connect(port, token);
  c.conn.onRequest('workspace/codeLens/refresh', () => {
    refreshes.n += 1;
    refreshes.onRefresh?.();
    return null;
  });
  await c.conn.sendRequest('initialize', {
    processId: null,
    rootUri: null,
    capabilities: { workspace: { codeLens: { refreshSupport: true } } },
    initializationOptions: { sampleK: 8 },
  });
  c.conn.sendNotification('initialized', {});
  c.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'jsonl', version: 1, text } });
  return c;
}

const lensesOf = async (c: Client) => (await c.conn.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as Lens[];
const titlesOn = (lenses: Lens[], line: number) => lenses.filter((l) => l.range.start.line === line).map((l) => l.command.title);

/** Resolves at the first workspace/codeLens/refresh request a client gets (at once if it had one). */
function refreshed(refreshes: Refreshes): Promise<void> {
  return refreshes.n > 0 ? Promise.resolve() : new Promise((resolve) => (refreshes.onRefresh = resolve));
}

test('"Sample 8 rollouts" measures a real pass rate, which the problem\'s lens then shows as n/8', async () => {
  const refreshes: Refreshes = { n: 0 };
  const a = await lspClient(d.port, d.token, refreshes);
  const b = await lspClient(d.port, d.token, { n: 0 });
  const before = await lensesOf(a); // didOpen and codeLens are handled in order: the lenses are there at once
  assert.deepEqual(titlesOn(before, 0), ['Sample 8 rollouts'], 'nothing measured yet: no pass rate');
  assert.deepEqual(titlesOn(before, 1), ['Sample 8 rollouts']);
  const sampleLens = before.find((l) => l.range.start.line === 0)!;
  assert.equal(sampleLens.command.command, 'rlvr.sampleProblem');

  // What the extension's command does with the lens's argument.
  const arg = sampleLens.command.arguments![0] as SampleProblemParams;
  assert.deepEqual([arg.file, arg.line, arg.k], [file, 1, 8]);
  const measured = await a.request(Methods.sampleProblem, arg);
  assert.equal(measured.k, 8);
  assert.equal(measured.samples.length, 8);
  assert.equal(measured.checkpointLabel, 'warm start', 'an empty store samples the shipped warm start');
  assert.equal(measured.passed, measured.samples.filter((s) => s.reward === 1).length);
  // The count is the verifier's: each response, checked again on its own, gets the same reward.
  for (const s of measured.samples) {
    const again = await a.request(Methods.verify, { task: { kind: 'math', answer: '5' }, response: s.response });
    assert.equal(again.reward, s.reward, `reward of ${JSON.stringify(s.response)}`);
  }
  // The warm start answers this rung with boxed numbers (measured: about half of them right).
  assert.ok(measured.samples.some((s) => /\\boxed\{-?\d+\}/.test(s.response)), JSON.stringify(measured.samples.map((s) => s.response)));

  await refreshed(refreshes);
  const label = `Pass rate: ${measured.passed}/8`;
  for (const c of [a, b]) {
    const after = await lensesOf(c);
    assert.deepEqual(titlesOn(after, 0), ['Sample 8 rollouts', label]);
    assert.deepEqual(titlesOn(after, 1), ['Sample 8 rollouts'], 'the other problem stays unmeasured');
  }

  // Same checkpoint, same seed: the same samples.
  const again = await a.request(Methods.sampleProblem, arg);
  assert.deepEqual(again.samples.map((s) => s.response), measured.samples.map((s) => s.response));

  // A prompt the policy's context cannot hold is refused with its file and line.
  const long = before.find((l) => l.range.start.line === 2)!.command.arguments![0] as SampleProblemParams;
  await assert.rejects(a.request(Methods.sampleProblem, long), (e: { code: number; message: string }) => {
    assert.equal(e.code, ErrorCodes.InvalidParams);
    assert.ok(e.message.startsWith(`${file}:3: the prompt does not fit`), e.message);
    return true;
  });
  // Sampling runs in a thread of its own: a checkpoint that is not one is a typed error from
  // there, and the thread samples the next request as before.
  const notAModel = path.dirname(file);
  await assert.rejects(a.request(Methods.sampleProblem, { ...arg, checkpoint: notAModel }), (e: { code: number; message: string }) => {
    assert.equal(e.code, ErrorCodes.InvalidParams);
    assert.match(e.message, /not a model checkpoint/);
    return true;
  });
  assert.deepEqual((await a.request(Methods.sampleProblem, arg)).samples.map((s) => s.response), measured.samples.map((s) => s.response));
  await a.close();
  await b.close();
});

test('a measured pass rate survives a daemon restart', async () => {
  assert.equal(await d.stop(), 0);
  d = await startDaemon(dataDir);
  const c = await lspClient(d.port, d.token, { n: 0 });
  const lenses = await lensesOf(c); // didOpen and codeLens are handled in order: the lenses are there at once
  assert.match(titlesOn(lenses, 0).join(' | '), /^Sample 8 rollouts \| Pass rate: \d\/8$/);
  await c.close();
});

test('once a run has checkpoints, the lens samples the latest checkpoint of the most recent run', async () => {
  const r = await runCli(['train', '--config', TINY_CONFIG, '--max-steps', '1', '--data-dir', dataDir], 300_000);
  assert.equal(r.code, 0, r.stderr);
  const c = await lspClient(d.port, d.token, { n: 0 });
  const lenses = await lensesOf(c); // didOpen and codeLens are handled in order: the lenses are there at once
  const arg = lenses.find((l) => l.range.start.line === 0 && l.command.command === 'rlvr.sampleProblem')!.command.arguments![0] as SampleProblemParams;
  const measured = await c.request(Methods.sampleProblem, arg);
  // tiny.yaml's stages are math-short then code: the last checkpoint is the code stage's.
  assert.match(measured.checkpointLabel, /^tiny · 01-code-step00001$/);
  assert.ok(measured.checkpoint.startsWith(dataDir) && measured.checkpoint.endsWith(path.join('01-code-step00001', 'policy')), measured.checkpoint);
  await c.close();
});

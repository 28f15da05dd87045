// The preflight (issue 11, issue 14 item 9): `rlvr train` / `rlvr eval` refuse a missing piece
// before the model loads, with one message naming it (file, line, field) and its fix, exit 1,
// and no run row in the store. Bubblewrap is hidden by binding /bin/false over it in a private
// mount namespace (root and unshare -m needed), as eval-verifier-failed.test.ts does.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openRunStore } from '../../daemon/store/index.js';
import { storePath } from '../../shared/data-dir.js';
import { ErrorCodes, Methods } from '../../shared/protocol.js';
import { canHideSandbox, connect, runCli, startDaemon, tmpDataDir } from './daemon.js';

const skipHide = canHideSandbox ? false : 'hiding bubblewrap needs it installed, root and unshare -m';

/** `rlvr ARGS` with bubblewrap bound over by /bin/false (for this process tree only). */
const withoutSandbox = (args: string[], timeoutMs: number) => runCli(args, timeoutMs, { hideSandbox: true });

function runsIn(dataDir: string): number {
  if (!existsSync(storePath(dataDir))) return 0;
  const store = openRunStore(storePath(dataDir));
  try {
    return store.listRuns({ limit: 100 }).length;
  } finally {
    store.close();
  }
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-preflight-'));

function config(name: string, stage: string, evalLine = 'eval: { problems: 2, k: 1, datasets: { math: none, code: none } }'): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, `seed: 1\nmodel: warmstart\n${evalLine}\nstages:\n  - ${stage}\n`);
  return file;
}
const mathStage = (over: string) => `{ name: m, kind: math, dataset: embedded:math, max_response_length: 32, group_size: 2, prompts_per_step: 2, learning_rate: 1.0e-4, steps: 1, ${over} }`;

/** A refused train: exit 1, the message matches, the backend never loaded, no run row. */
async function refused(cfg: string, message: RegExp): Promise<string> {
  const dataDir = tmpDataDir();
  const r = await runCli(['train', '--config', cfg, '--data-dir', dataDir, '--backend', 'wasm'], 60_000);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stdout, /^backend:/m, 'refused before the model loads');
  assert.equal(runsIn(dataDir), 0, 'no run row left in the store');
  return r.stderr;
}

const BAD: [string, (file: string) => void, RegExp][] = [
  ['a directory', (f) => mkdirSync(f), /is a directory/],
  ['missing', () => {}, /not found/],
  ['binary', (f) => writeFileSync(f, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 0xff, 0xfe, 10])), /:1: invalid JSON/],
  ['empty', (f) => writeFileSync(f, ''), /no problems/],
  ['a null line', (f) => writeFileSync(f, '{"prompt":"1+1","answer":"2"}\nnull\n'), /:2: \(record\): expected a JSON object, got null/],
  ['a 50 MB line', (f) => writeFileSync(f, JSON.stringify({ prompt: 'x'.repeat(50 * 1024 * 1024), answer: '2' }) + '\n'), /:1: prompt: 52428800 characters do not fit/],
];

for (const [what, make, message] of BAD) {
  test(`rlvr train with a dataset that is ${what}: file, line and field, exit 1, no run`, async () => {
    const file = path.join(dir, `${what.replace(/\W+/g, '-')}.jsonl`);
    make(file);
    const cfg = config(what.replace(/\W+/g, '-'), mathStage('').replace('embedded:math', file));
    const err = await refused(cfg, message);
    assert.ok(err.includes(file), err);
    assert.match(err, new RegExp(`${cfg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5: stages\\[0\\]\\.dataset`));
  });
}

test('group_size 100000 is refused at once with file, line and field', async () => {
  const cfg = config('group', mathStage('group_size: 100000').replace('group_size: 2, ', ''));
  await refused(cfg, /group\.yaml:5: stages\[0\]\.group_size: 100000 exceeds the maximum 1024/);
});

test('max_response_length 1e9 is refused against the model context', async () => {
  const cfg = config('long', mathStage('max_response_length: 1000000000').replace('max_response_length: 32, ', ''));
  await refused(cfg, /long\.yaml:5: stages\[0\]\.max_response_length: 1000000000 response tokens do not fit the model's context of 128/);
});

test('rlvr eval --k 100000 is refused at once', async () => {
  const r = await runCli(['eval', '--checkpoint', 'warmstart', '--dataset', 'embedded:math', '--k', '100000', '--backend', 'wasm'], 30_000);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /--k: 100000 exceeds the maximum 1024/);
  assert.doesNotMatch(r.stdout, /^backend:/m);
});

test('bubblewrap hidden: a code curriculum stops before the first step, names the sandbox and its fix, leaves no run', { skip: skipHide }, async () => {
  const cfg = config('code', '{ name: c, kind: code, dataset: embedded:code, max_response_length: 64, group_size: 2, prompts_per_step: 2, learning_rate: 1.0e-4, steps: 1 }');
  const dataDir = tmpDataDir();
  const r = await withoutSandbox(['train', '--config', cfg, '--data-dir', dataDir, '--backend', 'wasm'], 60_000);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /preflight: code sandbox: a code stage needs it: the code sandbox cannot run a test program/);
  assert.match(r.stderr, /fix: npm run setup \(or: sudo apt-get install bubblewrap python3\)/);
  assert.doesNotMatch(r.stdout, /^backend:|step /m, 'before the model and the first step');
  assert.equal(runsIn(dataDir), 0);
});

test('bubblewrap hidden: a math-only curriculum still trains, warning that code evaluation cannot be judged', { skip: skipHide }, async () => {
  const cfg = config('math', mathStage(''), 'eval: { problems: 1, k: 1 }');
  const dataDir = tmpDataDir();
  const r = await withoutSandbox(['train', '--config', cfg, '--out', path.join(dir, 'math-run'), '--data-dir', dataDir, '--backend', 'wasm'], 180_000);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /run \S+ finished/);
  assert.match(r.stderr, /warning: the code sandbox cannot run a test program .*code evaluation will report every sample as verifier failed; fix: npm run setup/);
  assert.equal(runsIn(dataDir), 1);
});

test('bubblewrap hidden: rlvr eval on code problems is refused with the fix', { skip: skipHide }, async () => {
  const r = await withoutSandbox(['eval', '--checkpoint', 'warmstart', '--dataset', 'embedded:code', '--problems', '2', '--k', '1', '--backend', 'wasm'], 60_000);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /code problems need it: .*\n\s+fix: npm run setup/);
});

test('rlvr serve startRun: a null dataset line is one PreflightFailed error with file, line and field, and no run', async () => {
  const data = path.join(dir, 'serve-null.jsonl');
  writeFileSync(data, '{"prompt":"1+1","answer":"2"}\nnull\n');
  const cfg = config('serve-null', mathStage('').replace('embedded:math', data));
  const d = await startDaemon(tmpDataDir());
  const c = await connect(d.port, d.token);
  try {
    await assert.rejects(c.request(Methods.startRun, { configPath: cfg }), (e: { code: number; message: string; data?: { file?: string; line?: number; field?: string } }) => {
      assert.equal(e.code, ErrorCodes.PreflightFailed);
      assert.match(e.message, /serve-null\.jsonl:2: \(record\): expected a JSON object, got null/);
      assert.deepEqual(e.data, { file: cfg, line: 5, field: 'stages[0].dataset' });
      return true;
    });
    assert.equal((await c.request(Methods.listRuns, {})).length, 0, 'no run row');
  } finally {
    await c.close();
    await d.stop();
  }
});

test('bubblewrap hidden: rlvr doctor fails the code sandbox and prints its fix', { skip: skipHide }, async () => {
  const r = await withoutSandbox(['doctor', '--backend', 'wasm', '--data-dir', tmpDataDir()], 60_000);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /FAIL\s+code sandbox\s+the code sandbox cannot run a test program.*\n\s+fix: npm run setup/);
});

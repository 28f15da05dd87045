// One pass-rate path: `rlvr curate`'s difficulty filter, `rlvr eval` and the editor's "Sample k
// rollouts" lens (over the real daemon socket) all "sample k, verify, count" through
// measurePassRates, so for the same checkpoint, problems, sampling settings and seed they give
// the same count for every problem, whatever each batches together.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Methods } from '../../shared/protocol.js';
import { WARMSTART_DIR } from '../../daemon/engine/run.js';
import { heldOutProblems } from '../../daemon/data/embedded/index.js';
import { problemRecord } from '../../daemon/data/records/record.js';
import { connect, runCli, startDaemon, tmpDataDir, type Daemon } from './daemon.js';

const K = 8;
const SEED = 3;
const MAX_TOKENS = 40;

// The warm start's own kind of problem (the embedded held-out split, all five rungs of each
// domain) written as a dataset file: some it solves every time, some never, some in between.
const RECORDS = [...heldOutProblems('math', 10), ...heldOutProblems('code', 5)].map((p) => {
  const r = problemRecord(p) as Record<string, unknown> & { id: string; kind: string };
  delete r.source;
  return r;
});

let dir: string;
let file: string;
let d: Daemon;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-pass-rates-'));
  file = path.join(dir, 'problems.jsonl');
  writeFileSync(file, RECORDS.map((r) => JSON.stringify(r)).join('\n') + '\n');
  d = await startDaemon(tmpDataDir());
});

after(async () => {
  assert.equal(await d.stop(), 0);
});

test('curate, eval and the lens give the same pass rate for the same checkpoint, problems and seed', async () => {
  const common = ['--k', String(K), '--seed', String(SEED), '--max-tokens', String(MAX_TOKENS)];

  // rlvr curate: the difficulty filter keeps everything ([0, 1]) and writes each pass rate.
  const out = path.join(dir, 'curated');
  const curated = await runCli(['curate', '--input', file, '--out', out, '--no-default-eval', '--skip', 'too-short,near-duplicate,exact-duplicate,weak-tests', '--checkpoint', WARMSTART_DIR, '--min-pass', '0', '--max-pass', '1', ...common], 180_000);
  assert.equal(curated.code, 0, curated.stderr);
  const kept = readFileSync(path.join(out, 'kept.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; pass_rate: number });
  const byCurate: Record<string, number> = Object.fromEntries(kept.map((r) => [r.id, Math.round(r.pass_rate * K)]));
  assert.deepEqual(Object.keys(byCurate).sort(), RECORDS.map((r) => r.id).sort(), 'every problem kept and measured');

  // rlvr eval: per-problem correct counts, by domain, in file order.
  const evaluated = await runCli(['eval', '--checkpoint', WARMSTART_DIR, '--dataset', file, ...common], 180_000);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const result = JSON.parse(evaluated.stdout.trim().split('\n').pop()!) as { domains: Record<string, { correct: number[] }> };
  const byEval: Record<string, number> = {};
  for (const kind of ['math', 'code']) {
    const ids = RECORDS.filter((r) => r.kind === kind).map((r) => r.id);
    ids.forEach((id, i) => (byEval[id] = result.domains[kind].correct[i]));
  }

  // The lens: "Sample k rollouts" on each line, through the daemon.
  const { port, token } = d;
  const client = await connect(port, token);
  const byLens: Record<string, number> = {};
  try {
    for (const [i, record] of RECORDS.entries()) {
      const m = await client.request(Methods.sampleProblem, { file, line: i + 1, record, k: K, seed: SEED, maxNewTokens: MAX_TOKENS, checkpoint: WARMSTART_DIR });
      byLens[record.id] = m.passed;
    }
  } finally {
    await client.close();
  }

  assert.deepEqual(byEval, byCurate, 'eval and curate');
  assert.deepEqual(byLens, byCurate, 'lens and curate');
  // Not a vacuous agreement: the policy solves some samples and misses others.
  const counts = Object.values(byCurate);
  assert.ok(counts.some((c) => c > 0 && c < K), JSON.stringify(byCurate));
});

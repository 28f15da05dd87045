// Honest evaluation: with the sandbox broken (bubblewrap replaced by /bin/false in a private
// mount namespace, so every program "fails to start"), code samples fail in the verifier,
// not in the policy. `rlvr eval` and `rlvr train` must say so - the eval line, the table,
// summary.json, the store's eval rows - instead of reporting code at a bare 0%.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openRunStore } from '../../daemon/store/index.js';
import { storePath } from '../../shared/data-dir.js';
import { canHideSandbox, runCli, tmpDataDir } from './daemon.js';

const skip = canHideSandbox ? false : 'replacing bubblewrap needs it installed, root and unshare -m';

// The preflight would refuse code evaluation without a sandbox (test/integration/preflight.test.ts);
// this test-only switch lets evaluation's honest counting of a broken sandbox stay tested.
/** `rlvr ARGS` with bubblewrap bound over by /bin/false (for this process tree only). */
const withBrokenSandbox = (args: string[], timeoutMs: number) => runCli(args, timeoutMs, { hideSandbox: true, env: { RLVR_TEST_ONLY_SKIP_SANDBOX_PREFLIGHT: '1' } });

test('rlvr eval with a broken sandbox: code reads "verifier failed on 8/8 samples", not 0%', { skip }, async () => {
  const r = await withBrokenSandbox(['eval', '--checkpoint', 'warmstart', '--dataset', 'embedded:code', '--problems', '4', '--k', '2', '--backend', 'wasm'], 120_000);
  assert.equal(r.code, 0, r.stderr);
  const line = r.stdout.split('\n').find((l) => l.startsWith('code:'));
  assert.match(line ?? '', /code: verifier failed on 8\/8 samples: no sample was judged/, r.stdout);
  assert.doesNotMatch(line ?? '', /avg@2 0\.0%/);
  const result = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(result.verifier_failed, 8);
  assert.equal(result.domains.code.verifier_failed, 8);
});

test('rlvr train with a broken sandbox: the eval line, the table, summary.json and the store say the code evaluations failed in the verifier', { skip }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-eval-failed-'));
  const config = path.join(dir, 'math-only.yaml');
  // Math RL only (math needs no sandbox) from the warm start, which writes programs the sandbox
  // then fails to run; held-out evaluation of both domains, as the default curriculum has it.
  writeFileSync(config, `seed: 7
model: warmstart
eval: { problems: 3, k: 2, max_response_length: { math: 32, code: 80 } }
stages:
  - { name: math, kind: math, dataset: embedded:math, max_response_length: 32, group_size: 2, prompts_per_step: 2, learning_rate: 1.0e-4, steps: 1 }
`);
  const dataDir = tmpDataDir();
  const out = path.join(dir, 'run');
  const r = await withBrokenSandbox(['train', '--config', config, '--out', out, '--data-dir', dataDir, '--backend', 'wasm'], 180_000);
  assert.equal(r.code, 0, r.stderr);
  const all = r.stdout + r.stderr;
  assert.match(all, /eval after warmstart: code: verifier failed on 6\/6 samples: no sample was judged/);
  assert.doesNotMatch(all, /code avg@2 0\.0%/, 'no bare 0% for code');
  // The table: the code column says it, and the note beneath counts the samples.
  assert.match(all, /^warmstart\s+\S+%\s+verifier failed$/m);
  assert.match(all, /\* code: verifier failed on 6\/6 samples/);
  const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
  assert.deepEqual(summary.evals.map((e: { verifier_failed?: unknown }) => e.verifier_failed), [{ code: { failed: 6, samples: 6 } }, { code: { failed: 6, samples: 6 } }]);
  // No accuracy where no sample was judged: null, as for a domain not evaluated.
  assert.deepEqual(summary.evals.map((e: { code: unknown }) => e.code), [null, null]);
  const store = openRunStore(storePath(dataDir));
  try {
    const [run] = store.listRuns({ limit: 1 });
    const code = store.evalResults(run.id).filter((e) => e.domain === 'code');
    assert.deepEqual(code.map((e) => e.verifierFailed), [6, 6]);
    assert.ok(store.evalResults(run.id).filter((e) => e.domain === 'math').every((e) => e.verifierFailed === 0));
  } finally {
    store.close();
  }
});

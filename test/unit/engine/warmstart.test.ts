// The shipped warm start loads with the current model code and answers held-out problems:
// if the checkpoint format or the generators drift from what it was trained on, this fails.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heldOutProblems } from '../../../daemon/data/embedded/index.js';
import { evaluateProblems } from '../../../daemon/engine/evaluate.js';
import { WARMSTART_DIR } from '../../../daemon/engine/run.js';
import { openVerifier } from '../../../daemon/engine/verifier.js';
import { initBackend } from '../../../daemon/model/backend.js';
import { loadModel } from '../../../daemon/model/load.js';

test('the shipped warm start loads and solves some held-out math greedily', async () => {
  await initBackend();
  const model = await loadModel(WARMSTART_DIR);
  const verifier = await openVerifier();
  try {
    const e = await evaluateProblems(model, verifier.verify, 'math', heldOutProblems('math', 50), { k: 1, temperature: 0, top_p: 1, maxNewTokens: 48 }, 0);
    assert.ok(e.avgAtK >= MIN_GREEDY_MATH, `greedy held-out math accuracy ${e.avgAtK} < ${MIN_GREEDY_MATH}`);
  } finally {
    await verifier.close();
    model.dispose();
  }
});

/** A floor well under what the shipped checkpoint measured (see daemon/assets/warmstart/README.md). */
const MIN_GREEDY_MATH = 0.02;

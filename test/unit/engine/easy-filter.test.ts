// The easy-prompt filter bites on the embedded 16K pool: with max_prompts it measures a seeded
// sample of distinct prompts, and the next stage trains on the measured prompts it kept (and
// their copies), never on a prompt measured as easy nor on one never measured. The stage log
// says how many prompts the stage trains on and their measured pass-rate range. Real warm
// start, real verifiers, real SQLite store.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Notifications, type NotificationType } from '../../../shared/protocol.js';
import { embeddedTrainPool } from '../../../daemon/data/embedded/index.js';
import { combineSeeds } from '../../../daemon/util/random.js';
import { problemKey } from '../../../daemon/data/records/record.js';
import type { Notify } from '../../../daemon/engine/api.js';
import { loadConfig } from '../../../daemon/engine/config.js';
import { easyPromptFilter } from '../../../daemon/engine/filter.js';
import { measurePassRates } from '../../../daemon/engine/pass-rates.js';
import { runCurriculum, WARMSTART_DIR } from '../../../daemon/engine/run.js';
import { openVerifier } from '../../../daemon/engine/verifier.js';
import { initBackend } from '../../../daemon/model/backend.js';
import { loadModel } from '../../../daemon/model/load.js';
import { openRunStore, type RunStore } from '../../../daemon/store/index.js';

const MAX_PASS = 0.5;
const CONFIG = `seed: 2
model: warmstart
eval: { problems: 2, k: 1, max_response_length: { math: 32, code: 80 }, datasets: { math: embedded:math, code: none } }
stages:
  - { name: warm, kind: math, dataset: embedded:math, max_response_length: 32, group_size: 2, prompts_per_step: 2, learning_rate: 1.0e-4, steps: 1 }
  - { name: filtered, kind: math, dataset: embedded:math, max_response_length: 32, group_size: 2, prompts_per_step: 8, learning_rate: 1.0e-4, steps: 3,
      filter: { max_pass_rate: ${MAX_PASS}, samples: 4, max_prompts: 48 } }
`;

let dir: string;
let store: RunStore;
let verifier: Awaited<ReturnType<typeof openVerifier>>;

before(async () => {
  await initBackend('wasm');
  dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-easy-filter-'));
  writeFileSync(path.join(dir, 'filtered.yaml'), CONFIG);
  store = openRunStore(path.join(dir, 'runs.db'));
  verifier = await openVerifier();
});

after(async () => {
  await verifier.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the filtered pool holds only measured prompts at or below max_pass_rate; easy ones and their copies are gone', async () => {
  const config = loadConfig(path.join(dir, 'filtered.yaml'));
  const stage = config.stages[1];
  const pool = embeddedTrainPool('embedded:math', config.seed)!;
  const model = await loadModel(WARMSTART_DIR);
  try {
    const f = await easyPromptFilter(model, verifier.verify, pool, stage, config.seed, 1);
    assert.equal(f.measured, 48);
    assert.ok(f.distinct > 1000, `the embedded pool has thousands of distinct prompts (${f.distinct})`);
    assert.ok(f.dropped.length > 0, 'the warm start already solves some measured prompts');
    const easy = new Set(f.dropped.map((id) => problemKey(pool.find((p) => p.id === id)!)));
    const kept = new Set(f.pool.map(problemKey));
    assert.ok(kept.size > 0 && kept.size <= 48 - easy.size, `${kept.size} distinct kept of 48 measured, ${easy.size} easy`);
    for (const key of easy) assert.ok(!kept.has(key), 'a measured-easy prompt (or a copy) stayed in the pool');
    // Copies go and stay together: every copy of a kept prompt is in the pool.
    assert.equal(f.pool.length, pool.filter((p) => kept.has(problemKey(p))).length);
    assert.ok(f.keptRange && f.keptRange[1] <= MAX_PASS && f.keptRange[0] >= 0, JSON.stringify(f.keptRange));
  } finally {
    model.dispose();
  }
});

test('the next stage trains on that pool and its log says how many prompts and their measured pass-rate range', async () => {
  const logs: string[] = [];
  const notify: Notify = <P>(type: NotificationType<P>, params: P) => {
    if (type.method === Notifications.log.method) logs.push((params as unknown as { message: string }).message);
  };
  const out = await runCurriculum({ configPath: path.join(dir, 'filtered.yaml'), outDir: path.join(dir, 'run'), sink: store, notify });
  assert.equal(out.status, 'finished');
  const line = logs.find((l) => l.startsWith('stage filtered: easy-prompt filter'));
  const m = line?.match(/measured 48 of (\d+) distinct prompts .* dropped (\d+) above 0\.5; the stage trains on (\d+) prompts \((\d+) distinct, measured pass rates ([\d.]+)%-([\d.]+)%\)/);
  assert.ok(m, `stage log: ${line}`);
  const [distinct, dropped, trainsOn, keptDistinct, lo, hi] = m.slice(1).map(Number);
  assert.ok(distinct > 1000 && dropped > 0 && keptDistinct <= 48 - dropped && trainsOn >= keptDistinct, line);
  assert.ok(lo >= 0 && hi <= 100 * MAX_PASS, line);

  // Every prompt the stage drew is one the filter measured at or below max_pass_rate with the
  // policy it had then (the end of stage warm): measured again the same way, the same counts.
  const drawn = store.queryRollouts({ runId: out.runId, stage: 'filtered', limit: 1000 }).rollouts;
  assert.ok(drawn.length > 0);
  const pool = embeddedTrainPool('embedded:math', 2)!;
  const problems = [...new Map(drawn.map((r) => pool.find((p) => p.id === r.problemId)!).map((p) => [problemKey(p), p])).values()];
  const warmEnd = readdirSync(path.join(dir, 'run', 'checkpoints')).find((d) => d.startsWith('00-warm'))!;
  const policy = await loadModel(path.join(dir, 'run', 'checkpoints', warmEnd, 'policy'));
  try {
    const stage = loadConfig(path.join(dir, 'filtered.yaml')).stages[1];
    const again = await measurePassRates(policy, verifier.verify, problems, 4, { maxNewTokens: 32, temperature: stage.temperature, topP: stage.top_p, seed: combineSeeds(2, 1, 17) });
    for (const r of again) assert.ok(r.passed / 4 <= MAX_PASS, `${r.problem.id} (${r.problem.prompt}) passes ${r.passed}/4 but was trained on`);
  } finally {
    policy.dispose();
  }
});

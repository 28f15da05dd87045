// Difficulty by a seeded policy: a tiny policy is taught to answer "\boxed{d}" with d
// drawn from {1, 2, 3}, so problems whose answer is 1-3 are sometimes solved and those
// whose answer is 9 never is. The split must come out the same on every run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { initBackend } from '../../daemon/model/backend.js';
import { Policy } from '../../daemon/engine/policy.js';
import { CharGpt } from '../../daemon/model/char/char-gpt.js';
import { Tokenizer } from '../../daemon/model/char/tokenizer.js';
import { verifyMath } from '../../daemon/verify/math/index.js';
import { PROJECT_ROOT } from '../../daemon/data/fixtures.js';
import { difficulty } from '../../daemon/data/curate/filters/difficulty.js';
import { runFilters } from '../../daemon/data/curate/pipeline.js';
import { loadCuratePolicy } from '../../daemon/data/curate/policy-sampler.js';
import type { LanguageModel } from '../../daemon/model/language-model.js';
import type { Problem } from '../../daemon/data/records/record.js';
import type { VerifyFn } from '../../daemon/data/curate/filter.js';

const tok = Tokenizer.characters();
const K = 8;
const verify: VerifyFn = async (task, response) => {
  if (task.kind !== 'math') throw new Error('math only');
  return verifyMath(task, response);
};
const problems: Problem[] = ['1', '2', '3', '9'].map((answer, i) => ({
  id: `q${i}`,
  kind: 'math',
  prompt: `Q${i}?`,
  answer,
  source: { file: 'd.jsonl', line: i + 1 },
}));

let tmp: string;
let policy: Policy;

before(async () => {
  await initBackend('wasm');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'rlvr-curate-difficulty-'));
  policy = new Policy(CharGpt.create({ vocabSize: tok.vocabSize, contextLength: 24, dModel: 32, nLayers: 1, nHeads: 2, mlpRatio: 2 }, 7));
  // Every prompt, each of the three answers: the policy learns the format and a spread.
  const data = problems.flatMap((p) =>
    ['1', '2', '3'].map((d) => ({ prompt: [tok.bos, ...tok.encode(`${p.prompt}\n`)], target: [...tok.encode(`\\boxed{${d}}`), tok.eos] })),
  );
  for (let i = 0; i < 25; i++) await policy.supervisedStep(data, { learningRate: 3e-2 });
  await policy.save(path.join(tmp, 'ckpt'));
});
after(async () => {
  policy?.dispose();
  await rm(tmp, { recursive: true, force: true });
});

async function split(model: LanguageModel = policy.model) {
  const filter = difficulty({ k: K, policy: model, seed: 3, maxNewTokens: 12 });
  const { kept, dropped } = await runFilters(problems, [filter], { verify });
  return { kept: kept.map((p) => p.id), dropped: dropped.map((d) => `${(d.record as { id: string }).id} ${d.reason}`), passes: Object.fromEntries(filter.passes) };
}

test('difficulty filtering with a seeded policy gives a reproducible split', async () => {
  const first = await split();
  const second = await split();
  assert.deepEqual(second, first);
  // Never-solved problems go: the policy only ever answers 1, 2 or 3.
  for (const id of ['q3']) assert.ok(first.dropped.includes(`${id} pass rate 0/${K} outside (0, 1)`), JSON.stringify(first));
  // Sometimes-solved problems stay: the split is not all-or-nothing.
  assert.ok(first.kept.length >= 2, JSON.stringify(first));
  assert.ok(first.kept.every((id) => first.passes[id] > 0 && first.passes[id] < K));
  // The same checkpoint loaded from disk (the CLI's path) gives the same split.
  const loaded = await loadCuratePolicy(path.join(tmp, 'ckpt'));
  try {
    assert.deepEqual(await split(loaded.model), first);
  } finally {
    await loaded.close();
  }
});

test('rlvr curate --checkpoint writes the pass-rate histogram and pass_rate per kept problem', async () => {
  const input = path.join(tmp, 'train.jsonl');
  await writeFile(input, problems.map((p) => JSON.stringify({ problem: p.prompt, answer: p.answer })).join('\n') + '\n');
  const out = path.join(tmp, 'out');
  const r = spawnSync(
    process.execPath,
    [path.join(PROJECT_ROOT, 'bin/rlvr.js'), 'curate', '--input', input, '--out', out, '--checkpoint', path.join(tmp, 'ckpt'), '--k', '4', '--min-pass', '0.25', '--max-pass', '1', '--skip', 'too-short,near-duplicate'],
    { encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /pass rate over 4 samples:/);
  const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8'));
  assert.equal(report.difficulty.k, 4);
  assert.equal(report.difficulty.histogram.length, 5);
  assert.equal(report.difficulty.histogram.reduce((a: number, b: number) => a + b, 0), problems.length);
  assert.ok(report.difficulty.histogram[0] >= 1);
  const kept = (await readFile(path.join(out, 'kept.jsonl'), 'utf8')).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  for (const k of kept) assert.ok(k.pass_rate >= 0.25 && k.pass_rate <= 1, JSON.stringify(k));
});

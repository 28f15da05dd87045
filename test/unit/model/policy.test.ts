// Seeded tests of the char model and the engine's policy updates on small models (WASM, the CPU default).
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { initBackend } from '../../../daemon/model/backend.js';
import { Policy, type PgSample } from '../../../daemon/engine/policy.js';
import { CharGpt, type CharGptOptions } from '../../../daemon/model/char/char-gpt.js';
import type { PolicyConfig } from '../../../daemon/model/char/config.js';
import { Tokenizer } from '../../../daemon/model/char/tokenizer.js';

const tok = Tokenizer.characters();
const TINY: PolicyConfig = { vocabSize: tok.vocabSize, contextLength: 48, dModel: 32, nLayers: 2, nHeads: 2, mlpRatio: 2 };
const enc = (s: string) => [tok.bos, ...tok.encode(s)];
let tmp: string;
const create = (config: PolicyConfig, seed: number, options: CharGptOptions = {}) => new Policy(CharGpt.create(config, seed, options));

before(async () => {
  await initBackend('wasm');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'rlvr-policy-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const maxDiff = (a: number[][], b: number[][]) => Math.max(...a.flatMap((r, i) => r.map((x, j) => Math.abs(x - b[i][j]))));

test('same config and seed give the same weights; parameter count as designed', async () => {
  const a = create(TINY, 5);
  const b = create(TINY, 5);
  const c = create(TINY, 6);
  const s = [{ prompt: enc('1+2='), response: tok.encode('3') }];
  assert.deepEqual(await a.tokenLogProbs(s), await b.tokenLogProbs(s));
  assert.notDeepEqual(await a.tokenLogProbs(s), await c.tokenLogProbs(s));
  const d = 32, m = 64, V = 100, C = 48;
  const perLayer = 4 * d * d + d + 2 * 2 * d + (d * m + m) + (m * d + d);
  assert.equal(a.numParameters(), V * d + C * d + 2 * perLayer + 2 * d + d * V);
  [a, b, c].forEach((p) => p.dispose());
});

test('KV-cache sampling log-probs equal a full recompute, prompts of different lengths', async () => {
  const p = create(TINY, 1);
  const prompts = [enc('12+3='), enc('7='), enc('100-99+1=')];
  for (const temperature of [1, 0.7]) {
    const gens = await p.generate(prompts, { maxNewTokens: 20, temperature, topP: 1, seed: 3, stopIds: [] });
    assert.ok(gens.every((g) => g.tokens.length === 20 && g.truncated));
    const full = await p.tokenLogProbs(prompts.map((pr, i) => ({ prompt: pr, response: gens[i].tokens })), { temperature });
    const diff = maxDiff(gens.map((g) => g.logProbs), full);
    assert.ok(diff < 1e-4, `max |logp(cache) - logp(full)| = ${diff} at T=${temperature}`);
  }
  // the no-cache path (benchmark baseline) samples the same tokens
  const opts = { maxNewTokens: 10, temperature: 1, topP: 0.9, seed: 4, stopIds: [tok.eos] };
  const cached = await p.generate(prompts, opts);
  const recomputed = await p.generate(prompts, { ...opts, kvCache: false });
  assert.deepEqual(recomputed.map((g) => g.tokens), cached.map((g) => g.tokens));
  assert.ok(maxDiff(recomputed.map((g) => g.logProbs), cached.map((g) => g.logProbs)) < 1e-4);
  p.dispose();
});

test('same seed gives the same generation; another seed another; entropy per token', async () => {
  const p = create(TINY, 2);
  const prompts = [enc('a'), enc('bb'), enc('a')];
  const opts = { maxNewTokens: 12, temperature: 1, topP: 0.95, seed: 9, stopIds: [] };
  const g1 = await p.generate(prompts, opts);
  const g2 = await p.generate(prompts, opts);
  const g3 = await p.generate(prompts, { ...opts, seed: 10 });
  assert.deepEqual(g1, g2);
  assert.notDeepEqual(g1.map((g) => g.tokens), g3.map((g) => g.tokens));
  // rows 0 and 2 share a prompt but draw from their own streams
  assert.notDeepEqual(g1[0].tokens, g1[2].tokens);
  // an untrained model is near uniform: entropy close to log V
  const e = g1[0].entropy;
  assert.equal(e.length, 12);
  assert.ok(e.every((x) => x > 0.8 * Math.log(tok.vocabSize) && x <= Math.log(tok.vocabSize) + 1e-6), `entropy ${e}`);
  p.dispose();
});

test('stop token ends a row (not truncated); rows that stop early leave the batch without changing others', async () => {
  const p = create(TINY, 3);
  // eight rows: one stopping row is under a quarter, so it stays in the batch for a while
  const prompts = [enc('x'), enc('yy'), enc('zzz'), enc('w'), enc('v'), enc('uu'), enc('ttt'), enc('s')];
  const greedy = { maxNewTokens: 10, temperature: 0, topP: 1, seed: 0, stopIds: [] };
  const free = await p.generate(prompts, greedy);
  const stop = free[0].tokens[2]; // row 0 stops after 3 tokens (or earlier, if repeated)
  const stopped = await p.generate(prompts, { ...greedy, stopIds: [stop] });
  prompts.forEach((_, i) => {
    const k = free[i].tokens.indexOf(stop);
    if (k < 0) {
      assert.equal(stopped[i].truncated, true);
      assert.deepEqual(stopped[i].tokens, free[i].tokens);
    } else {
      assert.equal(stopped[i].truncated, false);
      assert.deepEqual(stopped[i].tokens, free[i].tokens.slice(0, k + 1));
    }
  });
  assert.equal(stopped[0].truncated, false);
  p.dispose();
});

test('supervised training on a tiny pattern drives loss down and greedy output to the target', async () => {
  const p = create(TINY, 4);
  const data = [
    { prompt: enc('a:'), target: [...tok.encode('xyz'), tok.eos] },
    { prompt: enc('b:'), target: [...tok.encode('pq'), tok.eos] },
  ];
  const first = (await p.supervisedStep(data, { learningRate: 1e-2 })).loss;
  let last = first;
  for (let i = 0; i < 80; i++) last = (await p.supervisedStep(data, { learningRate: 1e-2 })).loss;
  assert.ok(first > 3 && last < 0.05, `loss ${first} -> ${last}`);
  const g = await p.generate(data.map((d) => d.prompt), { maxNewTokens: 8, temperature: 0, topP: 1, seed: 0, stopIds: [tok.eos] });
  assert.deepEqual(g.map((x) => tok.decode(x.tokens)), ['xyz', 'pq']);
  assert.ok(g.every((x) => !x.truncated));
  p.dispose();
});

test('token-level loss with PPO clip equals a hand computation from tokenLogProbs', async () => {
  const p = create(TINY, 5);
  const samples = [
    { prompt: enc('1+1='), response: tok.encode('2'), advantage: 1.5, mask: true },
    { prompt: enc('2+2='), response: tok.encode('1234'), advantage: -0.5, mask: true },
    { prompt: enc('9='), response: tok.encode('987654'), advantage: 3, mask: false },
  ];
  const lp = await p.tokenLogProbs(samples);
  // old log-probs shifted so some ratios fall outside [1 - eps, 1 + eps]
  const shifts = [0.3, -0.2, 0.05, 0.01, -0.4, 0.15, 0, 0, 0, 0, 0, 0];
  let s = 0;
  const withOld: PgSample[] = samples.map((x, i) => ({ ...x, oldLogProbs: lp[i].map((l) => l - shifts[s++ % shifts.length]) }));
  const eps = 0.2;
  let sum = 0;
  let n = 0;
  withOld.forEach((x, i) => {
    if (!x.mask) return;
    lp[i].forEach((l, t) => {
      const r = Math.exp(l - x.oldLogProbs![t]);
      sum += Math.min(r * x.advantage, Math.min(Math.max(r, 1 - eps), 1 + eps) * x.advantage);
      n += 1;
    });
  });
  const want = -sum / n;
  const got = await p.policyGradientStep(withOld, { learningRate: 0, clipRatio: eps });
  assert.equal(got.tokens, 5);
  assert.ok(Math.abs(got.loss - want) < 1e-5, `loss ${got.loss} vs hand ${want}`);
  // on-policy: ratio 1, loss = -(sum over tokens of A) / n
  const on = await p.policyGradientStep(samples, { learningRate: 0 });
  assert.ok(Math.abs(on.loss - -(1.5 * 1 - 0.5 * 4) / 5) < 1e-6, `on-policy loss ${on.loss}`);
  p.dispose();
});

test('gradient is linear in the advantage, token-mean normalised, and blind to masked samples', async () => {
  const p = create(TINY, 6);
  const r = { prompt: enc('3*3='), response: tok.encode('9!') };
  const norm = async (xs: PgSample[]) => (await p.policyGradientStep(xs, { learningRate: 0 })).gradNorm;
  const g1 = await norm([{ ...r, advantage: 1, mask: true }]);
  assert.ok(g1 > 1e-4);
  assert.ok(Math.abs((await norm([{ ...r, advantage: 2, mask: true }])) - 2 * g1) < 1e-4 * g1, 'doubles with A');
  assert.ok((await norm([{ ...r, advantage: 1, mask: true }, { ...r, advantage: -1, mask: true }])) < 1e-5 * g1, '+A and -A cancel');
  assert.ok(Math.abs((await norm([{ ...r, advantage: 1, mask: true }, { ...r, advantage: 1, mask: true }])) - g1) < 1e-4 * g1, 'divided by token count');
  const masked = await norm([{ ...r, advantage: 1, mask: true }, { prompt: enc('0='), response: tok.encode('12345'), advantage: 50, mask: false }]);
  assert.ok(Math.abs(masked - g1) < 1e-4 * g1, 'masked sample contributes nothing');
  const none = await p.policyGradientStep([{ ...r, advantage: 1, mask: false }], { learningRate: 0 });
  assert.deepEqual(none, { loss: 0, entropy: 0, gradNorm: 0, tokens: 0 });
  p.dispose();
});

test('policy-gradient steps with positive advantage raise the response log-prob; negative lower it', async () => {
  for (const sign of [1, -1]) {
    const p = create(TINY, 7);
    const sample = { prompt: enc('5-2='), response: [...tok.encode('3'), tok.eos] };
    const before = (await p.tokenLogProbs([sample]))[0].reduce((a, b) => a + b, 0);
    for (let i = 0; i < 3; i++) await p.policyGradientStep([{ ...sample, advantage: sign, mask: true }], { learningRate: 1e-3, maxGradNorm: 1 });
    const afterLp = (await p.tokenLogProbs([sample]))[0].reduce((a, b) => a + b, 0);
    assert.ok(sign * (afterLp - before) > 0.05, `sign ${sign}: log p ${before} -> ${afterLp}`);
    p.dispose();
  }
});

test('custom matMul gradient gives the same update as tf\'s own', async () => {
  const a = create(TINY, 8);
  const b = create(TINY, 8, { tfMatMulGrad: true });
  const xs: PgSample[] = [
    { prompt: enc('4+4='), response: tok.encode('8'), advantage: 1, mask: true },
    { prompt: enc('6+1='), response: tok.encode('77'), advantage: -1, mask: true },
  ];
  const sa = await a.policyGradientStep(xs, { learningRate: 1e-3 });
  const sb = await b.policyGradientStep(xs, { learningRate: 1e-3 });
  assert.ok(Math.abs(sa.gradNorm - sb.gradNorm) < 1e-5 * sb.gradNorm, `${sa.gradNorm} vs ${sb.gradNorm}`);
  const d = maxDiff(await a.tokenLogProbs(xs), await b.tokenLogProbs(xs));
  assert.ok(d < 1e-4, `log-probs after the step differ by ${d}`);
  a.dispose();
  b.dispose();
});

test('per-sequence and padded-batch training layouts compute the same loss and gradient', async () => {
  const a = create(TINY, 11, { layout: 'per-sequence' });
  const b = create(TINY, 11, { layout: 'batched' });
  const xs: PgSample[] = [
    { prompt: enc('12+30='), response: tok.encode('42'), advantage: 0.7, mask: true },
    { prompt: enc('1='), response: tok.encode('1111111'), advantage: -1.2, mask: true },
    { prompt: enc('5*5='), response: tok.encode('25'), advantage: 2, mask: false },
  ];
  assert.ok(maxDiff(await a.tokenLogProbs(xs), await b.tokenLogProbs(xs)) < 1e-5);
  const sa = await a.policyGradientStep(xs, { learningRate: 1e-3, temperature: 0.8 });
  const sb = await b.policyGradientStep(xs, { learningRate: 1e-3, temperature: 0.8 });
  assert.ok(Math.abs(sa.loss - sb.loss) < 1e-6 && Math.abs(sa.entropy - sb.entropy) < 1e-5, `${JSON.stringify(sa)} vs ${JSON.stringify(sb)}`);
  assert.ok(Math.abs(sa.gradNorm - sb.gradNorm) < 1e-5 * sb.gradNorm);
  assert.ok(maxDiff(await a.tokenLogProbs(xs), await b.tokenLogProbs(xs)) < 1e-4);
  a.dispose();
  b.dispose();
});

test('save/load round trip: same logits, same next training step (optimizer state restored)', async () => {
  const p = create(TINY, 9);
  const xs: PgSample[] = [
    { prompt: enc('8/2='), response: tok.encode('4'), advantage: 1, mask: true },
    { prompt: enc('8/4='), response: tok.encode('3'), advantage: -1, mask: true },
  ];
  for (let i = 0; i < 3; i++) await p.policyGradientStep(xs, { learningRate: 1e-3 });
  const dir = path.join(tmp, 'ck');
  await p.save(dir);
  await p.save(dir); // overwriting an existing checkpoint keeps one folder, no leftovers
  assert.deepEqual((await readdir(tmp)).sort(), ['ck']);
  const q = await Policy.load(dir);
  assert.deepEqual((q.model as CharGpt).config, (p.model as CharGpt).config);
  assert.deepEqual(await q.tokenLogProbs(xs), await p.tokenLogProbs(xs));
  const sp = await p.policyGradientStep(xs, { learningRate: 1e-3 });
  const sq = await q.policyGradientStep(xs, { learningRate: 1e-3 });
  assert.deepEqual(sq, sp);
  assert.deepEqual(await q.tokenLogProbs(xs), await p.tokenLogProbs(xs));
  p.dispose();
  q.dispose();
});

test('q/k/v biases (older checkpoints): layouts and the KV cache agree, save/load keeps them', async () => {
  const a = create({ ...TINY, qkvBias: true }, 12);
  const xs: PgSample[] = [
    { prompt: enc('7+7='), response: tok.encode('14'), advantage: 1, mask: true },
    { prompt: enc('2='), response: tok.encode('2222'), advantage: -1, mask: true },
  ];
  await a.policyGradientStep(xs, { learningRate: 1e-2 }); // biases move off zero
  const dir = path.join(tmp, 'bias');
  await a.save(dir);
  const b = await Policy.load(dir, { char: { layout: 'batched' } });
  assert.equal((b.model as CharGpt).config.qkvBias, true);
  const a1 = await Policy.load(dir, { char: { layout: 'per-sequence' } });
  assert.equal(b.numParameters(), a.numParameters());
  assert.ok(maxDiff(await a1.tokenLogProbs(xs), await b.tokenLogProbs(xs)) < 1e-5, 'per-sequence vs batched');
  a1.dispose();
  const gens = await a.generate(xs.map((x) => x.prompt), { maxNewTokens: 8, temperature: 1, topP: 1, seed: 1, stopIds: [] });
  const full = await a.tokenLogProbs(xs.map((x, i) => ({ prompt: x.prompt, response: gens[i].tokens })));
  assert.ok(maxDiff(gens.map((g) => g.logProbs), full) < 1e-4, 'cache vs recompute');
  a.dispose();
  b.dispose();
  // a checkpoint with tensors the config does not use is refused, not half-loaded
  const c = create(TINY, 13);
  const weights = path.join(tmp, 'extra');
  await c.save(weights);
  const { readFile, writeFile } = await import('node:fs/promises');
  const m = JSON.parse(await readFile(path.join(weights, 'manifest.json'), 'utf8'));
  m.config.nLayers = 1; // the second layer's tensors are now unused
  await writeFile(path.join(weights, 'manifest.json'), JSON.stringify(m));
  await assert.rejects(Policy.load(weights), /checkpoint has tensors this policy does not use \(h1\./);
  c.dispose();
});

test('bad inputs fail with messages that say what was wrong', async () => {
  const p = create(TINY, 10);
  await assert.rejects(p.generate([enc('x'.repeat(40))], { maxNewTokens: 20, temperature: 1, topP: 1, seed: 0, stopIds: [] }), /exceeds contextLength 48/);
  await assert.rejects(p.generate([[]], { maxNewTokens: 2, temperature: 1, topP: 1, seed: 0, stopIds: [] }), /at least one token/);
  await assert.rejects(
    p.policyGradientStep([{ prompt: enc('a'), response: [5, 6], advantage: 1, mask: true, oldLogProbs: [0] }], { learningRate: 0 }),
    /sample 0 has 1 oldLogProbs for 2 response tokens/,
  );
  await assert.rejects(Policy.load(path.join(tmp, 'nope')), /nope: not a model folder \(expected manifest\.json/);
  await assert.rejects(p.tokenLogProbs([{ prompt: enc('a'), response: [5] }], { temperature: 0 }), /temperature must be > 0/);
  assert.throws(() => create({ ...TINY, nHeads: 3 }, 0), /dModel \(32\) must be divisible by nHeads \(3\)/);
  p.dispose();
});

test('the optimizer in host memory takes bit-identical steps to the one beside the parameters', async () => {
  const { AdamW } = await import('../../../daemon/engine/optimizer.js');
  const weights = async (p: Policy) => Promise.all(p.model.parameters.map(async (x) => Array.from((await x.variable.data()) as Float32Array)));
  const models = [CharGpt.create(TINY, 14, { chunkTokens: 64 }), CharGpt.create(TINY, 14, { chunkTokens: 64 })];
  const [device, host] = [new Policy(models[0], new AdamW(models[0].parameters, 'device')), new Policy(models[1], new AdamW(models[1].parameters, 'host'))];
  // Rows of many lengths, so gradients are summed over several chunks; weight decay on.
  const xs: PgSample[] = Array.from({ length: 12 }, (_, i) => ({ prompt: enc(`${i}+${i}=`), response: tok.encode(String(2 * i).repeat(1 + (i % 4))), advantage: i % 3 === 0 ? -1 : 0.5, mask: true }));
  for (let step = 0; step < 3; step++) {
    const [a, b] = [await device.policyGradientStep(xs, { learningRate: 3e-3, weightDecay: 0.1 }), await host.policyGradientStep(xs, { learningRate: 3e-3, weightDecay: 0.1 })];
    assert.equal(a.loss, b.loss, `step ${step} loss`);
    assert.ok(Math.abs(a.gradNorm - b.gradNorm) < 1e-6 * a.gradNorm, `step ${step} gradient norm ${a.gradNorm} vs ${b.gradNorm}`);
  }
  assert.deepEqual(await weights(host), await weights(device));
  // clipping scales the summed gradient the same way in both places
  const [ca, cb] = [await device.policyGradientStep(xs, { learningRate: 3e-3, maxGradNorm: 1e-3 }), await host.policyGradientStep(xs, { learningRate: 3e-3, maxGradNorm: 1e-3 })];
  assert.ok(ca.gradNorm > 1e-3 && cb.gradNorm > 1e-3, 'clipping acted');
  const [wa, wb] = [await weights(device), await weights(host)];
  const worst = Math.max(...wa.flatMap((t, i) => t.map((x, k) => Math.abs(x - wb[i][k]))));
  assert.ok(worst < 1e-7, `after a clipped step the weights differ by ${worst}`);
  device.dispose();
  host.dispose();
});

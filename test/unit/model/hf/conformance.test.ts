// The TensorFlow.js decoder against transformers' own arithmetic: the fixtures' reference.json
// (float64, transformers' modeling building blocks) for qwen2-tiny (bf16, the real 151,936
// vocabulary, q/k/v biases, tied head), llama-tiny (f32, untied head) and a Qwen3 folder made by
// the fixtures' make_fixtures.py (head_dim != hidden/heads, q/k norms). The issue's bounds:
// log-probs within 2e-3, greedy continuations identical, gradient norms within 1%.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { fixturePath } from '../../../../daemon/data/fixtures.js';
import { Policy } from '../../../../daemon/engine/policy.js';
import { initBackend } from '../../../../daemon/model/backend.js';
import { HfModel } from '../../../../daemon/model/hf/hf-model.js';
import { openHfModel } from '../../../../daemon/model/hf/weights.js';
import { LLAMA, QWEN2, skipWithoutFixtures, tempDir } from './helpers.js';

interface Reference {
  sequences: number[][];
  next_token_logprobs: number[][];
  greedy: number[][];
  grad_norms: Record<string, number>;
}

const PYTHON = '/usr/bin/python3';
const TOOLS = fixturePath('hf/tools');
const torchMissing = spawnSync(PYTHON, ['-c', 'import torch']).status === 0 ? false : `${PYTHON} cannot import torch (apt-get install python3-torch)`;
const tmp = tempDir('conformance');
after(tmp.cleanup);
before(async () => {
  await initBackend('wasm');
});

/** A Qwen3 checkpoint and its reference, made by the fixtures' own tool (float64 under PyTorch). */
function makeQwen3(): string {
  const script = [
    'import sys, torch',
    'import make_fixtures as m',
    'g = torch.Generator().manual_seed(5)',
    'seqs = [torch.randint(0, 151936, (n,), generator=g).tolist() for n in (7, 11)]',
    'm.build(sys.argv[1], "qwen3-tiny", m.QWEN3, "BF16", 13, seqs)',
  ].join('\n');
  const r = spawnSync(PYTHON, ['-c', script, tmp.dir], { cwd: TOOLS!, encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  assert.equal(r.status, 0, `make_fixtures.py failed: ${r.stdout}${r.stderr}`);
  return path.join(tmp.dir, 'qwen3-tiny');
}

async function conforms(dir: string): Promise<void> {
  const ref = JSON.parse(readFileSync(path.join(dir, 'reference.json'), 'utf8')) as Reference;
  const model = await HfModel.load(dir);
  try {
    const rows = ref.sequences.map((s) => ({ input: s.slice(0, -1), target: s.slice(1) }));

    // log-probs of every next token
    const lp = tf.tidy(() => model.targetLogProbs(rows, 1).logp);
    const got = Array.from(await lp.data());
    lp.dispose();
    // the inference path (each layer's intermediates freed as it goes) computes the same values
    const lpInference = tf.tidy(() => model.targetLogProbs(rows, 1, { inference: true }).logp);
    assert.deepEqual(Array.from(await lpInference.data()), got);
    lpInference.dispose();
    const want = ref.next_token_logprobs.flat();
    assert.equal(got.length, want.length);
    const worst = Math.max(...got.map((x, i) => Math.abs(x - want[i])));
    assert.ok(worst <= 2e-3, `${path.basename(dir)}: max |log p - reference| = ${worst}`);

    // greedy continuations through the KV cache (the reference recomputes every prefix)
    const gens = await model.generate(ref.sequences, { maxNewTokens: ref.greedy[0].length, temperature: 0, topP: 1, seed: 0, stopIds: [] });
    assert.deepEqual(gens.map((g) => g.tokens), ref.greedy, `${path.basename(dir)}: greedy continuations`);

    // gradient of the sum of all next-token log-probs, per tensor (a tied embedding gets both uses)
    const { value, grads } = tf.variableGrads(() => model.targetLogProbs(rows, 1).logp.sum() as tf.Scalar, model.parameters.map((p) => p.variable));
    value.dispose();
    assert.deepEqual(model.parameters.map((p) => p.name).sort(), Object.keys(ref.grad_norms).sort(), 'one gradient per tensor of the checkpoint');
    for (const { name, variable } of model.parameters) {
      const norm = tf.tidy(() => grads[variable.name].square().sum().sqrt());
      const g = (await norm.data())[0];
      norm.dispose();
      const rel = Math.abs(g - ref.grad_norms[name]) / ref.grad_norms[name];
      assert.ok(rel <= 0.01, `${path.basename(dir)}: gradient norm of ${name} ${g} vs ${ref.grad_norms[name]} (${(100 * rel).toFixed(3)}%)`);
    }
    tf.dispose(Object.values(grads));
  } finally {
    model.dispose();
  }
}

test('qwen2-tiny (bf16, 151,936-token vocabulary, GQA, q/k/v biases, tied head) matches transformers', { skip: skipWithoutFixtures }, async () => {
  await conforms(QWEN2!);
});

test('llama-tiny (f32, untied head) matches transformers', { skip: skipWithoutFixtures }, async () => {
  await conforms(LLAMA!);
});

test('a Qwen3 checkpoint (head_dim apart from hidden/heads, q/k norms) matches transformers', { skip: skipWithoutFixtures || (torchMissing && !process.env.CI ? torchMissing : false) }, async () => {
  assert.ok(!torchMissing, torchMissing || '');
  await conforms(makeQwen3());
});

test('KV-cache sampling log-probs equal a full recompute, prompts of different lengths, temperature 0.7', { skip: skipWithoutFixtures }, async () => {
  const policy = new Policy(await HfModel.load(LLAMA!));
  try {
    const prompts = [[1, 17, 300, 42], [1, 5], [1, 99, 100, 101, 102, 103, 104]];
    const gens = await policy.generate(prompts, { maxNewTokens: 10, temperature: 0.7, topP: 1, seed: 3, stopIds: [] });
    const full = await policy.tokenLogProbs(prompts.map((p, i) => ({ prompt: p, response: gens[i].tokens })), { temperature: 0.7 });
    const diff = Math.max(...gens.flatMap((g, i) => g.logProbs.map((x, t) => Math.abs(x - full[i][t]))));
    assert.ok(diff < 1e-3, `max |log p(cache) - log p(recompute)| = ${diff}`);
  } finally {
    policy.dispose();
  }
});

test('save/load round trip: the same tensors, bit for bit, and the same log-probs', { skip: skipWithoutFixtures }, async () => {
  for (const source of [QWEN2!, LLAMA!]) {
    const model = await HfModel.load(source);
    const out = path.join(tmp.dir, `resaved-${path.basename(source)}`);
    await model.save(out);
    const again = await HfModel.load(out);
    try {
      for (let i = 0; i < model.parameters.length; i++) {
        const [a, b] = await Promise.all([model.parameters[i].variable.data(), again.parameters[i].variable.data()]);
        assert.equal(Buffer.compare(Buffer.from(a.buffer), Buffer.from(b.buffer)), 0, `${model.parameters[i].name} changed in the round trip`);
      }
      // Saved in the source dtype, a model never trained writes the source's bytes back.
      const [src, dst] = [openHfModel(source).weights, openHfModel(out).weights];
      assert.equal(dst.dtype, src.dtype);
      for (const name of src.names) assert.ok(src.readBytes(name).equals(dst.readBytes(name)), `${name}: stored bytes differ from the source's`);
      assert.deepEqual(JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')), JSON.parse(readFileSync(path.join(source, 'config.json'), 'utf8')));
    } finally {
      model.dispose();
      again.dispose();
    }
  }
});

test('checkpointed layers (activations recomputed in the backward pass) give the same gradients and leak nothing', { skip: skipWithoutFixtures }, async () => {
  for (const dir of [QWEN2!, LLAMA!]) {
    const model = await HfModel.load(dir);
    const ref = JSON.parse(readFileSync(path.join(dir, 'reference.json'), 'utf8')) as Reference;
    const rows = ref.sequences.map((s) => ({ input: s.slice(0, -1), target: s.slice(1) }));
    const vars = model.parameters.map((p) => p.variable);
    const gradsOf = async (checkpoint: boolean) => {
      const { value, grads } = tf.variableGrads(() => model.network.targetLogProbs(rows, 1, { checkpoint }).logp.sum() as tf.Scalar, vars);
      const out = { loss: (await value.data())[0], grads: await Promise.all(vars.map(async (v) => Array.from((await grads[v.name].data()) as Float32Array))) };
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    };
    const plain = await gradsOf(false);
    const before = tf.memory().numTensors;
    const recomputed = await gradsOf(true);
    assert.equal(tf.memory().numTensors, before, 'tensors left behind by the recomputation');
    assert.equal(recomputed.loss, plain.loss);
    let worst = 0;
    plain.grads.forEach((g, i) => g.forEach((x, k) => (worst = Math.max(worst, Math.abs(x - recomputed.grads[i][k]) / (Math.abs(x) + 1e-3)))));
    assert.ok(worst < 1e-5, `${path.basename(dir)}: checkpointed gradients differ by ${worst}`);
    model.dispose();
  }
});

// config.json: the fixtures parse with the right values; anything not implemented is refused
// with an error naming config.json and the field; RoPE inverse frequencies follow their definitions.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { expectedTensors, readHfConfig, ropeInverseFrequencies, type HfModelConfig } from '../../../../daemon/model/hf/config.js';
import { HfFormatError } from '../../../../daemon/model/hf/errors.js';
import { readSafetensorsHeader } from '../../../../daemon/model/hf/safetensors.js';
import { LLAMA, QWEN2, copyFixture, editJson, errorOf, skipWithoutFixtures as skip, tempDir } from './helpers.js';

const tmp = tempDir('config');
after(tmp.cleanup);

test('qwen2-tiny and llama-tiny configs parse with their values and transformers\' defaults', { skip }, () => {
  const q = readHfConfig(QWEN2!);
  assert.equal(q.architecture, 'Qwen2ForCausalLM');
  assert.deepEqual(
    [q.vocabSize, q.hiddenSize, q.intermediateSize, q.numLayers, q.numHeads, q.numKvHeads, q.headDim],
    [151936, 32, 80, 2, 4, 2, 8],
  );
  assert.deepEqual([q.ropeTheta, q.ropeScaling, q.rmsNormEps, q.tieWordEmbeddings, q.dtype], [1e6, null, 1e-6, true, 'BF16']);
  assert.deepEqual([q.bosTokenId, q.eosTokenIds, q.maxPositionEmbeddings], [151643, [151645], 4096]);
  assert.deepEqual(q.bias, { qkv: true, o: false, mlp: false });
  assert.equal(q.qkNorm, false);
  assert.equal(q.raw.max_window_layers, 2, 'the raw JSON is kept whole');

  const l = readHfConfig(LLAMA!);
  assert.equal(l.architecture, 'LlamaForCausalLM');
  assert.deepEqual([l.hiddenSize, l.numLayers, l.numHeads, l.numKvHeads, l.headDim, l.vocabSize], [48, 3, 6, 2, 8, 512]);
  assert.deepEqual([l.ropeTheta, l.rmsNormEps, l.tieWordEmbeddings, l.dtype], [1e4, 1e-5, false, 'F32']);
  assert.deepEqual(l.bias, { qkv: false, o: false, mlp: false });
});

test('expectedTensors names exactly the tensors in each fixture, with their shapes', { skip }, () => {
  for (const dir of [QWEN2!, LLAMA!]) {
    const cfg = readHfConfig(dir);
    const inFile = readSafetensorsHeader(path.join(dir, 'model.safetensors')).tensors.map((t) => ({ name: t.name, shape: t.shape }));
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    assert.deepEqual(expectedTensors(cfg).sort(byName), inFile.sort(byName), dir);
  }
});

/** A config.json in its own folder: qwen2-tiny's, edited. */
function qwenConfigWith(name: string, edit: (c: any) => void): string {
  const dir = copyFixture(QWEN2!, tmp.dir, name, ['config.json']);
  editJson(path.join(dir, 'config.json'), edit);
  return dir;
}

function assertRefused(dir: string, field: string, pattern: RegExp): void {
  const err = errorOf(() => readHfConfig(dir));
  assert.ok(err instanceof HfFormatError, String(err));
  assert.equal(err.field, field);
  assert.ok(err.message.startsWith(`${path.join(dir, 'config.json')}: field '${field}': `), err.message);
  assert.match(err.message, pattern);
}

test('what is not implemented is an error naming config.json and the field', { skip }, () => {
  assertRefused(qwenConfigWith('arch', (c) => (c.architectures = ['MistralForCausalLM'])), 'architectures', /"MistralForCausalLM" is not supported.*Qwen2ForCausalLM/);
  assertRefused(
    qwenConfigWith('yarn', (c) => (c.rope_scaling = { rope_type: 'yarn', factor: 4.0, original_max_position_embeddings: 32768 })),
    'rope_scaling.rope_type',
    /"yarn" is not implemented/,
  );
  assertRefused(qwenConfigWith('dynamic', (c) => (c.rope_scaling = { type: 'dynamic', factor: 2.0 })), 'rope_scaling.type', /"dynamic"/);
  assertRefused(qwenConfigWith('swa', (c) => (c.use_sliding_window = true)), 'use_sliding_window', /not implemented/);
  assertRefused(qwenConfigWith('kv', (c) => (c.num_key_value_heads = 3)), 'num_key_value_heads', /3 does not divide num_attention_heads \(4\)/);
  assertRefused(qwenConfigWith('act', (c) => (c.hidden_act = 'gelu')), 'hidden_act', /"gelu"/);
  assertRefused(qwenConfigWith('dtype', (c) => (c.torch_dtype = 'float64')), 'torch_dtype', /"float64"/);
  assertRefused(qwenConfigWith('hidden', (c) => delete c.hidden_size), 'hidden_size', /missing/);
  assertRefused(qwenConfigWith('layers', (c) => (c.num_hidden_layers = 2.5)), 'num_hidden_layers', /positive integer/);
  assertRefused(qwenConfigWith('quant', (c) => (c.quantization_config = { quant_method: 'gptq' })), 'quantization_config', /quantized/);
  assertRefused(qwenConfigWith('llama3', (c) => (c.rope_scaling = { rope_type: 'llama3', factor: 8.0 })), 'rope_scaling.low_freq_factor', /number/);
});

test('a folder without config.json says what it holds and what is needed', { skip }, () => {
  const dir = copyFixture(QWEN2!, tmp.dir, 'noconfig');
  writeFileSync(path.join(dir, 'config.json.bak'), '{}');
  rmSync(path.join(dir, 'config.json'));
  const err = errorOf(() => readHfConfig(dir));
  assert.ok(err.message.startsWith(`${path.join(dir, 'config.json')}: not found`), err.message);
  assert.match(err.message, /holds: config\.json\.bak, model\.safetensors/);
});

/** A config value with only the fields the RoPE helper reads. */
const rope = (scaling: HfModelConfig['ropeScaling'], headDim = 128, ropeTheta = 500000) => ({ headDim, ropeTheta, ropeScaling: scaling });

test('rope inverse frequencies: theta^(-2i/d), linear divides them all, llama3 keeps high and stretches low frequencies', () => {
  const base = ropeInverseFrequencies(rope(null, 8, 10000));
  assert.deepEqual([...base], [1, 10000 ** -0.25, 10000 ** -0.5, 10000 ** -0.75]);

  const plain = ropeInverseFrequencies(rope(null));
  const linear = ropeInverseFrequencies(rope({ type: 'linear', factor: 4 }));
  assert.equal(linear.length, 64);
  for (let i = 0; i < 64; i++) assert.equal(linear[i], plain[i] / 4);

  // Llama 3.1's published values: factor 8, low 1, high 4, original context 8192.
  const s = { type: 'llama3' as const, factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 };
  const l3 = ropeInverseFrequencies(rope(s));
  let kept = 0;
  let stretched = 0;
  let blended = 0;
  for (let i = 0; i < 64; i++) {
    const wavelen = (2 * Math.PI) / plain[i];
    if (wavelen < 8192 / 4) {
      assert.equal(l3[i], plain[i], `short wavelength ${i} unchanged`);
      kept++;
    } else if (wavelen > 8192 / 1) {
      assert.equal(l3[i], plain[i] / 8, `long wavelength ${i} divided by the factor`);
      stretched++;
    } else {
      assert.ok(l3[i] < plain[i] && l3[i] > plain[i] / 8, `wavelength ${i} between: blended`);
      blended++;
    }
  }
  assert.ok(kept > 0 && stretched > 0 && blended > 0, `${kept} kept, ${stretched} stretched, ${blended} blended`);
  for (let i = 1; i < 64; i++) assert.ok(l3[i] < l3[i - 1], 'still decreasing');
});

test('Qwen3 and Llama options: head_dim apart from hidden/heads, q/k norms, attention and MLP biases, tied head', { skip }, () => {
  const qwen3 = qwenConfigWith('qwen3', (c) => {
    c.architectures = ['Qwen3ForCausalLM'];
    c.head_dim = 16;
    c.attention_bias = true;
    c.rope_scaling = null;
  });
  const q3 = readHfConfig(qwen3);
  assert.deepEqual([q3.headDim, q3.qkNorm, q3.bias], [16, true, { qkv: true, o: true, mlp: false }]);
  const names = expectedTensors(q3).filter((t) => t.name.startsWith('model.layers.0.self_attn.'));
  assert.deepEqual(names.map((t) => `${t.name.slice(25)} ${t.shape}`), [
    'q_proj.weight 64,32', 'q_proj.bias 64', 'k_proj.weight 32,32', 'k_proj.bias 32', 'v_proj.weight 32,32', 'v_proj.bias 32',
    'o_proj.weight 32,64', 'o_proj.bias 32', 'q_norm.weight 16', 'k_norm.weight 16',
  ]);
  assert.ok(!expectedTensors(q3).some((t) => t.name === 'lm_head.weight'), 'tied: no lm_head');

  const q3default = readHfConfig(qwenConfigWith('qwen3-nohd', (c) => (c.architectures = ['Qwen3ForCausalLM'])));
  assert.equal(q3default.headDim, 128, 'Qwen3Config defaults head_dim to 128, not hidden/heads');

  const llama = copyFixture(LLAMA!, tmp.dir, 'llama-bias');
  editJson(path.join(llama, 'config.json'), (c) => {
    c.attention_bias = true;
    c.mlp_bias = true;
    c.rope_scaling = { rope_type: 'llama3', factor: 8.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 1024 };
    c.eos_token_id = [2, 7];
  });
  const l = readHfConfig(llama);
  assert.deepEqual(l.bias, { qkv: true, o: true, mlp: true });
  assert.equal(l.ropeScaling?.type, 'llama3');
  assert.deepEqual(l.eosTokenIds, [2, 7]);
  assert.ok(expectedTensors(l).some((t) => t.name === 'model.layers.2.mlp.down_proj.bias' && t.shape[0] === 48));

  const v5 = qwenConfigWith('rope-parameters', (c) => {
    delete c.rope_theta;
    delete c.torch_dtype;
    c.dtype = 'float16';
    c.rope_parameters = { rope_type: 'linear', rope_theta: 5e5, factor: 2.0 };
  });
  const r = readHfConfig(v5);
  assert.deepEqual([r.ropeTheta, r.ropeScaling, r.dtype], [5e5, { type: 'linear', factor: 2 }, 'F16'], 'transformers 5 spelling');
});

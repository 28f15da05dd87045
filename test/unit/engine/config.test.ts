import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig, parseConfig } from '../../../daemon/engine/config.js';
import { PROJECT_ROOT } from '../../../daemon/data/fixtures.js';

const good = `seed: 3
stages:
  - name: math
    kind: math
    dataset: embedded:math
    max_response_length: 32
    group_size: 8
    prompts_per_step: 4
    learning_rate: 3.0e-5
    steps: 10
  - name: code
    kind: code
    dataset: embedded:code
    max_response_length: 64
    group_size: eight
    prompts_per_step: 4
    learning_rate: 3.0e-5
    steps: 10
`;

test('a bad field is reported with file, line and field path', () => {
  const { errors } = parseConfig(good, 'stages.yaml');
  assert.equal(errors.length, 1);
  const e = errors[0];
  assert.equal(`${e.file}:${e.line}: ${e.field}: ${e.message}`, 'stages.yaml:15: stages[1].group_size: expected an integer >= 2, got "eight"');
});

test('a missing field points at the stage that lacks it; unknown fields are named', () => {
  const text = good.replace('group_size: eight', 'group_size: 8').replace('    steps: 10\n  - name: code', '    stepz: 10\n  - name: code');
  const { errors } = parseConfig(text, 'c.yaml');
  const msgs = errors.map((e) => `${e.line}: ${e.field}: ${e.message}`);
  assert.deepEqual(msgs, [
    '3: stages[0].steps: expected an integer >= 1, got nothing',
    '10: stages[0].stepz: unknown field (expected one of: name, kind, dataset, max_response_length, group_size, prompts_per_step, temperature, top_p, learning_rate, lr_schedule, warmup_steps, steps, schedule_steps, mask_truncated, updates_per_batch, clip_ratio, filter, checkpoint_every, eval_every)',
  ]);
});

test('YAML syntax errors carry their line', () => {
  const { errors } = parseConfig('seed: 1\nstages:\n  - name: [oops\n', 'x.yaml');
  assert.ok(errors.length > 0);
  assert.equal(errors[0].field, '(yaml)');
  assert.ok(errors[0].line >= 3, `line ${errors[0].line}`);
});

test('a valid config gets its defaults filled', () => {
  const { config, errors } = parseConfig(good.replace('group_size: eight', 'group_size: 8'), 'ok.yaml');
  assert.deepEqual(errors, []);
  assert.equal(config.seed, 3);
  assert.deepEqual(config.model, { from: 'warmstart' });
  assert.equal(config.stages[1].updates_per_batch, 1);
  assert.equal(config.stages[1].mask_truncated, true);
  assert.equal(config.eval.temperature, 0.6);
  assert.equal(config.eval.top_p, 0.95);
});

test('the shipped test config and the warm-start config validate', () => {
  for (const rel of ['test/configs/tiny.yaml', 'daemon/assets/warmstart.yaml', 'daemon/assets/default.yaml', 'daemon/assets/offpolicy.yaml']) {
    const cfg = loadConfig(path.join(PROJECT_ROOT, rel));
    assert.ok(cfg.stages.length > 0, rel);
  }
});

test('schedule_steps stretches the cosine schedule past the stage end; shorter than steps is refused', async () => {
  const { learningRateAt } = await import('../../../daemon/engine/trainer.js');
  const sft = (extra: string) => parseConfig(`stages:\n  - { name: w, kind: sft, dataset: embedded:mixed, max_response_length: 80, prompts_per_step: 4, learning_rate: 4.0e-3, lr_schedule: cosine, warmup_steps: 20, steps: 900${extra} }\n`, 'w.yaml');
  const stretched = sft(', schedule_steps: 2400');
  assert.deepEqual(stretched.errors, []);
  const stage = stretched.config!.stages[0];
  const plain = sft('').config!.stages[0];
  // At its last step the plain stage has decayed to 10%; the stretched one is still at 72.7%.
  assert.ok(Math.abs(learningRateAt(plain, 900) - 4e-4) < 1e-9);
  assert.ok(Math.abs(learningRateAt(stage, 900) / 4e-3 - (0.1 + 0.45 * (1 + Math.cos((Math.PI * 880) / 2380)))) < 1e-9);
  assert.equal(learningRateAt(stage, 10), learningRateAt(plain, 10), 'warm-up unchanged');

  const bad = sft(', schedule_steps: 100');
  assert.equal(bad.errors.length, 1);
  assert.match(`${bad.errors[0].field}: ${bad.errors[0].message}`, /schedule_steps.*at least steps \(900\), got 100/);
});

test('model: a Hugging Face folder as a plain path or {hf, save_dtype}; mistakes named', () => {
  const ok = good.replace('group_size: eight', 'group_size: 8');
  const parse = (model: string) => parseConfig(`model: ${model}\n${ok}`, 'm.yaml');
  assert.deepEqual(parse('/models/Qwen2.5-0.5B-Instruct').config.model, { from: 'hf', path: '/models/Qwen2.5-0.5B-Instruct', save_dtype: 'source' });
  assert.deepEqual(parse('{ hf: ./smollm2, save_dtype: bf16 }').config.model, { from: 'hf', path: './smollm2', save_dtype: 'bf16' });
  const bad = parse('{ hf: ./smollm2, save_dtype: fp8 }').errors.map((e) => `${e.line}: ${e.field}: ${e.message}`);
  assert.deepEqual(bad, ['1: model.save_dtype: expected one of "source", "f32", "bf16", got "fp8"']);
  const misplaced = parse('{ checkpoint: ./ck, save_dtype: bf16 }').errors.map((e) => `${e.field}: ${e.message}`);
  assert.deepEqual(misplaced, ['model.save_dtype: only a Hugging Face model ({hf: DIR}) has a save_dtype']);
});

test('the shipped hf-math.yaml validates; --model puts the user folder in place of its model', async () => {
  const { effectiveCurriculum } = await import('../../../daemon/engine/run.js');
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const os = await import('node:os');
  const configPath = path.join(PROJECT_ROOT, 'daemon/assets/hf-math.yaml');
  const shipped = loadConfig(configPath);
  assert.deepEqual(shipped.stages.map((s) => s.kind), ['math', 'math', 'code']);
  assert.equal(shipped.model.from, 'hf');
  const { config } = effectiveCurriculum({ configPath, model: '/models/SmolLM2-135M-Instruct', saveDtype: 'bf16' });
  assert.deepEqual(config.model, { from: 'hf', path: '/models/SmolLM2-135M-Instruct', save_dtype: 'bf16' });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-model-flag-'));
  writeFileSync(path.join(dir, 'manifest.json'), '{}');
  assert.deepEqual(effectiveCurriculum({ configPath, model: dir }).config.model, { from: 'checkpoint', path: dir });
  rmSync(dir, { recursive: true, force: true });
});

test('a file that is not a stage config says so, names the file and does not echo its content', () => {
  const secret = 'API_TOKEN=sk-live-0123456789abcdef';
  const { errors } = parseConfig(`${secret}\nsecond line\n`, '/home/u/.env');
  assert.equal(errors.length, 1);
  assert.equal(errors[0].file, '/home/u/.env');
  assert.match(errors[0].message, /^not a stage config: expected a YAML mapping .* found plain text$/);
  assert.ok(!errors[0].message.includes('sk-live'), errors[0].message);
});

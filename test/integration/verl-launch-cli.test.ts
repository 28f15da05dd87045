// `rlvr train --engine verl --dry-run`: the generated verl commands for the default curriculum
// and a three-stage config, checked field by field against ../shared/RECIPE.md (GRPO, token-level
// loss, no KL, no entropy bonus, one update per batch, G and temperature and length per stage,
// our reward, rollouts and metrics under the run's folder, stages chained through verl's model
// merger). With VERL_SRC set, every override key is also checked against verl's own trainer
// config (verl/trainer/config/_generated_ppo_trainer.yaml).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { PROJECT_ROOT } from '../../daemon/data/fixtures.js';
import { rewardModulePath } from '../../daemon/verl/reward-module.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rlvr-verl-launch-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const bin = path.join(PROJECT_ROOT, 'bin/rlvr.js');
const model = path.join(dir, 'Qwen-tiny');
mkdirSync(model);

function train(...args: string[]) {
  return spawnSync(process.execPath, [bin, 'train', '--engine', 'verl', '--dry-run', ...args], { encoding: 'utf8', timeout: 60_000 });
}

/** POSIX shell words (what shellQuote writes: bare words and '...' with '\'' inside). */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /'((?:[^']|'\\'')*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push(m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]);
  return out;
}

interface Stage {
  comment: string;
  env: Record<string, string>;
  argv: string[];
  o: Record<string, string>;
  merge?: string[];
}

/** The dry run's stages: its comment, the train command's env and overrides, the merge command. */
function parsePlan(stdout: string): Stage[] {
  const stages: Stage[] = [];
  for (const line of stdout.trim().split('\n')) {
    if (line.startsWith('# stage')) stages.push({ comment: line, env: {}, argv: [], o: {} });
    else if (line.startsWith('#')) continue;
    else if (line.includes('verl.trainer.main_ppo')) {
      const s = stages.at(-1)!;
      const w = words(line);
      while (/^[A-Z_]+=/.test(w[0])) {
        const [k, ...v] = w.shift()!.split('=');
        s.env[k] = v.join('=');
      }
      s.argv = w;
      for (const a of w.slice(w.indexOf('verl.trainer.main_ppo') + 1)) {
        const eq = a.indexOf('=');
        assert.ok(!(a.slice(0, eq) in s.o), `override ${a.slice(0, eq)} given twice`);
        s.o[a.slice(0, eq)] = a.slice(eq + 1);
      }
    } else if (line.includes('verl.model_merger')) stages.at(-1)!.merge = words(line);
    else assert.fail(`unexpected line: ${line}`);
  }
  return stages;
}

const flag = (argv: string[], name: string) => argv[argv.indexOf(name) + 1];

/** RECIPE.md's fixed algorithm, the same for every stage. */
function checkRecipe(s: Stage, runDir: string): void {
  const o = s.o;
  assert.equal(o['algorithm.adv_estimator'], 'grpo');
  assert.equal(o['algorithm.norm_adv_by_std_in_grpo'], 'True'); // (S - mean) / std
  assert.equal(o['actor_rollout_ref.actor.loss_agg_mode'], 'token-mean');
  assert.equal(o['actor_rollout_ref.actor.use_kl_loss'], 'False');
  assert.equal(o['actor_rollout_ref.actor.kl_loss_coef'], '0');
  assert.equal(o['algorithm.use_kl_in_reward'], 'False');
  assert.equal(o['algorithm.kl_ctrl.kl_coef'], '0');
  assert.equal(o['actor_rollout_ref.actor.entropy_coeff'], '0');
  // One update per batch: one epoch, the mini-batch is the whole batch of prompts.
  assert.equal(o['actor_rollout_ref.actor.ppo_epochs'], '1');
  assert.equal(o['actor_rollout_ref.actor.ppo_mini_batch_size'], o['data.train_batch_size']);
  assert.equal(o['custom_reward_function.path'], rewardModulePath());
  assert.equal(o['custom_reward_function.name'], 'compute_score');
  assert.equal(o['trainer.logger'], '[console,file]');
  const stageDir = path.dirname(o['trainer.rollout_data_dir']);
  assert.equal(path.dirname(stageDir), runDir);
  assert.equal(o['trainer.rollout_data_dir'], path.join(stageDir, 'rollouts'));
  assert.equal(s.env.VERL_FILE_LOGGER_PATH, path.join(stageDir, 'metrics.jsonl'));
  assert.equal(o['trainer.default_local_dir'], path.join(stageDir, 'checkpoints'));
  assert.equal(o['data.train_files'], path.join(stageDir, 'train.parquet'));
  // A checkpoint at the last step at least (the next stage merges it).
  assert.ok(Number(o['trainer.save_freq']) > 0);
}

function checkChain(stages: Stage[], steps: number[]): void {
  stages.forEach((s, i) => {
    if (i === stages.length - 1) return assert.equal(s.merge, undefined);
    const merge = s.merge!;
    assert.deepEqual(merge.slice(0, 6), ['python3', '-m', 'verl.model_merger', 'merge', '--backend', 'fsdp']);
    assert.equal(flag(merge, '--local_dir'), path.join(s.o['trainer.default_local_dir'], `global_step_${steps[i]}`, 'actor'));
    assert.equal(stages[i + 1].o['actor_rollout_ref.model.path'], flag(merge, '--target_dir'));
  });
}

function checkKeysAgainstVerl(stages: Stage[]): void {
  const src = process.env.VERL_SRC;
  if (!src) {
    console.log('VERL_SRC is not set: override keys not checked against verl/trainer/config/_generated_ppo_trainer.yaml');
    return;
  }
  const file = path.join(src, 'verl/trainer/config/_generated_ppo_trainer.yaml');
  assert.ok(existsSync(file), file);
  const cfg = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown>;
  for (const key of new Set(stages.flatMap((s) => Object.keys(s.o)))) {
    let cur: unknown = cfg;
    for (const part of key.split('.')) {
      assert.ok(cur && typeof cur === 'object' && part in (cur as object), `${key} is not a key of verl's trainer config`);
      cur = (cur as Record<string, unknown>)[part];
    }
  }
}

test('the default curriculum on verl: three stages, the recipe, chained through the model merger', () => {
  const runDir = path.join(dir, 'default-run');
  const r = train('--model', model, '--out', runDir);
  assert.equal(r.status, 0, r.stderr);
  const stages = parsePlan(r.stdout);
  const cfg = parseYaml(readFileSync(path.join(PROJECT_ROOT, 'daemon/assets/default.yaml'), 'utf8')) as { stages: { name: string; group_size: number; temperature: number; max_response_length: number; prompts_per_step: number; steps: number; learning_rate: number }[]; eval: { k: number; temperature: number; top_p: number } };
  assert.equal(stages.length, cfg.stages.length);
  stages.forEach((s, i) => {
    const want = cfg.stages[i];
    assert.match(s.comment, new RegExp(`^# stage ${i + 1}/3: ${want.name} `));
    assert.deepEqual(s.argv.slice(0, 3), ['python3', '-m', 'verl.trainer.main_ppo']);
    checkRecipe(s, runDir);
    assert.equal(Number(s.o['actor_rollout_ref.rollout.n']), want.group_size);
    assert.equal(Number(s.o['actor_rollout_ref.rollout.temperature']), want.temperature);
    assert.equal(Number(s.o['data.max_response_length']), want.max_response_length);
    assert.equal(Number(s.o['data.train_batch_size']), want.prompts_per_step);
    assert.equal(Number(s.o['actor_rollout_ref.actor.optim.lr']), want.learning_rate);
    assert.equal(Number(s.o['trainer.total_training_steps']), want.steps);
    assert.equal(Number(s.o['actor_rollout_ref.rollout.val_kwargs.n']), cfg.eval.k);
    assert.equal(Number(s.o['actor_rollout_ref.rollout.val_kwargs.temperature']), cfg.eval.temperature);
  });
  assert.equal(stages[0].o['actor_rollout_ref.model.path'], model);
  checkChain(stages, cfg.stages.map((s) => s.steps));
  assert.match(r.stdout, /# note: the easy-prompt filter of math-long is not applied under verl/);
  // The reward module on the workers finds this machine's daemon through its data dir.
  assert.ok(stages.every((s) => s.env.RLVR_DATA_DIR !== undefined));
  assert.ok(!existsSync(runDir), '--dry-run writes nothing');
  checkKeysAgainstVerl(stages);
});

test("a three-stage config (math 8K G=8 T=0.6, math 16K G=16 T=0.85, code 24K G=16 T=1.0) on a Ray cluster, the user's overrides winning", () => {
  const cfgDir = path.join(dir, 'three');
  mkdirSync(cfgDir);
  mkdirSync(path.join(cfgDir, 'base-model'));
  const stage = (name: string, kind: string, len: number, g: number, t: number, lr: number, steps: number) =>
    `  - { name: ${name}, kind: ${kind}, dataset: embedded:${kind}, max_response_length: ${len}, group_size: ${g}, prompts_per_step: 128, temperature: ${t}, learning_rate: ${lr}, steps: ${steps} }`;
  writeFileSync(
    path.join(cfgDir, 'stages.yaml'),
    [
      'seed: 3',
      'model: { hf: ./base-model }',
      'eval: { problems: 50, k: 8, temperature: 0.6, top_p: 0.95, max_response_length: { math: 32768, code: 32768 } }',
      'stages:',
      stage('math-8k', 'math', 8192, 8, 0.6, 1.0e-6, 300),
      stage('math-16k', 'math', 16384, 16, 0.85, 1.0e-6, 200),
      stage('code-24k', 'code', 24576, 16, 1.0, 5.0e-6, 150),
      '',
    ].join('\n'),
  );
  const runDir = path.join(dir, 'three-run');
  const r = train('--config', path.join(cfgDir, 'stages.yaml'), '--out', runDir, '--ray-address', 'http://head:8265', '--', 'actor_rollout_ref.rollout.n=4', 'trainer.n_gpus_per_node=8');
  assert.equal(r.status, 0, r.stderr);
  // Ray: each command is `ray job submit --address A --runtime-env-json {...} -- <command>`.
  const lines = r.stdout.trim().split('\n').filter((l) => !l.startsWith('#'));
  assert.ok(lines.every((l) => l.startsWith('ray job submit --address http://head:8265 --runtime-env-json ')), lines.join('\n'));
  const stages = parsePlan(r.stdout);
  const want = [
    { len: 8192, t: 0.6, lr: 1e-6, steps: 300 },
    { len: 16384, t: 0.85, lr: 1e-6, steps: 200 },
    { len: 24576, t: 1.0, lr: 5e-6, steps: 150 },
  ];
  stages.forEach((s, i) => {
    const w = words(lines[2 * i]);
    const env = JSON.parse(flag(w, '--runtime-env-json')) as { env_vars: Record<string, string> };
    s.env = env.env_vars;
    assert.deepEqual(w.slice(w.indexOf('--'), w.indexOf('--') + 4), ['--', 'python3', '-m', 'verl.trainer.main_ppo']);
    checkRecipe(s, runDir);
    // After `--`, the user's value replaces ours (once), and new keys are added.
    assert.equal(s.o['actor_rollout_ref.rollout.n'], '4');
    assert.equal(s.o['trainer.n_gpus_per_node'], '8');
    assert.equal(Number(s.o['actor_rollout_ref.rollout.temperature']), want[i].t);
    assert.equal(Number(s.o['data.max_response_length']), want[i].len);
    assert.equal(Number(s.o['actor_rollout_ref.actor.optim.lr']), want[i].lr);
    assert.equal(Number(s.o['trainer.total_training_steps']), want[i].steps);
    assert.equal(Number(s.o['data.train_batch_size']), 128);
    assert.equal(Number(s.o['actor_rollout_ref.rollout.val_kwargs.n']), 8);
  });
  assert.equal(stages[0].o['actor_rollout_ref.model.path'], path.join(cfgDir, 'base-model'));
  for (const s of stages) s.merge &&= s.merge.slice(s.merge.indexOf('--') + 1);
  checkChain(stages, want.map((w) => w.steps));
  checkKeysAgainstVerl(stages);
});

test('refusals name what to do: an rlvr model, an sft stage, a bad engine, a stray argument after --', () => {
  const warm = train();
  assert.equal(warm.status, 1);
  assert.match(warm.stderr, /verl needs a Hugging Face model folder; this config's model is the shipped warm start .*: pass --model DIR/);
  const sft = train('--config', path.join(PROJECT_ROOT, 'daemon/assets/warmstart.yaml'), '--model', model);
  assert.match(sft.stderr, /is an sft stage: the verl engine runs RL stages \(math, code\) only/);
  const engine = spawnSync(process.execPath, [bin, 'train', '--engine', 'deepspeed'], { encoding: 'utf8' });
  assert.match(engine.stderr, /--engine: expected verl/);
  const stray = train('--model', model, '--', 'oops');
  assert.match(stray.stderr, /after --: 'oops' is not a Hydra override \(key=value\)/);
  assert.equal(train('--model', model, '--', '~trainer.val_before_train', '+trainer.extra=1').status, 0);
  const bad = train('--model', model, '--', '--flag');
  assert.match(bad.stderr, /after --: '--flag' is not a Hydra override/);
});

// `rlvr train --engine verl`: each RL stage of a curriculum becomes one
// `python3 -m verl.trainer.main_ppo` run with the AceReason recipe as Hydra overrides. Every
// key below exists in verl's trainer config at volcengine/verl b178a3cd
// (verl/trainer/config/_generated_ppo_trainer.yaml); the reward is our reward module, the
// rollouts and the file logger land in the stage's folder (where `rlvr/watchVerlRun` follows
// them), and a stage starts from the previous stage's last checkpoint merged into a Hugging
// Face folder by verl's model merger (python3 -m verl.model_merger merge).
import path from 'node:path';
import type { CurriculumConfig, StageConfig } from '../../shared/config.js';
import { rewardModulePath } from './reward-module.js';

export interface VerlPlanOptions {
  config: CurriculumConfig;
  /** The run's folder: one sub-folder per stage. */
  runDir: string;
  /** The run's name (verl's trainer.experiment_name is `<name>-<stage>`). */
  name: string;
  /** Ray cluster address: submit through `ray job submit --address A`. */
  rayAddress?: string;
  /** Hydra overrides given after `--`: they win over ours. */
  extra?: string[];
  /** The Python that runs verl (default python3). */
  python?: string;
  /** Environment the reward module needs on verl's workers (RLVR_URL, RLVR_TOKEN, RLVR_DATA_DIR). */
  rewardEnv?: Record<string, string>;
}

export interface VerlCommand {
  argv: string[];
  /** Set for the process (direct run) or in the Ray job's runtime env. */
  env: Record<string, string>;
}

export interface VerlStagePlan {
  stage: StageConfig;
  dir: string;
  trainFile: string;
  /** null: no held-out set (the config's eval dataset is `none`). */
  valFile: string | null;
  rolloutDir: string;
  metricsFile: string;
  modelPath: string;
  overrides: string[];
  train: VerlCommand;
  /** Merges this stage's last checkpoint into `hfDir` for the next stage (absent after the last). */
  merge: VerlCommand | null;
  hfDir: string;
}

/** The key a Hydra override sets (`+key=v`, `++key=v`, `~key`), for "the user's value wins". */
export function overrideKey(o: string): string {
  const bare = o.replace(/^(\+\+|\+|~)/, '');
  const eq = bare.indexOf('=');
  return eq < 0 ? bare : bare.slice(0, eq);
}

function modelPathOf(config: CurriculumConfig): string {
  const m = config.model;
  if (m.from === 'hf' || m.from === 'checkpoint') {
    if (m.from === 'checkpoint') {
      throw new Error(`verl needs a Hugging Face model folder; this config starts from an rlvr checkpoint (${m.path}): pass --model DIR`);
    }
    return path.resolve(m.path);
  }
  throw new Error(`verl needs a Hugging Face model folder; this config's model is ${m.from === 'warmstart' ? 'the shipped warm start (an rlvr char model)' : 'the embedded model from scratch'}: pass --model DIR (or model: DIR in the config)`);
}

/** The recipe as Hydra overrides for one stage (before the user's own). */
export function stageOverrides(config: CurriculumConfig, stage: StageConfig, p: { modelPath: string; trainFile: string; valFile: string | null; rolloutDir: string; checkpointDir: string; experiment: string }): string[] {
  const evalRuns = p.valFile !== null;
  return [
    // GRPO: group-normalised advantages (std included), no critic.
    'algorithm.adv_estimator=grpo',
    'algorithm.norm_adv_by_std_in_grpo=True',
    // No KL anywhere, no entropy bonus.
    'algorithm.use_kl_in_reward=False',
    'algorithm.kl_ctrl.kl_coef=0',
    'actor_rollout_ref.actor.use_kl_loss=False',
    'actor_rollout_ref.actor.kl_loss_coef=0',
    'actor_rollout_ref.actor.entropy_coeff=0',
    // Token-level loss aggregation (DAPO's), strictly on-policy: one update per batch.
    'actor_rollout_ref.actor.loss_agg_mode=token-mean',
    `actor_rollout_ref.actor.ppo_epochs=${stage.updates_per_batch}`,
    `actor_rollout_ref.actor.ppo_mini_batch_size=${stage.prompts_per_step}`,
    `actor_rollout_ref.actor.clip_ratio=${stage.clip_ratio}`,
    `actor_rollout_ref.actor.optim.lr=${stage.learning_rate}`,
    `actor_rollout_ref.model.path=${p.modelPath}`,
    // Sampling: G responses per prompt at the stage's temperature; evaluation as configured.
    'actor_rollout_ref.rollout.name=vllm',
    `actor_rollout_ref.rollout.n=${stage.group_size}`,
    `actor_rollout_ref.rollout.temperature=${stage.temperature}`,
    `actor_rollout_ref.rollout.top_p=${stage.top_p}`,
    `actor_rollout_ref.rollout.val_kwargs.n=${config.eval.k}`,
    `actor_rollout_ref.rollout.val_kwargs.temperature=${config.eval.temperature}`,
    `actor_rollout_ref.rollout.val_kwargs.top_p=${config.eval.top_p}`,
    'actor_rollout_ref.rollout.val_kwargs.do_sample=True',
    // Data: the stage's problems in verl's RLHFDataset shape.
    `data.train_files=${p.trainFile}`,
    `data.val_files=${p.valFile ?? p.trainFile}`,
    `data.train_batch_size=${stage.prompts_per_step}`,
    `data.max_response_length=${stage.max_response_length}`,
    // Our verifiers as the reward (daemon/assets/verl/rlvr_reward.py).
    `custom_reward_function.path=${rewardModulePath()}`,
    'custom_reward_function.name=compute_score',
    // Rollouts and metrics under the run's folder, where rlvr/watchVerlRun follows them
    // (the file logger's path comes from VERL_FILE_LOGGER_PATH).
    `trainer.rollout_data_dir=${p.rolloutDir}`,
    'trainer.logger=[console,file]',
    `trainer.default_local_dir=${p.checkpointDir}`,
    'trainer.project_name=rlvr',
    `trainer.experiment_name=${p.experiment}`,
    `trainer.total_training_steps=${stage.steps}`,
    // A checkpoint at the end at least: the next stage starts from it.
    `trainer.save_freq=${stage.checkpoint_every > 0 ? stage.checkpoint_every : stage.steps}`,
    `trainer.test_freq=${evalRuns && stage.eval_every > 0 ? stage.eval_every : -1}`,
    `trainer.val_before_train=${evalRuns ? 'True' : 'False'}`,
  ];
}

/** Ours, minus every key the user set, then the user's, in their order. */
export function mergeOverrides(ours: string[], extra: string[]): string[] {
  const theirs = new Set(extra.map(overrideKey));
  return [...ours.filter((o) => !theirs.has(overrideKey(o))), ...extra];
}

/** The value the last override of `key` sets, if any. */
export function valueOf(overrides: string[], key: string): string | undefined {
  const o = overrides.filter((x) => overrideKey(x) === key && x.includes('=')).at(-1);
  return o === undefined ? undefined : o.slice(o.indexOf('=') + 1);
}

function wrap(argv: string[], env: Record<string, string>, rayAddress: string | undefined): VerlCommand {
  if (!rayAddress) return { argv, env };
  return {
    argv: ['ray', 'job', 'submit', '--address', rayAddress, '--runtime-env-json', JSON.stringify({ env_vars: env }), '--', ...argv],
    env: {},
  };
}

export function planVerlRun(o: VerlPlanOptions): VerlStagePlan[] {
  const python = o.python ?? 'python3';
  const extra = o.extra ?? [];
  const sft = o.config.stages.find((s) => s.kind === 'sft');
  if (sft) throw new Error(`stage ${sft.name} is an sft stage: the verl engine runs RL stages (math, code) only`);
  if (o.config.stages.length === 0) throw new Error('the config has no stages');
  let modelPath = modelPathOf(o.config);
  return o.config.stages.map((stage, i) => {
    const dir = path.join(o.runDir, `${i + 1}-${stage.name}`);
    const kind = stage.kind as 'math' | 'code';
    const files = {
      trainFile: path.join(dir, 'train.parquet'),
      valFile: o.config.eval.datasets[kind] === 'none' ? null : path.join(dir, 'val.parquet'),
      rolloutDir: path.join(dir, 'rollouts'),
      checkpointDir: path.join(dir, 'checkpoints'),
    };
    const metricsFile = path.join(dir, 'metrics.jsonl');
    const overrides = mergeOverrides(
      stageOverrides(o.config, stage, { ...files, modelPath, experiment: `${o.name}-${stage.name}` }),
      extra,
    );
    const env = { VERL_FILE_LOGGER_PATH: metricsFile, ...(o.rewardEnv ?? {}) };
    const hfDir = path.join(dir, 'hf');
    const last = i === o.config.stages.length - 1;
    // What the stage really uses (an override after `--` may have replaced ours).
    const used = valueOf(overrides, 'actor_rollout_ref.model.path') ?? modelPath;
    const steps = valueOf(overrides, 'trainer.total_training_steps') ?? String(stage.steps);
    const plan: VerlStagePlan = {
      stage,
      dir,
      ...files,
      metricsFile,
      modelPath: used,
      overrides,
      train: wrap([python, '-m', 'verl.trainer.main_ppo', ...overrides], env, o.rayAddress),
      merge: last
        ? null
        : wrap(
            [python, '-m', 'verl.model_merger', 'merge', '--backend', 'fsdp', '--local_dir', path.join(valueOf(overrides, 'trainer.default_local_dir') ?? files.checkpointDir, `global_step_${steps}`, 'actor'), '--target_dir', hfDir],
            {},
            o.rayAddress,
          ),
      hfDir,
    };
    modelPath = hfDir;
    return plan;
  });
}

/** One argument as a POSIX shell word. */
export function shellQuote(a: string): string {
  return /^[A-Za-z0-9_\-./=:,@%+]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(c: VerlCommand): string {
  const env = Object.entries(c.env).map(([k, v]) => `${k}=${shellQuote(v)}`);
  return [...env, ...c.argv.map(shellQuote)].join(' ');
}

/** What --dry-run prints: per stage a comment, then its exact commands. */
export function renderPlan(plans: VerlStagePlan[]): string {
  const out: string[] = [];
  for (const [i, p] of plans.entries()) {
    out.push(`# stage ${i + 1}/${plans.length}: ${p.stage.name} (${p.stage.kind}, ${p.stage.steps} steps) in ${p.dir}`);
    if (p.stage.filter) out.push(`# note: the easy-prompt filter of ${p.stage.name} is not applied under verl (curate the stage's dataset with rlvr curate --checkpoint instead)`);
    out.push(commandLine(p.train));
    if (p.merge) out.push(commandLine(p.merge));
  }
  return out.join('\n');
}

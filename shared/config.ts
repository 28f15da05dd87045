// The stage config schema: one curriculum = a seed, a starting model, evaluation settings
// and stages run in order. Runtime-free (no Node, no YAML): the daemon's trainer, its LSP
// diagnostics and the webview all validate with the same function. The YAML loader lives in
// daemon/engine/config.ts and maps each error's path to a file line.

import type { StageKind } from './protocol.js';

/** Drop prompts the current policy already solves (measured just before the stage runs). */
export interface EasyPromptFilter {
  /** Keep a prompt only if its pass rate over `samples` tries is <= this (paper: 6/16). */
  max_pass_rate: number;
  /** Samples per prompt used to measure the pass rate. */
  samples: number;
  /**
   * Measure at most this many distinct prompts (a seeded sample); the stage then trains on the
   * measured prompts kept, not on the unmeasured rest (daemon/engine/filter.ts).
   */
  max_prompts?: number;
}

export interface StageConfig {
  name: string;
  kind: StageKind;
  /** `embedded:math`, `embedded:code`, `embedded:mixed`, or a dataset file (any shape `rlvr curate` reads, its kept.jsonl too). */
  dataset: string;
  /** Response length limit in tokens; longer responses are truncated. */
  max_response_length: number;
  /** Responses per prompt (G). SFT stages use one target per prompt and ignore it. */
  group_size: number;
  /** Prompts per rollout batch (SFT: examples per step). */
  prompts_per_step: number;
  temperature: number;
  top_p: number;
  learning_rate: number;
  /** `cosine` decays to 10% of learning_rate over the stage (used for SFT); RL keeps it constant. */
  lr_schedule: 'constant' | 'cosine';
  warmup_steps: number;
  /** Step budget. */
  steps: number;
  /**
   * Length of the cosine schedule when it is longer than the stage: the stage stops at `steps`
   * with the learning rate it has there (the shipped warm start is step 900 of 2400).
   */
  schedule_steps?: number;
  /** Overlong filtering: mask the loss of truncated responses. */
  mask_truncated: boolean;
  /** 1 = strictly on-policy (the paper). >1 reuses each batch with PPO clipping (off-policy). */
  updates_per_batch: number;
  clip_ratio: number;
  /** Easy-prompt filter applied between the previous stage and this one. */
  filter?: EasyPromptFilter;
  /** Checkpoint every N steps (0 = only at the end of the stage). */
  checkpoint_every: number;
  /** Held-out evaluation every N steps during the stage (0 = only after the stage). */
  eval_every: number;
}

export interface EvalConfig {
  /** Held-out problems per domain (math, code). */
  problems: number;
  /** Samples per problem: avg@k and pass@k. */
  k: number;
  temperature: number;
  top_p: number;
  /** Response length limit per domain, tokens. */
  max_response_length: { math: number; code: number };
  /** Held-out set per domain: `embedded:math` / `embedded:code` (default), a dataset file (its problems of that domain), or `none`. */
  datasets: { math: string; code: string };
}

/** What a checkpoint of a Hugging Face run stores its weights in (`source`: the folder's own dtype). */
export type SaveDtype = 'source' | 'f32' | 'bf16';
export const SAVE_DTYPES: readonly SaveDtype[] = ['source', 'f32', 'bf16'];

/**
 * The starting model: the shipped warm start, an rlvr checkpoint folder, the embedded char
 * model from scratch (the fields of its PolicyConfig, daemon/model/char/config.ts), or a
 * Hugging Face folder (Qwen2/Qwen2.5, Qwen3, Llama/SmolLM2: config.json + safetensors +
 * tokenizer files), whose run checkpoints are HF folders again.
 */
export type ModelSpec =
  | { from: 'warmstart' }
  | { from: 'checkpoint'; path: string }
  | { from: 'scratch'; config: Record<string, number> }
  | { from: 'hf'; path: string; save_dtype: SaveDtype };

export interface CurriculumConfig {
  seed: number;
  model: ModelSpec;
  eval: EvalConfig;
  stages: StageConfig[];
}

export interface ConfigError {
  /** Field path, e.g. ['stages', 1, 'group_size']. */
  path: (string | number)[];
  message: string;
}

/** `stages[1].group_size` */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out || '(root)';
}

export const STAGE_KINDS: readonly StageKind[] = ['sft', 'math', 'code'];

export const EVAL_DEFAULTS: EvalConfig = {
  problems: 200,
  k: 4,
  temperature: 0.6,
  top_p: 0.95,
  max_response_length: { math: 48, code: 80 },
  datasets: { math: 'embedded:math', code: 'embedded:code' },
};

const STAGE_DEFAULTS = {
  temperature: 1.0,
  top_p: 1.0,
  lr_schedule: 'constant' as const,
  warmup_steps: 0,
  mask_truncated: true,
  updates_per_batch: 1,
  clip_ratio: 0.2,
  checkpoint_every: 0,
  eval_every: 0,
};

type Obj = Record<string, unknown>;

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Collects errors while reading fields; each reader returns a usable value even on error. */
class Reader {
  errors: ConfigError[] = [];

  fail(path: (string | number)[], message: string): void {
    this.errors.push({ path, message });
  }

  unknownKeys(obj: Obj, allowed: readonly string[], path: (string | number)[]): void {
    for (const k of Object.keys(obj)) {
      if (!allowed.includes(k)) this.fail([...path, k], `unknown field (expected one of: ${allowed.join(', ')})`);
    }
  }

  int(obj: Obj, key: string, path: (string | number)[], min: number, dflt?: number): number {
    const v = obj[key];
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      this.fail([...path, key], `expected an integer >= ${min}, got ${show(v)}`);
      return dflt ?? min;
    }
    return v;
  }

  num(obj: Obj, key: string, path: (string | number)[], lo: number, hi: number, loOpen: boolean, dflt?: number): number {
    const v = obj[key];
    if (v === undefined && dflt !== undefined) return dflt;
    const ok = typeof v === 'number' && Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && v <= hi;
    if (!ok) {
      const range = `${loOpen ? '>' : '>='} ${lo}${Number.isFinite(hi) ? ` and <= ${hi}` : ''}`;
      this.fail([...path, key], `expected a number ${range}, got ${show(v)}`);
      return dflt ?? (Number.isFinite(hi) ? hi : lo + 1);
    }
    return v as number;
  }

  str(obj: Obj, key: string, path: (string | number)[], dflt?: string): string {
    const v = obj[key];
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v !== 'string' || v.length === 0) {
      this.fail([...path, key], `expected a non-empty string, got ${show(v)}`);
      return dflt ?? '';
    }
    return v;
  }

  oneOf<T extends string>(obj: Obj, key: string, path: (string | number)[], options: readonly T[], dflt?: T): T {
    const v = obj[key];
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v !== 'string' || !options.includes(v as T)) {
      this.fail([...path, key], `expected one of ${options.map((o) => `"${o}"`).join(', ')}, got ${show(v)}`);
      return dflt ?? options[0];
    }
    return v as T;
  }

  bool(obj: Obj, key: string, path: (string | number)[], dflt: boolean): boolean {
    const v = obj[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') {
      this.fail([...path, key], `expected true or false, got ${show(v)}`);
      return dflt;
    }
    return v;
  }
}

const STAGE_KEYS = [
  'name', 'kind', 'dataset', 'max_response_length', 'group_size', 'prompts_per_step', 'temperature', 'top_p',
  'learning_rate', 'lr_schedule', 'warmup_steps', 'steps', 'schedule_steps', 'mask_truncated', 'updates_per_batch', 'clip_ratio',
  'filter', 'checkpoint_every', 'eval_every',
] as const;

function readStage(r: Reader, raw: unknown, path: (string | number)[]): StageConfig {
  if (!isObj(raw)) {
    r.fail(path, `expected a stage (a mapping with name, kind, dataset, ...), got ${show(raw)}`);
    raw = {};
  }
  const o = raw as Obj;
  r.unknownKeys(o, STAGE_KEYS, path);
  const kind = r.oneOf(o, 'kind', path, STAGE_KINDS);
  const stage: StageConfig = {
    name: r.str(o, 'name', path),
    kind,
    dataset: r.str(o, 'dataset', path),
    max_response_length: r.int(o, 'max_response_length', path, 1),
    // SFT has one target per prompt; RL needs a group to normalise within.
    group_size: kind === 'sft' ? r.int(o, 'group_size', path, 1, 1) : r.int(o, 'group_size', path, 2),
    prompts_per_step: r.int(o, 'prompts_per_step', path, 1),
    temperature: r.num(o, 'temperature', path, 0, 10, true, STAGE_DEFAULTS.temperature),
    top_p: r.num(o, 'top_p', path, 0, 1, true, STAGE_DEFAULTS.top_p),
    learning_rate: r.num(o, 'learning_rate', path, 0, 1, true),
    lr_schedule: r.oneOf(o, 'lr_schedule', path, ['constant', 'cosine'] as const, STAGE_DEFAULTS.lr_schedule),
    warmup_steps: r.int(o, 'warmup_steps', path, 0, STAGE_DEFAULTS.warmup_steps),
    steps: r.int(o, 'steps', path, 1),
    mask_truncated: r.bool(o, 'mask_truncated', path, STAGE_DEFAULTS.mask_truncated),
    updates_per_batch: r.int(o, 'updates_per_batch', path, 1, STAGE_DEFAULTS.updates_per_batch),
    clip_ratio: r.num(o, 'clip_ratio', path, 0, 10, true, STAGE_DEFAULTS.clip_ratio),
    checkpoint_every: r.int(o, 'checkpoint_every', path, 0, STAGE_DEFAULTS.checkpoint_every),
    eval_every: r.int(o, 'eval_every', path, 0, STAGE_DEFAULTS.eval_every),
  };
  if (o.schedule_steps !== undefined) {
    stage.schedule_steps = r.int(o, 'schedule_steps', path, 1);
    if (stage.schedule_steps < stage.steps) r.fail([...path, 'schedule_steps'], `must be at least steps (${stage.steps}), got ${stage.schedule_steps}`);
  }
  if (o.filter !== undefined) {
    const fp = [...path, 'filter'];
    if (!isObj(o.filter)) {
      r.fail(fp, `expected a mapping with max_pass_rate and samples, got ${show(o.filter)}`);
    } else {
      r.unknownKeys(o.filter, ['max_pass_rate', 'samples', 'max_prompts'], fp);
      stage.filter = {
        max_pass_rate: r.num(o.filter, 'max_pass_rate', fp, 0, 1, false),
        samples: r.int(o.filter, 'samples', fp, 1),
      };
      if (o.filter.max_prompts !== undefined) stage.filter.max_prompts = r.int(o.filter, 'max_prompts', fp, 1);
      if (kind === 'sft') r.fail(fp, 'an sft stage has no rewards to filter by; remove the filter');
    }
  }
  return stage;
}

function readModel(r: Reader, raw: unknown): ModelSpec {
  // `model: warmstart` (the shipped checkpoint), `model: DIR` or `{hf: DIR, save_dtype?}` (a
  // Hugging Face folder), `model: {checkpoint: DIR}`, or `model: {scratch: {...}}`.
  if (raw === undefined || raw === 'warmstart') return { from: 'warmstart' };
  if (typeof raw === 'string' && raw.length > 0) return { from: 'hf', path: raw, save_dtype: 'source' };
  if (isObj(raw)) {
    r.unknownKeys(raw, ['checkpoint', 'scratch', 'hf', 'save_dtype'], ['model']);
    if (raw.hf !== undefined) {
      return { from: 'hf', path: r.str(raw, 'hf', ['model']), save_dtype: r.oneOf(raw, 'save_dtype', ['model'], SAVE_DTYPES, 'source') };
    }
    if (raw.save_dtype !== undefined) r.fail(['model', 'save_dtype'], 'only a Hugging Face model ({hf: DIR}) has a save_dtype');
    if (raw.checkpoint !== undefined) return { from: 'checkpoint', path: r.str(raw, 'checkpoint', ['model']) };
    if (raw.scratch !== undefined) {
      const cfg: Record<string, number> = {};
      if (!isObj(raw.scratch)) {
        r.fail(['model', 'scratch'], `expected a mapping of PolicyConfig fields, got ${show(raw.scratch)}`);
      } else {
        for (const [k, v] of Object.entries(raw.scratch)) {
          if (typeof v === 'number' && Number.isFinite(v) && v >= 0) cfg[k] = v;
          else r.fail(['model', 'scratch', k], `expected a number >= 0, got ${show(v)}`);
        }
      }
      return { from: 'scratch', config: cfg };
    }
  }
  r.fail(['model'], `expected "warmstart", a Hugging Face folder (DIR or {hf: DIR}), {checkpoint: DIR} or {scratch: {...PolicyConfig}}, got ${show(raw)}`);
  return { from: 'warmstart' };
}

function readEval(r: Reader, raw: unknown): EvalConfig {
  if (raw === undefined) return structuredClone(EVAL_DEFAULTS);
  if (!isObj(raw)) {
    r.fail(['eval'], `expected a mapping (problems, k, temperature, top_p, max_response_length), got ${show(raw)}`);
    return structuredClone(EVAL_DEFAULTS);
  }
  const p = ['eval'];
  r.unknownKeys(raw, ['problems', 'k', 'temperature', 'top_p', 'max_response_length', 'datasets'], p);
  const d = EVAL_DEFAULTS;
  const len = { ...d.max_response_length };
  const datasets = { ...d.datasets };
  if (raw.datasets !== undefined) {
    const dp = [...p, 'datasets'];
    if (!isObj(raw.datasets)) r.fail(dp, `expected {math: DATASET, code: DATASET}, got ${show(raw.datasets)}`);
    else {
      r.unknownKeys(raw.datasets, ['math', 'code'], dp);
      datasets.math = r.str(raw.datasets, 'math', dp, d.datasets.math);
      datasets.code = r.str(raw.datasets, 'code', dp, d.datasets.code);
    }
  }
  if (raw.max_response_length !== undefined) {
    const lp = [...p, 'max_response_length'];
    if (!isObj(raw.max_response_length)) r.fail(lp, `expected {math: N, code: N}, got ${show(raw.max_response_length)}`);
    else {
      r.unknownKeys(raw.max_response_length, ['math', 'code'], lp);
      len.math = r.int(raw.max_response_length, 'math', lp, 1, d.max_response_length.math);
      len.code = r.int(raw.max_response_length, 'code', lp, 1, d.max_response_length.code);
    }
  }
  return {
    problems: r.int(raw, 'problems', p, 1, d.problems),
    k: r.int(raw, 'k', p, 1, d.k),
    temperature: r.num(raw, 'temperature', p, 0, 10, false, d.temperature),
    top_p: r.num(raw, 'top_p', p, 0, 1, true, d.top_p),
    max_response_length: len,
    datasets,
  };
}

/** Validates a parsed config object; `config` is complete (defaults filled) when `errors` is empty. */
export function validate(obj: unknown): { config: CurriculumConfig; errors: ConfigError[] } {
  const r = new Reader();
  let root: Obj = {};
  if (!isObj(obj)) r.fail([], `expected a mapping with seed, model, eval and stages, got ${show(obj)}`);
  else root = obj;
  r.unknownKeys(root, ['seed', 'model', 'eval', 'stages'], []);
  const seed = r.int(root, 'seed', [], 0, 0);
  const model = readModel(r, root.model);
  const evalCfg = readEval(r, root.eval);
  const stages: StageConfig[] = [];
  if (!Array.isArray(root.stages) || root.stages.length === 0) {
    r.fail(['stages'], `expected a non-empty list of stages, got ${show(root.stages)}`);
  } else {
    root.stages.forEach((s, i) => stages.push(readStage(r, s, ['stages', i])));
    const seen = new Map<string, number>();
    stages.forEach((s, i) => {
      if (s.name && seen.has(s.name)) r.fail(['stages', i, 'name'], `duplicate stage name "${s.name}" (also stages[${seen.get(s.name)}])`);
      seen.set(s.name, i);
    });
  }
  return { config: { seed, model, eval: evalCfg, stages }, errors: r.errors };
}

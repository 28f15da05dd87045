// The stage config schema: one curriculum = a seed, a starting model, evaluation settings
// and stages run in order. Declared once, with zod: the TypeScript types, the validator (the
// trainer's, the CLI's and the LSP's diagnostics) and the JSON Schema that gives editors
// completion of stage files (schemas/stage-config.schema.json) all come from the schemas
// below. Runtime-free (no Node, no YAML): the YAML loader lives in daemon/engine/config.ts
// and maps each error's path to a file line. Every message says what was expected and what
// was found: `stages[1].group_size: expected an integer >= 2, got "eight"`.

import { z } from 'zod';
import type { StageKind } from './protocol.js';

export const STAGE_KINDS: readonly StageKind[] = ['sft', 'math', 'code'];

/** What a checkpoint of a Hugging Face run stores its weights in (`source`: the folder's own dtype). */
export const SAVE_DTYPES = ['source', 'f32', 'bf16'] as const;
export type SaveDtype = (typeof SAVE_DTYPES)[number];

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

// ---- field kinds, each with the one message it gives for any bad value ----

const says = (expected: string) => ({ error: (issue: { input?: unknown }) => `${expected}, got ${show(issue.input)}` });

function int(min: number) {
  const m = says(`expected an integer >= ${min}`);
  return z.number(m).int(m).min(min, m);
}

function num(lo: number, hi: number, loOpen: boolean) {
  const m = says(`expected a number ${loOpen ? '>' : '>='} ${lo}${Number.isFinite(hi) ? ` and <= ${hi}` : ''}`);
  return (loOpen ? z.number(m).gt(lo, m) : z.number(m).gte(lo, m)).lte(hi, m);
}

const str = () => z.string(says('expected a non-empty string')).min(1, says('expected a non-empty string'));
const bool = () => z.boolean(says('expected true or false'));

function oneOf<const T extends readonly [string, ...string[]]>(options: T) {
  return z.enum(options, says(`expected one of ${options.map((o) => `"${o}"`).join(', ')}`));
}

/** A mapping whose fields are exactly `shape`'s: anything else is "unknown field (expected one of: ...)". */
function mapping<S extends z.ZodRawShape>(shape: S, what: string) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field (expected one of: ${known})` : `expected ${what}, got ${show(issue.input)}`),
  });
}

// ---- the schema ----

const easyPromptFilter = mapping(
  {
    max_pass_rate: num(0, 1, false).describe("Keep a prompt only if its pass rate over `samples` tries is <= this (paper: 6/16)."),
    samples: int(1).describe('Samples per prompt used to measure the pass rate.'),
    max_prompts: int(1)
      .optional()
      .describe('Measure at most this many distinct prompts (a seeded sample); the stage then trains on the measured prompts kept, not on the unmeasured rest.'),
  },
  'a mapping with max_pass_rate and samples',
).describe('Easy-prompt filter: drop prompts the current policy already solves (measured just before the stage runs).');

/** The fields every stage has; sft and RL stages differ in group_size and the filter. */
const common = {
  name: str().describe('Unique within the curriculum.'),
  dataset: str().describe('`embedded:math`, `embedded:code`, `embedded:mixed`, or a dataset file (any shape `rlvr curate` reads, its kept.jsonl too).'),
  max_response_length: int(1).describe('Response length limit in tokens; longer responses are truncated.'),
  prompts_per_step: int(1).describe('Prompts per rollout batch (SFT: examples per step).'),
  temperature: num(0, 10, true).default(1.0).describe('Sampling temperature.'),
  top_p: num(0, 1, true).default(1.0).describe('Nucleus sampling threshold.'),
  learning_rate: num(0, 1, true).describe('Peak learning rate.'),
  lr_schedule: oneOf(['constant', 'cosine']).default('constant').describe('`cosine` decays to 10% of learning_rate over the stage (used for SFT); RL keeps it constant.'),
  warmup_steps: int(0).default(0).describe('Linear warm-up steps.'),
  steps: int(1).describe('Step budget.'),
  schedule_steps: int(1)
    .optional()
    .describe('Length of the cosine schedule when it is longer than the stage: the stage stops at `steps` with the learning rate it has there (the shipped warm start is step 900 of 2400).'),
  mask_truncated: bool().default(true).describe('Overlong filtering: mask the loss of truncated responses.'),
  updates_per_batch: int(1).default(1).describe('1 = strictly on-policy (the paper). >1 reuses each batch with PPO clipping (off-policy).'),
  clip_ratio: num(0, 10, true).default(0.2).describe('PPO clip ratio (used when updates_per_batch > 1).'),
  checkpoint_every: int(0).default(0).describe('Checkpoint every N steps (0 = only at the end of the stage).'),
  eval_every: int(0).default(0).describe('Held-out evaluation every N steps during the stage (0 = only after the stage).'),
};

const STAGE = 'a stage (a mapping with name, kind, dataset, ...)';

/** A stage's fields in the order users read them (and unknown-field messages list them). */
function stageShape<K extends z.ZodType, G extends z.ZodType, F extends z.ZodType>(kind: K, group_size: G, filter: F) {
  const c = common;
  return {
    name: c.name, kind, dataset: c.dataset, max_response_length: c.max_response_length, group_size, prompts_per_step: c.prompts_per_step,
    temperature: c.temperature, top_p: c.top_p, learning_rate: c.learning_rate, lr_schedule: c.lr_schedule, warmup_steps: c.warmup_steps,
    steps: c.steps, schedule_steps: c.schedule_steps, mask_truncated: c.mask_truncated, updates_per_batch: c.updates_per_batch,
    clip_ratio: c.clip_ratio, filter, checkpoint_every: c.checkpoint_every, eval_every: c.eval_every,
  };
}

const sftStage = mapping(
  stageShape(
    z.literal('sft'),
    int(1).default(1).describe('SFT stages use one target per prompt and ignore it.'),
    // Accepted here so that the message says why it is wrong, not "unknown field".
    z.unknown().optional().describe('Not for sft stages: they have no rewards to filter by.'),
  ),
  STAGE,
);

const rlStage = mapping(
  stageShape(z.enum(['math', 'code']), int(2).describe('Responses per prompt (G): GRPO normalises rewards within each group.'), easyPromptFilter.optional()),
  STAGE,
);

const stage = z
  .discriminatedUnion('kind', [sftStage, rlStage], {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? `expected one of ${STAGE_KINDS.map((k) => `"${k}"`).join(', ')}, got ${show((issue.input as { kind?: unknown } | undefined)?.kind)}`
        : `expected ${STAGE}, got ${show(issue.input)}`,
  })
  .superRefine((s, ctx) => {
    if (s.schedule_steps !== undefined && s.schedule_steps < s.steps) {
      ctx.addIssue({ code: 'custom', path: ['schedule_steps'], message: `must be at least steps (${s.steps}), got ${s.schedule_steps}` });
    }
    if (s.kind === 'sft' && s.filter !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['filter'], message: 'an sft stage has no rewards to filter by; remove the filter' });
    }
  })
  .describe('One stage: SFT, math RL or code RL, run in order.');

const MODEL_FORMS = '"warmstart", a Hugging Face folder (DIR or {hf: DIR}), {checkpoint: DIR} or {scratch: {...PolicyConfig}}';

const modelObject = mapping(
  {
    hf: str().optional().describe('A Hugging Face folder (Qwen2/Qwen2.5, Qwen3, Llama/SmolLM2): config.json + safetensors + tokenizer files.'),
    save_dtype: oneOf(SAVE_DTYPES).optional().describe('What the run\'s checkpoints store their weights in; `source`: the folder\'s own dtype.'),
    checkpoint: str().optional().describe('An rlvr checkpoint folder.'),
    scratch: z.record(z.string(), z.number(says('expected a number >= 0')).gte(0, says('expected a number >= 0')), says('expected a mapping of PolicyConfig fields')).optional().describe("The embedded char model from scratch: its PolicyConfig fields."),
  },
  MODEL_FORMS,
);

const model = z
  .union([z.literal('warmstart'), str(), modelObject], { error: (issue) => `expected ${MODEL_FORMS}, got ${show(issue.input)}` })
  .superRefine((m, ctx) => {
    if (typeof m === 'string') return;
    if (m.hf === undefined && m.save_dtype !== undefined) ctx.addIssue({ code: 'custom', path: ['save_dtype'], message: 'only a Hugging Face model ({hf: DIR}) has a save_dtype' });
    const forms = (['hf', 'checkpoint', 'scratch'] as const).filter((k) => m[k] !== undefined);
    if (forms.length !== 1) ctx.addIssue({ code: 'custom', path: [], message: `expected exactly one of hf, checkpoint, scratch (${MODEL_FORMS}), got ${forms.length ? forms.join(' and ') : 'none of them'}` });
  })
  .describe('The starting model: the shipped warm start, an rlvr checkpoint folder, the embedded char model from scratch, or a Hugging Face folder (run checkpoints are HF folders again).');

const evalSchema = mapping(
  {
    problems: int(1).default(200).describe('Held-out problems per domain (math, code).'),
    k: int(1).default(4).describe('Samples per problem: avg@k and pass@k.'),
    temperature: num(0, 10, false).default(0.6),
    top_p: num(0, 1, true).default(0.95),
    max_response_length: mapping({ math: int(1).default(48), code: int(1).default(80) }, '{math: N, code: N}')
      .default({ math: 48, code: 80 })
      .describe('Response length limit per domain, tokens.'),
    datasets: mapping({ math: str().default('embedded:math'), code: str().default('embedded:code') }, '{math: DATASET, code: DATASET}')
      .default({ math: 'embedded:math', code: 'embedded:code' })
      .describe('Held-out set per domain: `embedded:math` / `embedded:code` (default), a dataset file (its problems of that domain), or `none`.'),
  },
  'a mapping (problems, k, temperature, top_p, max_response_length)',
);

export const EVAL_DEFAULTS: EvalConfig = evalSchema.parse({});

const curriculum = mapping(
  {
    seed: int(0).default(0),
    model: model.default('warmstart'),
    eval: evalSchema.default(() => structuredClone(EVAL_DEFAULTS)),
    stages: z
      .array(stage, says('expected a non-empty list of stages'))
      .min(1, says('expected a non-empty list of stages'))
      .superRefine((stages, ctx) => {
        const seen = new Map<string, number>();
        stages.forEach((s, i) => {
          if (seen.has(s.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate stage name "${s.name}" (also stages[${seen.get(s.name)}])` });
          seen.set(s.name, i);
        });
      }),
  },
  'a mapping with seed, model, eval and stages',
).describe('An RLVR Studio curriculum: stages run in order (AceReason: math-only RL, then code-only RL).');

// ---- the types, from the schema ----

type StageOut = z.output<typeof stage>;
export type StageConfig = Omit<StageOut, 'kind' | 'filter'> & { kind: StageKind; filter?: EasyPromptFilter };
export type EasyPromptFilter = z.output<typeof easyPromptFilter>;
export type EvalConfig = z.output<typeof evalSchema>;

/**
 * The starting model, as the engine reads it: the shipped warm start, an rlvr checkpoint
 * folder, the embedded char model from scratch (the fields of its PolicyConfig,
 * daemon/model/char/config.ts), or a Hugging Face folder.
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

function toModelSpec(m: z.output<typeof model>): ModelSpec {
  if (m === 'warmstart') return { from: 'warmstart' };
  if (typeof m === 'string') return { from: 'hf', path: m, save_dtype: 'source' };
  if (m.hf !== undefined) return { from: 'hf', path: m.hf, save_dtype: m.save_dtype ?? 'source' };
  if (m.checkpoint !== undefined) return { from: 'checkpoint', path: m.checkpoint };
  return { from: 'scratch', config: m.scratch ?? {} };
}

/** zod's issues as ours: one per unknown field, and a union's issues from the branch the value was meant for. */
function configErrors(issues: readonly z.core.$ZodIssue[], base: (string | number)[] = []): ConfigError[] {
  const out: ConfigError[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: [...path, key], message: issue.message });
    } else if (issue.code === 'invalid_union' && issue.errors.length === 3 && typeof issue.input === 'object' && issue.input !== null && !Array.isArray(issue.input)) {
      // The model: a mapping was meant as the mapping form, so its own errors say what is wrong.
      out.push(...configErrors(issue.errors[2], path));
    } else {
      out.push({ path, message: issue.message });
    }
  }
  return out;
}

/** A complete config with no stages: what callers get beside errors. */
function emptyConfig(): CurriculumConfig {
  return { seed: 0, model: { from: 'warmstart' }, eval: structuredClone(EVAL_DEFAULTS), stages: [] };
}

/** Validates a parsed config object; `config` is complete (defaults filled) when `errors` is empty. */
export function validate(obj: unknown): { config: CurriculumConfig; errors: ConfigError[] } {
  const parsed = curriculum.safeParse(obj === undefined ? {} : obj, { reportInput: true });
  if (!parsed.success) return { config: emptyConfig(), errors: configErrors(parsed.error.issues) };
  const c = parsed.data;
  return { config: { seed: c.seed, model: toModelSpec(c.model), eval: c.eval, stages: c.stages as StageConfig[] }, errors: [] };
}

/** The JSON Schema of a stage config file, for editors (completion, hover, checks as you type). */
export function stageConfigJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(curriculum, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

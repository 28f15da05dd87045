// The preflight: everything a curriculum (or `rlvr eval`) will need, checked before any model
// loads and before a run row exists, so a missing piece stops in seconds with one message that
// names it and the command that fixes it, and leaves no failed run behind. `rlvr doctor`
// prints the machine-level checks (python3, sandbox, backend) from here too.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { formatPath, type CurriculumConfig, type ModelSpec } from '../../shared/config.js';
import { RlvrError } from '../../shared/errors.js';
import { ErrorCodes, type RlvrErrorData } from '../../shared/protocol.js';
import type { Problem, ProblemKind } from '../../shared/problem.js';
import { describeBackend, initBackend } from '../model/backend.js';
import { DEFAULT_POLICY_CONFIG } from '../model/char/config.js';
import { modelFolderKind } from '../model/load.js';
import { checkCodeSandbox } from '../verify/code/self-test.js';
import { fieldLine } from './config.js';
import { loadEvalDataset, loadStageDataset } from './dataset.js';
import { WARMSTART_DIR } from './run.js';

export interface PreflightCheck {
  name: string;
  ok: boolean;
  message: string;
  /** The command (or edit) that fixes a failed check. */
  fix?: string;
  /** Where a config field is at fault. */
  where?: RlvrErrorData;
}

/**
 * Sizes beyond these are refused before any work: `group_size: 100000` ran 30 s to 4.2 GB and
 * died in WebAssembly ("memory access out of bounds"). They are far above what the embedded
 * model or a small HF model trains with here, and below what exhausts memory.
 */
export const SIZE_LIMITS = {
  /** Samples per prompt in an RL stage. */
  group_size: 1024,
  /** Prompts per step (SFT: examples per step). */
  prompts_per_step: 4096,
  /** group_size x prompts_per_step: the rollouts one step generates and keeps in memory. */
  rollouts_per_step: 16384,
  /** Samples per problem in evaluation (eval.k, `rlvr eval --k`). */
  eval_k: 1024,
} as const;

export const SETUP_FIX = {
  sandbox: 'npm run setup (or: sudo apt-get install bubblewrap python3)',
  python: 'npm run setup (or: sudo apt-get install python3)',
  backend: 'rlvr doctor (or force one that loads: --backend cpu)',
};

/** A test-only switch: skip the sandbox check so honest counting of a broken sandbox stays testable. */
export const TEST_ONLY_SKIP_SANDBOX_PREFLIGHT = 'RLVR_TEST_ONLY_SKIP_SANDBOX_PREFLIGHT';

export function checkPython(): PreflightCheck {
  const r = spawnSync('python3', ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status === 0) return { name: 'python3', ok: true, message: (r.stdout || r.stderr).trim() };
  const why = r.error ? r.error.message : `exit ${r.status}: ${(r.stderr ?? '').trim()}`;
  return { name: 'python3', ok: false, message: `python3 does not run (${why}); code stages need it`, fix: SETUP_FIX.python };
}

/** A real trivial program through the sandbox (bubblewrap, python3, the judge). */
export async function checkSandbox(): Promise<PreflightCheck> {
  if (process.env[TEST_ONLY_SKIP_SANDBOX_PREFLIGHT] === '1') return { name: 'code sandbox', ok: true, message: `skipped (${TEST_ONLY_SKIP_SANDBOX_PREFLIGHT}=1)` };
  const r = await checkCodeSandbox();
  if (r.ok) return { name: 'code sandbox', ok: true, message: r.detail };
  return { name: 'code sandbox', ok: false, message: `the code sandbox cannot run a test program (${r.detail})`, fix: SETUP_FIX.sandbox };
}

export async function checkBackend(forced: string | undefined): Promise<PreflightCheck> {
  try {
    return { name: 'backend', ok: true, message: describeBackend(await initBackend(forced)) };
  } catch (err) {
    return { name: 'backend', ok: false, message: (err as Error).message, fix: SETUP_FIX.backend };
  }
}

/** The model folder a spec names and its context length (prompt + response tokens), or why not. */
export function checkModelSpec(spec: ModelSpec, configDir: string): PreflightCheck & { contextLength?: number } {
  if (spec.from === 'scratch') {
    const contextLength = spec.config?.contextLength ?? DEFAULT_POLICY_CONFIG.contextLength;
    return { name: 'model', ok: true, message: `the embedded model from scratch (context ${contextLength})`, contextLength };
  }
  const dir = spec.from === 'warmstart' ? WARMSTART_DIR : path.resolve(configDir, spec.path);
  const fix = spec.from === 'warmstart'
    ? 'rlvr train --from-scratch (retrains the warm start), or restore daemon/assets/warmstart from the checkout'
    : 'point model.path (or --model) at a folder with an rlvr checkpoint\'s manifest.json or a Hugging Face config.json';
  return checkModelFolder(dir, fix);
}

export function checkModelFolder(dir: string, fix: string): PreflightCheck & { contextLength?: number } {
  const kind = modelFolderKind(dir);
  if (!kind) return { name: 'model', ok: false, message: `${dir}: no model there (expected manifest.json of an rlvr checkpoint or config.json of a Hugging Face model)`, fix };
  const file = path.join(dir, kind === 'char' ? 'manifest.json' : 'config.json');
  let contextLength: number | undefined;
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as { config?: { contextLength?: unknown }; max_position_embeddings?: unknown; text_config?: { max_position_embeddings?: unknown } };
    const c = kind === 'char' ? json.config?.contextLength : json.max_position_embeddings ?? json.text_config?.max_position_embeddings;
    if (typeof c === 'number' && Number.isInteger(c) && c > 0) contextLength = c;
  } catch (err) {
    return { name: 'model', ok: false, message: `${file}: unreadable (${(err as Error).message})`, fix };
  }
  return { name: 'model', ok: true, message: `${dir} (${kind === 'char' ? 'rlvr checkpoint' : 'Hugging Face'}${contextLength ? `, context ${contextLength}` : ''})`, contextLength };
}

function located(configPath: string, fieldPath: (string | number)[]): RlvrErrorData & { text: string } {
  const line = fieldLine(configPath, fieldPath);
  const field = formatPath(fieldPath);
  return { file: configPath, line, field, text: `${configPath}:${line}: ${field}` };
}

function sizeCheck(configPath: string, fieldPath: (string | number)[], value: number, max: number, why: string): PreflightCheck | null {
  if (value <= max) return null;
  const at = located(configPath, fieldPath);
  return {
    name: 'sizes', ok: false, message: `${at.text}: ${value} exceeds the maximum ${max} (${why})`,
    fix: `lower ${at.field} to at most ${max}`, where: { file: at.file, line: at.line, field: at.field },
  };
}

/** Sizes and response lengths against the limits and the model's context. */
export function checkSizes(config: CurriculumConfig, configPath: string, contextLength: number | undefined): PreflightCheck[] {
  const out: (PreflightCheck | null)[] = [];
  const fits = (fieldPath: (string | number)[], value: number) => {
    // One token of prompt at least: a response as long as the context leaves none.
    if (contextLength === undefined || value < contextLength) return null;
    const at = located(configPath, fieldPath);
    return {
      name: 'sizes', ok: false, message: `${at.text}: ${value} response tokens do not fit the model's context of ${contextLength} tokens (prompt + response)`,
      fix: `lower ${at.field} below ${contextLength}`, where: { file: at.file, line: at.line, field: at.field },
    };
  };
  config.stages.forEach((s, i) => {
    out.push(sizeCheck(configPath, ['stages', i, 'group_size'], s.group_size, SIZE_LIMITS.group_size, 'samples per prompt'));
    out.push(sizeCheck(configPath, ['stages', i, 'prompts_per_step'], s.prompts_per_step, SIZE_LIMITS.prompts_per_step, 'prompts per step'));
    out.push(sizeCheck(configPath, ['stages', i, 'group_size'], s.group_size * s.prompts_per_step, SIZE_LIMITS.rollouts_per_step, `group_size x prompts_per_step = rollouts per step held in memory`));
    if (s.kind !== 'sft') out.push(fits(['stages', i, 'max_response_length'], s.max_response_length));
  });
  out.push(sizeCheck(configPath, ['eval', 'k'], config.eval.k, SIZE_LIMITS.eval_k, 'samples per held-out problem'));
  for (const d of ['math', 'code'] as const) {
    if (config.eval.datasets[d] !== 'none') out.push(fits(['eval', 'max_response_length', d], config.eval.max_response_length[d]));
  }
  const failed = out.filter((c): c is PreflightCheck => c !== null);
  return failed.length ? failed : [{ name: 'sizes', ok: true, message: `within limits${contextLength ? ` and the model's context of ${contextLength}` : ''}` }];
}

/** Every stage's dataset and both held-out sets: readable, non-empty, the stage kind's shape. */
export async function checkDatasets(config: CurriculumConfig, configPath: string, contextLength?: number, charTokens = false): Promise<PreflightCheck[]> {
  const configDir = path.dirname(configPath);
  const out: PreflightCheck[] = [];
  const fail = (fieldPath: (string | number)[], err: unknown): PreflightCheck => {
    const at = located(configPath, fieldPath);
    // The dataset's own error names its file, line and field; the config's line says which stage.
    return {
      name: 'datasets', ok: false, message: `${(err as Error).message} (${at.text})`,
      fix: `fix the dataset, or point ${at.field} at another`, where: { file: at.file, line: at.line, field: at.field },
    };
  };
  for (const [i, s] of config.stages.entries()) {
    try {
      assertRegularFile(s.dataset, configDir);
      const problems = await loadStageDataset(s, config.seed, configDir);
      if (s.kind !== 'sft') assertPromptsFit(problems, s.max_response_length, contextLength, charTokens);
    } catch (err) {
      out.push(fail(['stages', i, 'dataset'], err));
    }
  }
  for (const d of ['math', 'code'] as const) {
    try {
      if (config.eval.datasets[d] !== 'none') assertRegularFile(config.eval.datasets[d], configDir);
      const problems = await loadEvalDataset(config.eval.datasets[d], d, config.eval.problems, configDir);
      assertPromptsFit(problems, config.eval.max_response_length[d], contextLength, charTokens);
    } catch (err) {
      out.push(fail(['eval', 'datasets', d], err));
    }
  }
  return out.length ? out : [{ name: 'datasets', ok: true, message: `${config.stages.length} stage dataset(s) and the held-out sets load` }];
}

/** A dataset field names an embedded set or a regular file: not a directory, a FIFO or a device. */
function assertRegularFile(dataset: string, configDir: string): void {
  if (dataset.startsWith('embedded:')) return;
  const file = path.resolve(configDir, dataset);
  let st;
  try {
    st = statSync(file);
  } catch {
    throw new Error(`${file}: not found`);
  }
  if (st.isDirectory()) throw new Error(`${file}: is a directory, expected a dataset file (.jsonl, .json or .parquet)`);
  if (!st.isFile()) throw new Error(`${file}: not a regular file (a pipe or a device?), expected a dataset file`);
}

/**
 * A prompt that cannot fit the model's context, found before the model loads. The char
 * models spend one token per character, so the check is exact up to the prompt template; a
 * Hugging Face tokenizer is not loaded here, so only prompts past 16 characters per context
 * token (far more than any tokenizer packs) are refused now, and the engine's exact check
 * after loading catches the rest.
 */
function assertPromptsFit(problems: Problem[], maxNewTokens: number, contextLength: number | undefined, charTokens: boolean): void {
  if (contextLength === undefined) return;
  const room = charTokens ? contextLength - maxNewTokens : 16 * contextLength;
  for (const p of problems) {
    if (p.prompt.length > room) {
      throw new Error(`${p.source.file}:${p.source.line}: prompt: ${p.prompt.length} characters do not fit the model's context of ${contextLength} tokens with ${maxNewTokens} response tokens`);
    }
  }
}

export interface PreflightOptions {
  configPath: string;
  /** --backend / RLVR_BACKEND; the backend is checked last (it loads TensorFlow.js). */
  backend?: string;
  /** Skip the backend (the daemon has its own and reports it in rlvr/status). */
  skipBackend?: boolean;
  /** Messages that do not stop the run (a math-only curriculum on a machine without the sandbox). */
  warn?: (message: string) => void;
}

function domainsNeeded(config: CurriculumConfig): { trains: Set<ProblemKind>; evaluates: Set<ProblemKind> } {
  const trains = new Set<ProblemKind>();
  for (const s of config.stages) if (s.kind !== 'sft') trains.add(s.kind);
  const evaluates = new Set<ProblemKind>((['math', 'code'] as const).filter((d) => config.eval.datasets[d] !== 'none'));
  return { trains, evaluates };
}

/** The checks in order, cheapest first; stops at the first failure. */
export async function preflightChecks(config: CurriculumConfig, opts: PreflightOptions): Promise<PreflightCheck[]> {
  const checks: PreflightCheck[] = [];
  const add = (...cs: PreflightCheck[]) => (checks.push(...cs), cs.every((c) => c.ok));
  const model = checkModelSpec(config.model, path.dirname(opts.configPath));
  if (!add(model)) return checks;
  if (!add(...checkSizes(config, opts.configPath, model.contextLength))) return checks;
  if (!add(...(await checkDatasets(config, opts.configPath, model.contextLength, config.model.from !== 'hf')))) return checks;
  const { trains, evaluates } = domainsNeeded(config);
  // SFT stages on code records and code evaluation need the sandbox too, but only a code RL
  // stage cannot do without it: a math-only curriculum still runs, and its code evaluation
  // reports "verifier failed" honestly (a warning up front says why).
  const sandboxRequired = trains.has('code');
  if (sandboxRequired || evaluates.has('code')) {
    const python = checkPython();
    const sandbox = python.ok ? await checkSandbox() : null;
    const failed = [python, sandbox].find((c) => c && !c.ok);
    if (failed && sandboxRequired) {
      add({ ...failed, message: `a code stage needs it: ${failed.message}` });
      return checks;
    }
    if (failed) {
      // Not needed to train: said up front, and the run goes on.
      const warning = `${failed.message}: code evaluation will report every sample as verifier failed; fix: ${failed.fix}`;
      opts.warn?.(warning);
      checks.push({ ...failed, ok: true, message: `warning: ${warning}` });
    } else {
      checks.push(python, sandbox!);
    }
  }
  if (!opts.skipBackend && !add(await checkBackend(opts.backend))) return checks;
  return checks;
}

export function preflightError(check: PreflightCheck): RlvrError {
  return new RlvrError(ErrorCodes.PreflightFailed, `preflight: ${check.name}: ${check.message}${check.fix ? `\n  fix: ${check.fix}` : ''}`, check.where);
}

/** Throws one RlvrError naming the first failing piece and the command that fixes it. */
export async function preflight(config: CurriculumConfig, opts: PreflightOptions): Promise<PreflightCheck[]> {
  const checks = await preflightChecks(config, opts);
  const failed = checks.find((c) => !c.ok);
  if (failed) throw preflightError(failed);
  return checks;
}

/** `rlvr eval`'s sizes at once, before the dataset or the model loads. */
export function preflightEvalK(k: number): void {
  if (k > SIZE_LIMITS.eval_k) {
    throw preflightError({ name: 'sizes', ok: false, message: `--k: ${k} exceeds the maximum ${SIZE_LIMITS.eval_k} (samples per problem)`, fix: `lower --k to at most ${SIZE_LIMITS.eval_k}`, where: { field: '--k' } });
  }
}

/** `rlvr eval`: the response limit against the model's context, the sandbox for code problems, the backend. */
export async function preflightEval(opts: { modelDir: string; domains: { domain: ProblemKind; maxNewTokens: number; field: string }[]; backend?: string }): Promise<PreflightCheck[]> {
  const checks: PreflightCheck[] = [];
  const first = async (): Promise<PreflightCheck | undefined> => {
    const model = checkModelFolder(opts.modelDir, 'point --checkpoint at a folder with manifest.json or config.json (or its run folder with policy/)');
    checks.push(model);
    if (!model.ok) return model;
    for (const d of opts.domains) {
      if (model.contextLength !== undefined && d.maxNewTokens >= model.contextLength) {
        return { name: 'sizes', ok: false, message: `${d.field}: ${d.maxNewTokens} response tokens for ${d.domain} do not fit the model's context of ${model.contextLength} tokens (prompt + response)`, fix: `lower ${d.field} below ${model.contextLength}`, where: { field: d.field } };
      }
    }
    if (opts.domains.some((d) => d.domain === 'code')) {
      const python = checkPython();
      checks.push(python);
      if (!python.ok) return python;
      const sandbox = await checkSandbox();
      checks.push(sandbox);
      if (!sandbox.ok) return { ...sandbox, message: `code problems need it: ${sandbox.message}` };
    }
    const backend = await checkBackend(opts.backend);
    checks.push(backend);
    return backend.ok ? undefined : backend;
  };
  const failed = await first();
  if (failed) throw preflightError(failed);
  return checks;
}

// runCurriculum: the whole recipe for one run - load the stage config, start from the warm
// start (or a checkpoint, or from scratch), evaluate, then for each stage: filter easy
// prompts, train (trainer.ts), evaluate on the held-out splits, checkpoint. `rlvr train` and
// `rlvr serve` both call it; it writes everything to the RunSink and tells `notify`.
import { existsSync } from 'node:fs';
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { CurriculumConfig, ModelSpec, StageConfig } from '../../shared/config.js';
import { ErrorCodes, Notifications, type RunStatus, type StageSummary } from '../../shared/protocol.js';
import { isRlvrError, RlvrError } from '../../shared/errors.js';
import { PROJECT_ROOT } from '../data/fixtures.js';
import type { Problem, ProblemKind as Domain } from '../../shared/problem.js';
import { combineSeeds } from '../util/random.js';
import { describeBackend, initBackend } from '../model/backend.js';
import { CharGpt } from '../model/char/char-gpt.js';
import { DEFAULT_POLICY_CONFIG } from '../model/char/config.js';
import { Tokenizer } from '../model/char/tokenizer.js';
import type { Notify, RunCurriculumOptions, RunOutcome } from './api.js';
import { checkpointDir, readRunPosition, saveRunCheckpoint, type RunPosition } from './checkpoints.js';
import { loadConfig } from './config.js';
import { loadEvalDataset, loadStageDataset } from './dataset.js';
import { verifierFailedText } from '../../shared/eval-report.js';
import { evaluateProblems, verifierFailures, type DomainEval } from './evaluate.js';
import { easyPromptFilter, filterSummary } from './filter.js';
import { Policy } from './policy.js';
import { promptIds, targetIds } from './prompt.js';
import type { VerifyBatch } from './rollouts.js';
import { runStage } from './trainer.js';
import { openVerifier } from './verifier.js';

export const ASSETS_DIR = path.join(PROJECT_ROOT, 'daemon', 'assets');
/** The embedded default curriculum (`rlvr train` with no config). */
export const DEFAULT_CONFIG_PATH = path.join(ASSETS_DIR, 'default.yaml');
/** The sft stage that made the shipped warm start (rerun by --from-scratch). */
export const WARMSTART_CONFIG_PATH = path.join(ASSETS_DIR, 'warmstart.yaml');
export const WARMSTART_DIR = path.join(ASSETS_DIR, 'warmstart');

type Evals = RunOutcome['summary']['evals'];

export interface EngineOptions extends RunCurriculumOptions {
  /** Score responses with this instead of the real verifiers (tests of the loud stop). */
  verify?: VerifyBatch;
}

/** The curriculum a run executes, after --from-scratch, --stages and --max-steps are applied. */
export function effectiveCurriculum(opts: Pick<RunCurriculumOptions, 'configPath' | 'stages' | 'maxStepsPerStage' | 'seed' | 'fromScratch' | 'saveDtype' | 'model'>): {
  config: CurriculumConfig;
  configPath: string;
} {
  const configPath = path.resolve(opts.configPath ?? DEFAULT_CONFIG_PATH);
  let config = loadConfig(configPath);
  if (opts.fromScratch && config.model.from === 'warmstart') {
    // Rerun the warm start's own stage(s) first, from its from-scratch model.
    const ws = loadConfig(WARMSTART_CONFIG_PATH);
    config = { ...config, model: ws.model, stages: [...ws.stages, ...config.stages] };
  }
  let stages = config.stages;
  if (opts.stages && opts.stages.length > 0) {
    const names = new Set(stages.map((s) => s.name));
    const unknown = opts.stages.filter((s) => !names.has(s));
    if (unknown.length) throw new RlvrError(ErrorCodes.ConfigInvalid, `unknown stage(s) ${unknown.join(', ')} (the config has: ${[...names].join(', ')})`);
    stages = stages.filter((s) => opts.stages!.includes(s.name));
  }
  if (opts.maxStepsPerStage !== undefined) {
    const cap = opts.maxStepsPerStage;
    if (!Number.isInteger(cap) || cap < 1) throw new RlvrError(ErrorCodes.ConfigInvalid, `max steps per stage must be an integer >= 1, got ${cap}`);
    stages = stages.map((s) => ({ ...s, steps: Math.min(s.steps, cap), warmup_steps: Math.min(s.warmup_steps, cap) }));
  }
  let model = config.model;
  if (opts.model !== undefined) {
    // --model DIR: a Hugging Face folder (config.json), or an rlvr checkpoint (manifest.json).
    const dir = path.resolve(opts.model);
    model = existsSync(path.join(dir, 'manifest.json')) ? { from: 'checkpoint', path: dir } : { from: 'hf', path: dir, save_dtype: model.from === 'hf' ? model.save_dtype : 'source' };
  }
  if (opts.saveDtype !== undefined) {
    if (model.from !== 'hf') throw new Error(`--save-dtype applies to Hugging Face models; this config's model is ${model.from === 'scratch' ? 'the embedded model from scratch' : `"${model.from}"`}`);
    model = { ...model, save_dtype: opts.saveDtype };
  }
  return { config: { ...config, model, seed: opts.seed ?? config.seed, stages }, configPath };
}

async function initialPolicy(spec: ModelSpec, seed: number, configDir: string): Promise<Policy> {
  if (spec.from === 'warmstart') {
    try {
      return await Policy.load(WARMSTART_DIR);
    } catch (err) {
      throw new Error(`cannot load the shipped warm start at ${WARMSTART_DIR} (${(err as Error).message}); rerun it with --from-scratch`);
    }
  }
  if (spec.from === 'checkpoint' || spec.from === 'hf') return Policy.load(path.resolve(configDir, spec.path));
  const tokenizer = Tokenizer.characters();
  return new Policy(CharGpt.create({ ...DEFAULT_POLICY_CONFIG, vocabSize: tokenizer.vocabSize, ...spec.config }, seed, {}, tokenizer));
}

/** Fails before any work when a prompt plus the response limit cannot fit the policy's context. */
function checkFits(policy: Policy, problems: Problem[], maxNew: number, field: string): void {
  if (problems.length === 0) return;
  const tok = policy.tokenizer;
  const longest = problems.reduce((a, p) => Math.max(a, promptIds(tok, p).length + (maxNew === 0 ? targetIds(tok, p.solution ?? '').length : 0)), 0);
  const C = policy.model.contextLength;
  if (longest + maxNew > C) {
    throw new Error(`${field}: the longest prompt (${longest} tokens${maxNew === 0 ? ' with its solution' : ''}) plus ${maxNew} response tokens exceeds the policy's contextLength ${C}`);
  }
}

/**
 * avg@k, or NaN (null in summary.json, a gap in the curve) where there is none: a domain
 * evaluated on `none`, or one whose every sample failed in the verifier.
 */
function judgedAccuracy(d: DomainEval | null): number {
  return d && d.verifierFailed < d.problems * d.k ? d.avgAtK : NaN;
}

/** The eval log line; samples the verifier failed on are said, and all of them failing is no 0%. */
function evalLine(after: string, e: DomainEval): ['info' | 'warn', string] {
  const failed = verifierFailedText(e.domain, verifierFailures(e));
  const took = `(${e.seconds.toFixed(1)} s)`;
  if (!failed) return ['info', `eval after ${after}: ${e.domain} avg@${e.k} ${(100 * e.avgAtK).toFixed(1)}% pass@${e.k} ${(100 * e.passAtK).toFixed(1)}% ${took}`];
  if (e.verifierFailed >= e.problems * e.k) return ['warn', `eval after ${after}: ${failed}: no sample was judged, no accuracy to report ${took}`];
  return ['warn', `eval after ${after}: ${e.domain} avg@${e.k} ${(100 * e.avgAtK).toFixed(1)}% pass@${e.k} ${(100 * e.passAtK).toFixed(1)}% (${failed}, counted as unsolved) ${took}`];
}

function stageSummary(stage: StageConfig, index: number, status: StageSummary['status'], stepsDone: number): StageSummary {
  return { index, name: stage.name, kind: stage.kind, status, stepsDone, stepsPlanned: stage.steps };
}

export async function runCurriculum(opts: EngineOptions): Promise<RunOutcome> {
  const started = performance.now();
  const notify: Notify = opts.notify ?? (() => {});
  const { sink } = opts;
  const backend = await initBackend(opts.backend);

  // ---- create the run, or find where a killed one stopped ----
  let runId: string;
  let config: CurriculumConfig;
  let configPath: string;
  let outDir = path.resolve(opts.outDir);
  let position: RunPosition | null = null;
  let policy: Policy;
  if (opts.resumeRunId) {
    runId = opts.resumeRunId;
    const ck = sink.lastCheckpoint(runId);
    if (!ck) throw new Error(`run ${runId} has no checkpoint to resume from`);
    const saved = await readRunPosition(ck.path);
    position = saved.position;
    config = saved.config;
    configPath = saved.configPath;
    // Checkpoints live in OUT/checkpoints/<name>: the run keeps writing where it began.
    outDir = path.dirname(path.dirname(ck.path));
    policy = await Policy.load(path.join(ck.path, 'policy'));
    sink.deleteStepsAfter(runId, ck.stageIndex, ck.step);
    sink.setRunStatus(runId, 'running');
  } else {
    ({ config, configPath } = effectiveCurriculum(opts));
    runId = sink.createRun({ name: opts.name ?? path.basename(configPath, '.yaml'), configPath, config, seed: config.seed });
    policy = await initialPolicy(config.model, config.seed, path.dirname(configPath));
  }
  const { seed, stages } = config;
  const configDir = path.dirname(configPath);
  const log = (level: 'info' | 'warn' | 'error', message: string) => notify(Notifications.log, { runId, level, message });
  // Adapter and software-fallback flag too: "webgpu" on lavapipe is the CPU, and the log says so.
  log('info', `backend ${describeBackend({ ...backend, skipped: [] })}; policy ${policy.numParameters()} parameters`);
  const verifier = opts.verify ? { verify: opts.verify, close: async () => {} } : await openVerifier();
  const evals: Evals = position ? [...position.evals] : [];
  let status: RunStatus = 'running';
  const stageStatus = stages.map((s, i) => {
    if (!position) return stageSummary(s, i, 'pending', 0);
    if (i < position.stageIndex || (i === position.stageIndex && position.stageDone)) return stageSummary(s, i, 'done', s.steps);
    return stageSummary(s, i, 'pending', i === position.stageIndex ? position.step : 0);
  });
  const setStage = (i: number, st: StageSummary['status'], stepsDone: number) => {
    stageStatus[i] = stageSummary(stages[i], i, st, stepsDone);
    sink.upsertStage(runId, stageStatus[i]);
    notify(Notifications.stageChanged, { runId, stage: stageStatus[i] });
  };
  const runChanged = (error?: string) =>
    notify(Notifications.runChanged, {
      id: runId, name: opts.name ?? path.basename(configPath, '.yaml'), status, createdAt: new Date().toISOString(),
      configPath, stages: stageStatus, readOnly: false, ...(error ? { error } : {}),
    });
  stageStatus.forEach((s) => sink.upsertStage(runId, s));
  runChanged();

  // Held-out evaluation of both domains; the same problems and seeds at every call.
  let evalSets: Record<Domain, Problem[]> = { math: [], code: [] };
  const evalDomainResult = async (domain: Domain, after: string): Promise<DomainEval | null> => {
    if (evalSets[domain].length === 0) return null;
    const e = await evaluateProblems(policy.model, verifier.verify, domain, evalSets[domain], {
      k: config.eval.k, temperature: config.eval.temperature, top_p: config.eval.top_p,
      maxNewTokens: config.eval.max_response_length[domain],
    }, combineSeeds(seed, 99, domain === 'math' ? 1 : 2));
    sink.recordEval({ runId, after, domain, avgAtK: e.avgAtK, passAtK: e.passAtK, k: e.k, problems: e.problems, verifierFailed: e.verifierFailed });
    log(...evalLine(after, e));
    return e;
  };
  const evalDomain = async (domain: Domain, after: string) => judgedAccuracy(await evalDomainResult(domain, after));
  const evalBoth = async (after: string) => {
    const m = await evalDomainResult('math', after);
    const c = await evalDomainResult('code', after);
    const e: Evals[number] = { after, math: judgedAccuracy(m), code: judgedAccuracy(c) };
    for (const d of [m, c]) if (d && d.verifierFailed > 0) (e.verifier_failed ??= {})[d.domain] = verifierFailures(d);
    evals.push(e);
    return e;
  };

  try {
    evalSets = {
      math: await loadEvalDataset(config.eval.datasets.math, 'math', config.eval.problems, configDir),
      code: await loadEvalDataset(config.eval.datasets.code, 'code', config.eval.problems, configDir),
    };
    for (const d of ['math', 'code'] as const) checkFits(policy, evalSets[d], config.eval.max_response_length[d], `eval.max_response_length.${d}`);
    if (!position) await evalBoth(config.model.from === 'warmstart' ? 'warmstart' : 'init');
    let startStage = 0;
    if (position) startStage = position.stageDone ? position.stageIndex + 1 : position.stageIndex;
    let globalBase = stages.slice(0, startStage).reduce((a, s) => a + s.steps, 0);
    for (let i = startStage; i < stages.length; i++) {
      const stage = stages[i];
      const resumingHere = position !== null && !position.stageDone && position.stageIndex === i && position.step > 0;
      const startStep = resumingHere ? position!.step : 0;
      setStage(i, 'running', startStep);
      const full = await loadStageDataset(stage, seed, configDir);
      let dropped: string[] = resumingHere ? position!.dropped : [];
      let kept: string[] | undefined = resumingHere ? position!.kept : undefined;
      let pool: Problem[];
      if (!resumingHere && stage.filter) {
        notify(Notifications.progress, { runId, stage: stage.name, stageIndex: i, step: 0, stepsPlanned: stage.steps, phase: 'filter' });
        const f = await easyPromptFilter(policy.model, verifier.verify, full, stage, seed, i);
        dropped = f.dropped;
        pool = f.pool;
        // Saved with each checkpoint, so a resumed stage trains on the same prompts.
        kept = pool.length < full.length ? pool.map((p) => p.id) : undefined;
        log('info', filterSummary(stage.name, stage.filter.max_pass_rate, f));
      } else if (kept) {
        const keptSet = new Set(kept);
        pool = full.filter((p) => keptSet.has(p.id));
      } else {
        const droppedSet = new Set(dropped);
        pool = full.filter((p) => !droppedSet.has(p.id));
      }
      if (pool.length === 0) throw new Error(`stage ${stage.name}: the easy-prompt filter dropped every prompt; raise filter.max_pass_rate`);
      checkFits(policy, pool, stage.kind === 'sft' ? 0 : stage.max_response_length, `stages[${i}].max_response_length`);

      const result = await runStage({
        runId, stage, stageIndex: i, globalStepBase: globalBase, seed, policy, verify: verifier.verify, pool, sink, notify,
        signal: opts.signal, waitWhilePaused: opts.waitWhilePaused, startStep,
        evaluate: async (step) => {
          if (step === stage.steps) {
            const e = await evalBoth(stage.name);
            return stage.kind === 'sft' ? (e.math + e.code) / 2 : e[stage.kind];
          }
          if (stage.kind === 'sft') return ((await evalDomain('math', `${stage.name}@${step}`)) + (await evalDomain('code', `${stage.name}@${step}`))) / 2;
          return evalDomain(stage.kind, `${stage.name}@${step}`);
        },
        checkpoint: async (step) => {
          const dir = checkpointDir(outDir, i, stage.name, step);
          const pos: RunPosition = { stageIndex: i, step, stageDone: step === stage.steps, dropped, ...(kept ? { kept } : {}), evals, seed };
          await saveRunCheckpoint(dir, policy, pos, { config, configPath });
          sink.recordCheckpoint({ runId, stageIndex: i, step, path: dir });
          setStage(i, step === stage.steps ? 'done' : 'running', step);
        },
      });
      if (result.stopped) {
        setStage(i, 'stopped', result.stepsDone);
        status = 'stopped';
        break;
      }
      globalBase += stage.steps;
    }
    if (status === 'running') status = 'finished';
    sink.setRunStatus(runId, status);
    runChanged();
  } catch (err) {
    const message = (err as Error).message;
    status = 'failed';
    sink.setRunStatus(runId, 'failed', message);
    const running = stageStatus.findIndex((s) => s.status === 'running');
    if (running >= 0) setStage(running, 'failed', stageStatus[running].stepsDone);
    notify(Notifications.error, { runId, code: isRlvrError(err) ? err.code : ErrorCodes.Internal, message });
    runChanged(message);
    throw err;
  } finally {
    await verifier.close();
    policy.dispose();
  }

  const summary = { backend: backend.name, wall_s: Math.round((performance.now() - started) / 100) / 10, evals };
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, 'summary.json'), JSON.stringify(summary) + '\n');
  return { runId, status, outDir, summary };
}

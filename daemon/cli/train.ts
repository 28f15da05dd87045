// `rlvr train`: run a curriculum headless. No --config = the embedded default (math RL then
// code RL from the shipped warm start). Prints the backend, a progress bar, a table of
// held-out accuracies, and as its last line one JSON object (also OUT/summary.json):
//   {"backend", "wall_s", "evals": [{"after": STAGE, "math": ACC, "code": ACC, "verifier_failed"?: {DOMAIN: {"failed", "samples"}}}, ...]}
import path from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { SAVE_DTYPES, type SaveDtype } from '../../shared/config.js';
import { Notifications, type NotificationType, type ProgressParams, type StepMetrics } from '../../shared/protocol.js';
import { runCurriculum, effectiveCurriculum } from '../engine/run.js';
import type { EvalSummary, Notify, RunOutcome } from '../engine/api.js';
import { evalCell, verifierFailedText } from '../../shared/eval-report.js';
import { initBackend, describeBackend } from '../model/backend.js';
import { preflight } from '../engine/preflight.js';
import { closeVerifiers } from '../verify/index.js';
import { openRunStore } from '../store/index.js';
import { defaultDataDir, runDir, storePath } from '../../shared/data-dir.js';

const USAGE = `usage: rlvr train [--config F] [--out DIR] [--resume [RUN_ID]] [--stages a,b] [--max-steps N]
                  [--seed N] [--backend B] [--from-scratch] [--model DIR] [--save-dtype source|f32|bf16]
                  [--data-dir D]

  --config F       stage config (YAML); default: the embedded curriculum (daemon/assets/default.yaml)
  --out DIR        checkpoints and summary.json; default: DATA_DIR/runs/<run name>
  --resume [ID]    continue a killed run (default: the latest) from its last checkpoint
  --stages a,b     run only these stages
  --max-steps N    cap every stage's step budget
  --seed N         override the config's seed
  --backend B      force a backend: webgpu | tensorflow-gpu | tensorflow | wasm | cpu (env RLVR_BACKEND)
  --from-scratch   retrain the warm start (its sft stage) instead of loading the shipped one
  --model DIR      start from this model instead of the config's: a Hugging Face folder or an rlvr checkpoint
  --engine verl    run the stages on verl instead (rlvr train --engine verl --help)
  --save-dtype D   Hugging Face models: checkpoints store source (default: the model's own) | f32 | bf16
  --data-dir D     where the run store lives (default: $RLVR_DATA_DIR or ~/.local/share/rlvr-studio)`;

function positiveInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag}: expected a non-negative integer, got '${v}'`);
  return n;
}

function saveDtypeFlag(v: string | undefined): SaveDtype | undefined {
  if (v === undefined) return undefined;
  if (!(SAVE_DTYPES as readonly string[]).includes(v)) throw new Error(`--save-dtype: expected one of ${SAVE_DTYPES.join(', ')}, got '${v}'`);
  return v as SaveDtype;
}

export function formatEvalTable(evals: RunOutcome['summary']['evals']): string {
  const w = Math.max(10, ...evals.map((e) => e.after.length));
  // A domain evaluated on `none` has no number (NaN): a dash, not "NaN%".
  // A domain whose samples all failed in the verifier reads `verifier failed`, not 0%; a partial
  // failure marks its rate with * and says how many beneath.
  const cell = (e: EvalSummary, d: 'math' | 'code') => evalCell(e[d], e.verifier_failed?.[d]).padStart(15);
  const judged = (e: EvalSummary, d: 'math' | 'code') => Number.isFinite(e[d]) && !e.verifier_failed?.[d];
  const lines = [`${'after'.padEnd(w)}  ${'math'.padStart(15)}  ${'code'.padStart(15)}`];
  evals.forEach((e, i) => {
    const deltas = (['math', 'code'] as const).filter((k) => judged(e, k) && judged(evals[0], k)).map((k) => `${k} ${signed(e[k] - evals[0][k])}`);
    const d = i === 0 || deltas.length === 0 ? '' : `   (${deltas.join(', ')} vs ${evals[0].after})`;
    lines.push(`${e.after.padEnd(w)}  ${cell(e, 'math')}  ${cell(e, 'code')}${d}`);
    const failed = (['math', 'code'] as const).map((k) => verifierFailedText(k, e.verifier_failed?.[k])).filter((t): t is string => t !== null);
    if (failed.length) lines.push(`${''.padEnd(w)}  * ${failed.join('; ')}`);
  });
  return lines.join('\n');
}

function signed(x: number): string {
  const p = (100 * x).toFixed(1);
  return x >= 0 ? `+${p}` : p;
}

export async function run(argv: string[]): Promise<number> {
  // --engine verl: the stages run on verl (daemon/cli/train-verl.ts); arguments after `--` are its.
  const own = argv.indexOf('--') < 0 ? argv : argv.slice(0, argv.indexOf('--'));
  if (own.some((a) => a === '--engine' || a.startsWith('--engine='))) return (await import('./train-verl.js')).run(argv);
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      out: { type: 'string' },
      resume: { type: 'boolean' },
      stages: { type: 'string' },
      'max-steps': { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
      'from-scratch': { type: 'boolean' },
      'save-dtype': { type: 'string' },
      model: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  // `--resume RUN_ID`: parseArgs reads --resume as a flag, the id as a positional.
  if (positionals.length > (values.resume ? 1 : 0)) throw new Error(`unexpected argument '${positionals.at(-1)}'\n${USAGE}`);
  const dataDir = values['data-dir'] ? path.resolve(values['data-dir']) : defaultDataDir();
  const store = openRunStore(storePath(dataDir));
  try {
    let resumeRunId: string | undefined;
    if (values.resume) {
      resumeRunId = positionals[0] ?? store.listRuns({ limit: 1 })[0]?.id;
      if (!resumeRunId) throw new Error(`--resume: no runs in ${storePath(dataDir)}`);
    }
    const stages = values.stages?.split(',').map((s) => s.trim()).filter(Boolean);
    const opts = {
      configPath: values.config,
      stages,
      maxStepsPerStage: positiveInt(values['max-steps'], '--max-steps'),
      seed: positiveInt(values.seed, '--seed'),
      fromScratch: values['from-scratch'] ?? false,
      saveDtype: saveDtypeFlag(values['save-dtype']),
      model: values.model,
    };
    // Validate the config before loading TensorFlow.js, so a typo fails in milliseconds.
    const plan = resumeRunId ? null : effectiveCurriculum(opts);
    // Everything the curriculum needs, before the model loads and before a run row exists:
    // a missing piece stops here in seconds and leaves no failed run in the store.
    if (plan) {
      try {
        await preflight(plan.config, { configPath: plan.configPath, backend: values.backend, warn: (m) => console.error(`warning: ${m}`) });
      } finally {
        await closeVerifiers();
      }
    }
    const backend = await initBackend(values.backend);
    console.log(`backend: ${describeBackend(backend)}`);
    const name = `${path.basename(plan?.configPath ?? 'resume', '.yaml')}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`;
    const outDir = path.resolve(values.out ?? runDir(dataDir, name));

    const plannedTotal = plan ? plan.config.stages.reduce((a, s) => a + s.steps, 0) : 0;
    const bar = new cliProgress.SingleBar(
      { format: '{bar} {value}/{total} steps | {stage} {phase} | reward {reward} | {message}', hideCursor: true, clearOnComplete: false, etaBuffer: 20 },
      cliProgress.Presets.shades_classic,
    );
    const interactive = process.stderr.isTTY;
    let barStarted = false;
    const ensureBar = (total: number) => {
      if (!barStarted && interactive) {
        bar.start(total || 1, 0, { stage: '', phase: '', reward: '-', message: '' });
        barStarted = true;
      }
    };
    const say = (line: string) => {
      if (barStarted) bar.stop();
      console.log(line);
      barStarted = false;
    };
    let done = 0;
    const notify: Notify = <P>(type: NotificationType<P>, params: P) => {
      if (type.method === Notifications.progress.method) {
        const p = params as unknown as ProgressParams;
        ensureBar(plannedTotal);
        if (barStarted) bar.update(done, { stage: p.stage, phase: p.phase, message: `step ${p.step}/${p.stepsPlanned}` });
      } else if (type.method === Notifications.stepMetrics.method) {
        const m = params as unknown as StepMetrics;
        done = m.globalStep;
        ensureBar(plannedTotal);
        if (barStarted) bar.update(done, { reward: m.meanReward.toFixed(3) });
        else console.log(`step ${m.stage}/${m.step}: reward ${m.meanReward.toFixed(3)} entropy ${m.entropy.toFixed(3)} len ${m.meanResponseLength.toFixed(1)} zero-var ${m.zeroVarianceShare.toFixed(2)} loss ${m.loss.toFixed(4)} (${(m.sampleSeconds + m.verifySeconds + m.updateSeconds).toFixed(1)} s)`);
      } else if (type.method === Notifications.log.method || type.method === Notifications.error.method) {
        say((params as unknown as { message: string }).message);
      }
    };
    const controller = new AbortController();
    const onSigint = () => {
      say('interrupted: stopping after the current step (checkpointed steps can be resumed with --resume)');
      controller.abort();
    };
    process.once('SIGINT', onSigint);
    let outcome: RunOutcome;
    try {
      outcome = await runCurriculum({
        ...opts,
        outDir,
        sink: store,
        notify,
        resumeRunId,
        backend: values.backend,
        signal: controller.signal,
        // The engine shares this thread with the SIGINT handler: let it run between steps.
        waitWhilePaused: () => new Promise((resolve) => setImmediate(resolve)),
      });
    } finally {
      process.off('SIGINT', onSigint);
      if (barStarted) bar.stop();
    }
    console.log(`\nrun ${outcome.runId} ${outcome.status}; checkpoints and summary in ${outcome.outDir ?? outDir}`);
    console.log(formatEvalTable(outcome.summary.evals));
    console.log(JSON.stringify(outcome.summary));
    return outcome.status === 'finished' ? 0 : 1;
  } finally {
    store.close();
  }
}

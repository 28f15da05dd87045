// `rlvr train --engine verl --config stages.yaml [--dry-run] [--ray-address A] [-- overrides]`:
// the curriculum on verl (daemon/verl/launch.ts). --dry-run prints the exact commands and
// writes nothing; a real run writes each stage's Parquet data, asks a running daemon to watch
// each stage's rollouts and metrics (rlvr/watchVerlRun), then runs the stages one after another.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createMessageConnection } from 'vscode-jsonrpc';
import WebSocket from 'ws';
import type { CurriculumConfig } from '../../shared/config.js';
import { Methods } from '../../shared/protocol.js';
import { PROJECT_ROOT } from '../data/fixtures.js';
import { loadConfig } from '../engine/config.js';
import { isLive, readLock } from '../server/lock.js';
import { WebSocketMessageReader, WebSocketMessageWriter } from '../../shared/transport.js';
import { defaultDataDir, lockFilePath } from '../../shared/data-dir.js';
import { commandLine, planVerlRun, renderPlan, type VerlCommand, type VerlStagePlan } from '../verl/launch.js';
import { exportHeldOut, exportStageDataset } from '../verl/stage-data.js';

const USAGE = `usage: rlvr train --engine verl [--config F] [--model DIR] [--out DIR] [--stages a,b]
                  [--max-steps N] [--seed N] [--ray-address A] [--python P] [--dry-run]
                  [-- verl overrides...]

  Each RL stage runs as python3 -m verl.trainer.main_ppo with the AceReason recipe as Hydra
  overrides (GRPO, token-mean loss, no KL, no entropy bonus, one update per batch, rollout.n =
  group_size, the stage's temperature and max_response_length, our reward module), its
  rollouts and file logger under the stage's folder; a stage starts from the previous one's
  last checkpoint, merged to a Hugging Face folder with verl's model merger.

  --config F       stage config (default: the embedded curriculum, daemon/assets/default.yaml)
  --model DIR      the Hugging Face model to start from (verl trains HF models only)
  --out DIR        the run's folder (default <data dir>/verl-runs/<name>); on a Ray cluster it
                   must be a path every node sees (shared storage)
  --ray-address A  submit each command with ray job submit --address A
  --python P       the Python that has verl installed (default python3)
  --dry-run        print the commands, write and run nothing
  -- ...           verl Hydra overrides; each replaces ours for the same key`;

function positiveInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be an integer >= 1, got '${v}'`);
  return n;
}

/** The config as the local engine would run it: --model, --stages, --max-steps, --seed applied. */
export function verlCurriculum(o: { configPath?: string; model?: string; stages?: string[]; maxSteps?: number; seed?: number }): { config: CurriculumConfig; configPath: string } {
  const configPath = path.resolve(o.configPath ?? path.join(PROJECT_ROOT, 'daemon', 'assets', 'default.yaml'));
  let config = loadConfig(configPath);
  let stages = config.stages;
  if (o.stages?.length) {
    const names = new Set(stages.map((s) => s.name));
    const unknown = o.stages.filter((s) => !names.has(s));
    if (unknown.length) throw new Error(`unknown stage(s) ${unknown.join(', ')} (the config has: ${[...names].join(', ')})`);
    stages = stages.filter((s) => o.stages!.includes(s.name));
  }
  if (o.maxSteps !== undefined) stages = stages.map((s) => ({ ...s, steps: Math.min(s.steps, o.maxSteps!) }));
  // A config's relative model path is relative to the config's folder.
  let model = config.model;
  if (model.from === 'hf') model = { ...model, path: path.resolve(path.dirname(configPath), model.path) };
  if (o.model !== undefined) model = { from: 'hf', path: path.resolve(o.model), save_dtype: 'source' };
  config = { ...config, model, stages, seed: o.seed ?? config.seed };
  return { config, configPath };
}

function runCommand(c: VerlCommand, what: string): Promise<void> {
  console.error(`rlvr train: ${what}: ${commandLine(c)}`);
  return new Promise((resolve, reject) => {
    const p = spawn(c.argv[0], c.argv.slice(1), { stdio: 'inherit', env: { ...process.env, ...c.env } });
    p.on('error', (err) => reject(new Error(`${what}: cannot start ${c.argv[0]}: ${err.message}`)));
    p.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${what}: ${c.argv[0]} exited with ${signal ?? `code ${code}`}`))));
  });
}

/** Asks the daemon of `dataDir`, if one runs, to watch each stage; says so either way. */
async function watchStages(dataDir: string, name: string, plans: VerlStagePlan[]): Promise<void> {
  const lock = readLock(lockFilePath(dataDir));
  if (!lock || !(await isLive(lock))) {
    console.error(`rlvr train: no daemon in ${dataDir}: start \`rlvr serve\` and watch each stage's rollouts with "RLVR: Watch verl run..." to see them live`);
    return;
  }
  const ws = new WebSocket(`ws://127.0.0.1:${lock.port}/`, { headers: { Authorization: `Bearer ${lock.token}` } });
  await new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject)));
  const conn = createMessageConnection(new WebSocketMessageReader(ws), new WebSocketMessageWriter(ws));
  conn.listen();
  try {
    for (const p of plans) {
      const { runId } = (await conn.sendRequest(Methods.watchVerlRun.method, { rolloutDir: p.rolloutDir, metricsFile: p.metricsFile, name: `${name}/${p.stage.name}` })) as { runId: string };
      console.error(`rlvr train: the daemon watches stage ${p.stage.name} as run ${runId}`);
    }
  } finally {
    conn.dispose();
    ws.close();
  }
}

export async function run(argv: string[]): Promise<number> {
  const end = argv.indexOf('--');
  const own = end < 0 ? argv : argv.slice(0, end);
  const extra = end < 0 ? [] : argv.slice(end + 1);
  const { values } = parseArgs({
    args: own,
    options: {
      engine: { type: 'string' },
      config: { type: 'string' },
      model: { type: 'string' },
      out: { type: 'string' },
      stages: { type: 'string' },
      'max-steps': { type: 'string' },
      seed: { type: 'string' },
      'ray-address': { type: 'string' },
      python: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.engine !== 'verl') throw new Error(`--engine: expected verl (or leave it out for the built-in trainer), got '${values.engine}'`);
  for (const o of extra) if (!/^(~[A-Za-z_][\w.@/-]*(=.*)?|(\+\+|\+)?[A-Za-z_][\w.@/-]*=.*)$/s.test(o)) throw new Error(`after --: '${o}' is not a Hydra override (key=value)`);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed)) throw new Error(`--seed must be an integer, got '${values.seed}'`);
  const { config, configPath } = verlCurriculum({
    configPath: values.config,
    model: values.model,
    stages: values.stages?.split(',').map((s) => s.trim()).filter(Boolean),
    maxSteps: positiveInt(values['max-steps'], '--max-steps'),
    seed,
  });
  const dataDir = values['data-dir'] ? path.resolve(values['data-dir']) : defaultDataDir();
  const name = `${path.basename(configPath).replace(/\.ya?ml$/, '')}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`;
  const runDir = path.resolve(values.out ?? path.join(dataDir, 'verl-runs', name));
  // The reward module on verl's workers finds the daemon through these (see rlvr_reward.py).
  const rewardEnv: Record<string, string> = process.env.RLVR_URL
    ? { RLVR_URL: process.env.RLVR_URL, ...(process.env.RLVR_TOKEN ? { RLVR_TOKEN: process.env.RLVR_TOKEN } : {}) }
    : { RLVR_DATA_DIR: dataDir };
  const plans = planVerlRun({ config, runDir, name, rayAddress: values['ray-address'], extra, python: values.python, rewardEnv });
  if (values['dry-run']) {
    console.log(renderPlan(plans));
    return 0;
  }
  if (values['ray-address'] && !process.env.RLVR_URL) {
    console.error('rlvr train: warning: on a Ray cluster the reward workers may run on other machines: run `rlvr sandbox --host H --token-file F` and set RLVR_URL=http://H:P and RLVR_TOKEN');
  }
  for (const p of plans) {
    mkdirSync(p.dir, { recursive: true });
    const n = await exportStageDataset(p.stage, config.seed, path.dirname(configPath), p.trainFile);
    const v = p.valFile ? await exportHeldOut(config, p.stage.kind as 'math' | 'code', path.dirname(configPath), p.valFile) : null;
    console.error(`rlvr train: stage ${p.stage.name}: ${n} problems -> ${p.trainFile}${v !== null ? `, ${v} held-out -> ${p.valFile}` : ''}`);
  }
  await watchStages(dataDir, name, plans);
  for (const p of plans) {
    await runCommand(p.train, `stage ${p.stage.name}`);
    if (p.merge) await runCommand(p.merge, `stage ${p.stage.name}: merge its last checkpoint into ${p.hfDir}`);
  }
  console.log(JSON.stringify({ runDir, stages: plans.map((p) => ({ name: p.stage.name, dir: p.dir, rollouts: p.rolloutDir, metrics: p.metricsFile })) }));
  return 0;
}

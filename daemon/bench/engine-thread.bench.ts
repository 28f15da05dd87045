// Another client's `rlvr/status` round trip while the daemon trains the embedded default
// (math-short, G=8 x 8 prompts): the engine on the server's thread (as before issue 13,
// RLVR_BENCH_ENGINE_ON_SERVER_THREAD=1, the baseline) beside the engine in its own thread,
// both measured in this run on a real `rlvr serve` over a real socket. The goal: an
// answer within 50 ms during training.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { PROJECT_ROOT } from '../data/fixtures.js';
import { ENGINE_ON_SERVER_THREAD_ENV } from '../server/runs.js';
import { Methods, Notifications, type RunSummary } from '../../shared/protocol.js';

const STEPS = 3;
/** A client polling status: one request every POLL_MS. */
const POLL_MS = 20;
/** Phases of a training step (the first step's eval and checkpoint are not counted). */
const STEP_PHASES = new Set(['sample', 'verify', 'update']);

interface Latencies {
  inStep: number[];
  steps: number;
}

async function startServe(dataDir: string, engineOnServerThread: boolean) {
  const env = { ...process.env };
  if (engineOnServerThread) env[ENGINE_ON_SERVER_THREAD_ENV] = '1';
  else delete env[ENGINE_ON_SERVER_THREAD_ENV];
  const proc = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'rlvr.js'), 'serve', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stderr = '';
  proc.stderr!.on('data', (b) => (stderr += b));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (b) => {
      out += b;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    proc.on('exit', (code) => reject(new Error(`rlvr serve exited (${code}): ${stderr}`)));
  });
  const { port, lockFile } = JSON.parse(line) as { port: number; lockFile: string };
  const { token } = JSON.parse(readFileSync(lockFile, 'utf8')) as { token: string };
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return { port, token, stop: async () => (proc.kill('SIGTERM'), await exited) };
}

/** A JSON-RPC client on a raw socket: requests by id, every notification to `onNote`. */
async function rpcClient(port: number, token: string, onNote: (method: string, params: unknown) => void) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: { Authorization: `Bearer ${token}` } });
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  let nextId = 1;
  const waiting = new Map<number, (m: { result?: unknown; error?: { message: string } }) => void>();
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as { id?: number; method?: string; params?: unknown; result?: unknown; error?: { message: string } };
    if (m.id !== undefined && waiting.has(m.id)) {
      waiting.get(m.id)!(m);
      waiting.delete(m.id);
    } else if (m.method) onNote(m.method, m.params);
  });
  const request = (method: string, params: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, (m) => (m.error ? reject(new Error(m.error.message)) : resolve(m.result)));
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  return { request, close: () => ws.close() };
}

/** A fresh `rlvr serve` on a temp data dir for `use`, stopped and removed after. */
async function withServe<T>(onServerThread: boolean, use: (serve: { port: number; token: string }, dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rlvr-bench-engine-thread-'));
  const serve = await startServe(dir, onServerThread);
  try {
    return await use(serve, dir);
  } finally {
    await serve.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function measure(engineOnServerThread: boolean): Promise<Latencies> {
  return withServe(engineOnServerThread, async (serve) => {
    let phase = '';
    let steps = 0;
    let ended!: () => void;
    const end = new Promise<void>((r) => (ended = r));
    const trainer = await rpcClient(serve.port, serve.token, (method, params) => {
      if (method === Notifications.progress.method) phase = (params as { phase: string }).phase;
      if (method === Notifications.stepMetrics.method) steps++;
      if (method === Notifications.runChanged.method && ['finished', 'stopped', 'failed'].includes((params as RunSummary).status)) ended();
    });
    const other = await rpcClient(serve.port, serve.token, () => {});
    await trainer.request(Methods.subscribe.method, {});
    await trainer.request(Methods.startRun.method, { stages: ['math-short'], maxStepsPerStage: STEPS, name: 'bench' });
    // Open loop: a request every POLL_MS whether or not the last was answered, so that a
    // server blocked for a whole phase is seen by every request sent meanwhile.
    const inStep: number[] = [];
    const inFlight: Promise<void>[] = [];
    const poll = setInterval(() => {
      const during = STEP_PHASES.has(phase);
      const t0 = performance.now();
      inFlight.push(other.request(Methods.status.method, {}).then(() => {
        if (during) inStep.push(performance.now() - t0);
      }));
    }, POLL_MS);
    await end;
    clearInterval(poll);
    await Promise.all(inFlight);
    trainer.close();
    other.close();
    return { inStep, steps };
  });
}

/** Another client's status round trips while one "Sample 64 rollouts" request is answered. */
function measureLens(onServerThread: boolean): Promise<{ during: number[]; ms: number }> {
  return withServe(onServerThread, async (serve, dir) => {
    const lens = await rpcClient(serve.port, serve.token, () => {});
    const other = await rpcClient(serve.port, serve.token, () => {});
    const params = { file: path.join(dir, 'bench.jsonl'), line: 1, record: { problem: 'What is 12 + 30? Put the final answer in \\boxed{}.', answer: '42' }, k: LENS_K };
    // Not measured: the first status loads the backend report, the first sample the checkpoint.
    await other.request(Methods.status.method, {});
    await lens.request(Methods.sampleProblem.method, { ...params, k: 1 });
    const during: number[] = [];
    const inFlight: Promise<void>[] = [];
    let busy = true;
    const poll = setInterval(() => {
      const t0 = performance.now();
      inFlight.push(other.request(Methods.status.method, {}).then(() => void (busy && during.push(performance.now() - t0))));
    }, POLL_MS);
    const t0 = performance.now();
    await lens.request(Methods.sampleProblem.method, params);
    const ms = performance.now() - t0;
    busy = false;
    clearInterval(poll);
    await Promise.all(inFlight);
    lens.close();
    other.close();
    return { during, ms };
  });
}

const LENS_K = 64;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

const GOAL_MS = 50;

/** Median, p99, max and the share within the goal of a set of round trips. */
function latencies(ms: number[]): string {
  const within = (100 * ms.filter((x) => x <= GOAL_MS).length) / ms.length;
  return `median ${median(ms).toFixed(1).padStart(7)} ms, p99 ${quantile(ms, 0.99).toFixed(1).padStart(7)} ms, max ${Math.max(...ms).toFixed(1).padStart(7)} ms, ${within.toFixed(1)}% within ${GOAL_MS} ms`;
}

export async function run(): Promise<void> {
  const before = await measure(true);
  const after = await measure(false);
  const line = (label: string, l: Latencies) => `${label}: status round trip during a training step: ${latencies(l.inStep)} (${l.inStep.length} requests over ${l.steps} steps)`;
  console.log(`embedded default, stage math-short, ${STEPS} steps; another client sends rlvr/status every ${POLL_MS} ms`);
  console.log(line('engine on the server thread (baseline)', before));
  console.log(line('engine in its own thread              ', after));
  console.log(`median ${(median(before.inStep) / median(after.inStep)).toFixed(1)}x and max ${(Math.max(...before.inStep) / Math.max(...after.inStep)).toFixed(1)}x lower in its own thread; goal: within ${GOAL_MS} ms`);

  const lensBefore = await measureLens(true);
  const lensAfter = await measureLens(false);
  const lensLine = (label: string, l: { during: number[]; ms: number }) =>
    `${label}: status round trip during "Sample ${LENS_K} rollouts" (${(l.ms / 1000).toFixed(1)} s): ${latencies(l.during)} (${l.during.length} requests)`;
  console.log(lensLine('lens sampling on the server thread (baseline)', lensBefore));
  console.log(lensLine('lens sampling in its own thread              ', lensAfter));
  console.log(`lens: median ${(median(lensBefore.during) / median(lensAfter.during)).toFixed(1)}x and max ${(Math.max(...lensBefore.during) / Math.max(...lensAfter.during)).toFixed(1)}x lower in its own thread`);
}

// rlvr/watchVerlRun over a real daemon, with files written the way verl writes them
// (volcengine/verl b178a3cd): trainer.rollout_data_dir/{step}.jsonl, each file written whole,
// lines {input, output, gts, score, step} + our reward module's extras (acc, verdict, pred);
// and the file logger's {"step": N, "data": {...}} lines appended one per step.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Methods, Notifications, type StepMetrics } from '../../shared/protocol.js';
import { connect, startDaemon, tmpDataDir, type Client, type Daemon } from './daemon.js';

const SQRT = 'What is sqrt(16)? Put the answer in \\boxed{}.';
const ADD = 'Add 2 and 3.';
const CODE = 'Print the sum of two integers.';
const CODE_GTS = JSON.stringify({ inputs: ['1 2\n'], outputs: ['3\n'] });

function line(step: number, input: string, output: string, gts: string, score: number, verdict: string, pred: string): string {
  return JSON.stringify({ input, output, gts, score, step, acc: score === 1, verdict, pred });
}

/** A step file as verl's _dump_generations writes it: all lines joined, one final newline, one write. */
function dumpStep(dir: string, step: number, lines: string[]): void {
  writeFileSync(path.join(dir, `${step}.jsonl`), lines.join('\n') + '\n');
}

function mathStep(step: number): string[] {
  // Two prompts, group size 2: sqrt has mixed rewards, add is solved by both.
  return [
    line(step, SQRT, 'so \\boxed{4}', '4', 1, 'correct', '4'),
    line(step, SQRT, 'so \\boxed{8}', '4', 0, 'wrong', '8'),
    line(step, ADD, '\\boxed{5}', '5', 1, 'correct', '5'),
    line(step, ADD, 'it is \\boxed{5}', '5', 1, 'correct', '5'),
  ];
}

function logMetrics(file: string, step: number, data: Record<string, number>): void {
  appendFileSync(file, JSON.stringify({ step, data }) + '\n');
}

describe('rlvr/watchVerlRun', () => {
  let root: string;
  let dataDir: string;
  let daemon: Daemon;
  let client: Client;
  before(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'rlvr-verl-watch-'));
    dataDir = tmpDataDir();
    daemon = await startDaemon(dataDir);
    client = await connect(daemon.port, daemon.token);
    await client.request(Methods.subscribe, {});
  });
  after(async () => {
    await client.close();
    await daemon.stop();
    rmSync(root, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  const metricsOf = (runId: string, step: number, pred: (m: StepMetrics) => boolean = () => true) =>
    client.waitFor(Notifications.stepMetrics, (m) => m.runId === runId && m.step === step && pred(m), 30_000);

  it('imports existing steps, then a step file appearing mid-run, its metrics line, and reports a malformed line with file and line', async () => {
    const rollouts = path.join(root, 'a', 'rollouts');
    const metrics = path.join(root, 'a', 'logs', 'exp.jsonl');
    mkdirSync(rollouts, { recursive: true });
    mkdirSync(path.dirname(metrics), { recursive: true });
    dumpStep(rollouts, 1, mathStep(1));
    logMetrics(metrics, 1, { 'critic/score/mean': 0.75, 'response_length/mean': 12.5, 'actor/entropy': 0.9 });

    const { runId } = await client.request(Methods.watchVerlRun, { rolloutDir: rollouts, metricsFile: metrics, name: 'verl-a' });
    const run = await client.request(Methods.getRun, { runId });
    assert.equal(run.name, 'verl-a');
    const one = (await client.request(Methods.metricSeries, { runId })).find((m) => m.step === 1);
    assert.ok(one, 'step 1 is imported before watchVerlRun answers');
    assert.equal(one.meanReward, 0.75); // critic/score/mean is the mean reward
    assert.equal(one.meanResponseLength, 12.5);
    assert.equal(one.entropy, 0.9);
    assert.equal(one.accuracy, 0.75);
    assert.equal(one.zeroVarianceShare, 0.5); // the add group is all 1s

    // Step 2 appears while the daemon watches: rollouts first, then its metrics line (verl's order).
    const seen2 = metricsOf(runId, 2);
    dumpStep(rollouts, 2, [...mathStep(2).slice(0, 2), '{"input": "broken', ...mathStep(2).slice(2)]);
    await seen2;
    const warn = await client.waitFor(Notifications.log, (l) => l.runId === runId && l.level === 'warn', 30_000);
    assert.match(warn.message, new RegExp(`^${path.join(rollouts, '2.jsonl').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: not valid JSON`));
    const logged2 = metricsOf(runId, 2, (m) => m.meanResponseLength === 30);
    logMetrics(metrics, 2, { 'critic/score/mean': 0.75, 'response_length/mean': 30 });
    await logged2;

    // A malformed metrics line is reported and skipped; the next line still lands.
    const warn2 = client.waitFor(Notifications.log, (l) => l.runId === runId && l.message.includes(`${metrics}:3:`), 30_000);
    appendFileSync(metrics, 'not json\n');
    assert.match((await warn2).message, /:3: not valid JSON.*line skipped/);

    const page = await client.request(Methods.queryRollouts, { runId, step: 2, limit: 100 });
    assert.equal(page.total, 4, 'the malformed line is skipped, the others imported');
    const sqrt = page.rollouts.filter((r) => r.prompt === SQRT);
    assert.deepEqual(sqrt.map((r) => r.sampleIndex).sort(), [0, 1]); // one group per identical input
    assert.equal(new Set(sqrt.map((r) => r.problemId)).size, 1);
    assert.deepEqual(sqrt.map((r) => [r.verdict, r.extractedAnswer, r.reward]).sort(), [['correct', '4', 1], ['wrong', '8', 0]]);
    assert.deepEqual(sqrt.map((r) => Math.round(r.advantage)).sort(), [-1, 1]); // GRPO's group-normalised advantage

    const cells = await client.request(Methods.passRates, { runId });
    assert.ok(cells.some((c) => c.step === 2 && c.passed === 1 && c.total === 2), JSON.stringify(cells));
  });

  it('watches two runs at once, and a restart resumes both without importing anything twice', async () => {
    const dirB = path.join(root, 'b');
    const dirC = path.join(root, 'c');
    const b = await client.request(Methods.watchVerlRun, { rolloutDir: dirB });
    const c = await client.request(Methods.watchVerlRun, { rolloutDir: dirC, name: 'code-run' });
    assert.notEqual(b.runId, c.runId);
    const seenB = metricsOf(b.runId, 1);
    const seenC = metricsOf(c.runId, 1);
    dumpStep(dirB, 1, mathStep(1));
    dumpStep(dirC, 1, [
      line(1, CODE, '```python\nprint(sum(map(int, input().split())))\n```', CODE_GTS, 1, 'passed', 'print(...)'),
      line(1, CODE, '```python\nprint(0)\n```', CODE_GTS, 0, 'wrong_answer', 'print(0)'),
    ]);
    await Promise.all([seenB, seenC]);
    const codeRows = await client.request(Methods.queryRollouts, { runId: c.runId });
    assert.deepEqual(codeRows.rollouts.map((r) => r.kind), ['code', 'code']);
    // "Verify problem" / the Test Explorer on a verl rollout: the tests come from its ground truth.
    const passing = codeRows.rollouts.find((r) => r.verdict === 'passed')!;
    const problem = await client.request(Methods.rolloutProblem, { id: passing.id });
    assert.deepEqual(problem.task, { kind: 'code', tests: [{ input: '1 2\n', output: '3\n' }] });
    const again = await client.request(Methods.verify, { task: problem.task, response: passing.response });
    assert.equal(again.verdict, 'passed');
    assert.equal((await client.request(Methods.queryRollouts, { runId: b.runId })).total, 4);

    // Restart: step 2 of B is written while the daemon is down.
    await client.close();
    await daemon.stop();
    dumpStep(dirB, 2, mathStep(2));
    daemon = await startDaemon(dataDir);
    client = await connect(daemon.port, daemon.token);
    await client.request(Methods.subscribe, {});
    // Resumed watches import what they find before the daemon answers; then they keep following.
    const afterRestart = await client.request(Methods.queryRollouts, { runId: b.runId, limit: 100 });
    assert.equal(afterRestart.total, 8, 'steps 1 and 2, each once');
    assert.deepEqual((await client.request(Methods.metricSeries, { runId: b.runId })).map((m) => m.step), [1, 2]);
    assert.equal((await client.request(Methods.queryRollouts, { runId: c.runId })).total, 2);

    const seen3 = metricsOf(c.runId, 2);
    dumpStep(dirC, 2, [line(2, CODE, '```python\nprint(3)\n```', CODE_GTS, 1, 'passed', 'print(3)')]);
    await seen3;
    assert.equal((await client.request(Methods.queryRollouts, { runId: c.runId })).total, 3);
    // Watching the same folder again is the same run, not a second import.
    assert.deepEqual(await client.request(Methods.watchVerlRun, { rolloutDir: dirB }), { runId: b.runId });
  });

  it('a FIFO as a step file and as the metrics file: reported by name, never read, and the daemon serves on', async () => {
    // Before the fix, reading either one blocked the daemon's event loop until a writer came.
    const rollouts = path.join(root, 'e', 'rollouts');
    const metrics = path.join(root, 'e', 'logs', 'exp.jsonl');
    mkdirSync(rollouts, { recursive: true });
    mkdirSync(path.dirname(metrics), { recursive: true });
    execFileSync('mkfifo', [path.join(rollouts, '1.jsonl')]);
    execFileSync('mkfifo', [metrics]);
    dumpStep(rollouts, 2, mathStep(2));
    const { runId } = await client.request(Methods.watchVerlRun, { rolloutDir: rollouts, metricsFile: metrics, name: 'verl-fifo' });
    const warnStep = await client.waitFor(Notifications.log, (l) => l.runId === runId && l.message.includes(path.join(rollouts, '1.jsonl')), 30_000);
    assert.match(warnStep.message, /not a regular file \(it is a named pipe \(FIFO\)\); step 1 not imported/);
    const warnMetrics = await client.waitFor(Notifications.log, (l) => l.runId === runId && l.message.includes(metrics), 30_000);
    assert.match(warnMetrics.message, /not a regular file; verl metrics not followed/);
    assert.deepEqual((await client.request(Methods.metricSeries, { runId })).map((m) => m.step), [2], 'the regular step file next to it is imported');
    const other = await connect(daemon.port, daemon.token);
    try {
      assert.equal((await other.request(Methods.status, {})).pid, daemon.pid);
    } finally {
      await other.close();
    }
  });

  it('a watch that cannot be resumed (its folder became a file) is reported, not fatal, and kept for the next start', async () => {
    const parent = path.join(root, 'd');
    const { runId } = await client.request(Methods.watchVerlRun, { rolloutDir: path.join(parent, 'rollouts') });
    await client.close();
    await daemon.stop();
    rmSync(parent, { recursive: true, force: true });
    writeFileSync(parent, 'not a folder');
    daemon = await startDaemon(dataDir);
    client = await connect(daemon.port, daemon.token);
    assert.match(daemon.stderr(), new RegExp(`verl watch ${runId} of .* not resumed`));
    const registry = JSON.parse(readFileSync(path.join(dataDir, 'verl-watches.json'), 'utf8')) as { runId: string }[];
    assert.ok(registry.some((w) => w.runId === runId), 'still in the registry');
    assert.equal((await client.request(Methods.getRun, { runId })).id, runId);
  });
});

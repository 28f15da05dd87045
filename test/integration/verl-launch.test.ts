// `rlvr train --engine verl` for real, except verl: verl cannot be installed here, so
// test/integration/verl/fake_verl_python stands in for `python3 -m verl...` (--python), writing
// verl's file formats with rewards from our real reward module. Checked: the stages' Parquet is
// written, a running daemon watches each stage live, the reward module reaches the daemon, and
// stage 2 starts from stage 1's merged checkpoint.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../daemon/data/fixtures.js';
import { Methods, Notifications } from '../../shared/protocol.js';
import { connect, runCli, startDaemon, tmpDataDir, type Client, type Daemon } from './daemon.js';

const FAKE_VERL_PYTHON = path.join(PROJECT_ROOT, 'test', 'integration', 'verl', 'fake_verl_python');

describe('rlvr train --engine verl with a fake verl', () => {
  let root: string;
  let dataDir: string;
  let daemon: Daemon;
  let client: Client;
  before(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'rlvr-verl-launch-'));
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

  it('runs math then code, chained through the merger, each stage watched live with our rewards', async () => {
    mkdirSync(path.join(root, 'model'));
    const stage = (name: string, kind: string) =>
      `  - { name: ${name}, kind: ${kind}, dataset: embedded:${kind}, max_response_length: 64, group_size: 2, prompts_per_step: 4, learning_rate: 1.0e-6, steps: 2 }`;
    const config = path.join(root, 'stages.yaml');
    writeFileSync(config, ['seed: 1', 'model: { hf: ./model }', 'eval: { problems: 5 }', 'stages:', stage('math', 'math'), stage('code', 'code'), ''].join('\n'));
    const runDir = path.join(root, 'run');
    const r = await runCli(['train', '--engine', 'verl', '--config', config, '--out', runDir, '--python', FAKE_VERL_PYTHON, '--data-dir', dataDir], 240_000);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { stages: { name: string; dir: string }[] };
    assert.deepEqual(summary.stages.map((s) => s.name), ['math', 'code']);
    for (const s of summary.stages) {
      assert.ok(existsSync(path.join(s.dir, 'train.parquet')));
      assert.ok(existsSync(path.join(s.dir, 'val.parquet')));
    }
    assert.ok(existsSync(path.join(summary.stages[0].dir, 'hf', 'config.json')), 'stage 1 merged for stage 2');

    const runs = (await client.request(Methods.listRuns, {})).filter((x) => x.name.endsWith('/math') || x.name.endsWith('/code'));
    assert.equal(runs.length, 2, JSON.stringify(runs));
    for (const run of runs) {
      const code = run.name.endsWith('/code');
      // The last step's metrics line lands after its rollouts: wait for it.
      await client.waitFor(Notifications.stepMetrics, (m) => m.runId === run.id && m.step === 2 && m.meanResponseLength === 12, 30_000);
      const series = await client.request(Methods.metricSeries, { runId: run.id });
      assert.deepEqual(series.map((m) => [m.step, m.meanReward]), [[1, 0.5], [2, 0.5]]);
      const rows = await client.request(Methods.queryRollouts, { runId: run.id, limit: 100 });
      assert.equal(rows.total, 4);
      assert.deepEqual([...new Set(rows.rollouts.map((x) => x.verdict))].sort(), code ? ['passed', 'wrong_answer'] : ['correct', 'wrong']);
      assert.ok(rows.rollouts.every((x) => x.kind === (code ? 'code' : 'math')));
    }
  });
});

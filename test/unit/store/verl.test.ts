import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openRunStore } from '../../../daemon/store/index.js';
import { ErrorCodes } from '../../../shared/protocol.js';
import { metrics, rollouts } from './helpers.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'rlvr-verl-'));

test('export writes one {step}.jsonl per global step in verl shape; import reads it back as a read-only run', async () => {
  const store = openRunStore(path.join(tmp(), 'runs.db'));
  const runId = store.createRun({ name: 'src', configPath: null, config: null, seed: 1 });
  for (let s = 1; s <= 2; s++) store.recordStep(metrics(runId, 0, s, s, 'math-8k'), rollouts(runId, 'math-8k', s, 2, 4, 'math'));
  store.recordStep(metrics(runId, 1, 1, 3, 'code-24k'), rollouts(runId, 'code-24k', 1, 2, 4, 'code'));

  const dir = tmp();
  assert.deepEqual(store.exportVerl(runId, dir), { files: 3 });
  assert.deepEqual(readdirSync(dir).sort(), ['1.jsonl', '2.jsonl', '3.jsonl']);
  const first = JSON.parse(readFileSync(path.join(dir, '3.jsonl'), 'utf8').split('\n')[0]);
  for (const k of ['input', 'output', 'gts', 'score', 'step']) assert.ok(k in first, `verl field ${k}`);
  assert.equal(first.step, 3);
  assert.equal(first.verdict, 'wrong_answer');

  const { runId: imported } = await store.importVerl(dir, 'copy');
  const run = store.getRun(imported);
  assert.equal(run.readOnly, true);
  assert.equal(run.status, 'imported');
  assert.deepEqual(run.stages.map((s) => [s.index, s.name, s.kind, s.stepsDone]), [[0, 'math-8k', 'math', 2], [1, 'code-24k', 'code', 1]]);
  const strip = (rs: { id: number; runId: string }[]) => rs.map(({ id: _i, runId: _r, ...rest }) => rest);
  assert.deepEqual(strip(store.queryRollouts({ runId: imported }).rollouts), strip(store.queryRollouts({ runId }).rollouts));
  assert.deepEqual(store.metricSeries(imported).map((m) => [m.stage, m.step, m.globalStep, m.accuracy]), [
    ['math-8k', 1, 1, 0.125],
    ['math-8k', 2, 2, 0.125],
    ['code-24k', 1, 3, 0.125],
  ]);
  assert.throws(
    () => store.recordStep(metrics(imported, 0, 9), []),
    (e: { code: number }) => e.code === ErrorCodes.ReadOnlyRun,
  );
});

test('a folder written by verl (five fields only) imports with groups and GRPO advantages rebuilt', async () => {
  const store = openRunStore(path.join(tmp(), 'runs.db'));
  const dir = tmp();
  const line = (input: string, score: number, step: number) => JSON.stringify({ input, output: `answer ${score}`, gts: '4', score, step, pred: '4' });
  writeFileSync(path.join(dir, '10.jsonl'), [line('q1', 1, 10), line('q1', 0, 10), line('q2', 0, 10), line('q2', 0, 10)].join('\n') + '\n');
  writeFileSync(path.join(dir, '20.jsonl'), [line('q1', 1, 20), line('q1', 1, 20)].join('\n') + '\n');
  writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
  const { runId } = await store.importVerl(dir);
  const rs = store.queryRollouts({ runId }).rollouts;
  assert.equal(rs.length, 6);
  assert.deepEqual(rs.slice(0, 4).map((r) => [r.sampleIndex, r.advantage]), [[0, 1], [1, -1], [0, 0], [1, 0]]);
  assert.equal(rs[0].problemId, rs[1].problemId);
  assert.notEqual(rs[0].problemId, rs[2].problemId);
  assert.equal(rs[0].verdict, 'correct');
  assert.equal(rs[0].extractedAnswer, '4');
  const series = store.metricSeries(runId);
  assert.deepEqual(series.map((m) => [m.globalStep, m.meanReward, m.zeroVarianceShare]), [[10, 0.25, 0.5], [20, 1, 1]]);
  assert.deepEqual(store.passRates(runId).map((c) => [c.step, c.passed, c.total]), [[10, 1, 2], [20, 2, 2], [10, 0, 2]]);
});

test('a bad line is refused naming file, line and field, and nothing is imported', async () => {
  const store = openRunStore(path.join(tmp(), 'runs.db'));
  const dir = tmp();
  writeFileSync(path.join(dir, '1.jsonl'), JSON.stringify({ input: 'q', output: 'a', gts: '1', score: 1, step: 1 }) + '\n');
  writeFileSync(path.join(dir, '2.jsonl'), '\n' + JSON.stringify({ input: 'q', output: 'a', gts: '1', score: 'high', step: 2 }) + '\n');
  await assert.rejects(
    () => store.importVerl(dir),
    (e: Error & { data?: { line?: number; field?: string } }) =>
      e.message.startsWith(path.join(dir, '2.jsonl') + ':2:') && e.data?.field === 'score' && e.data.line === 2,
  );
  writeFileSync(path.join(dir, '2.jsonl'), '{not json\n');
  await assert.rejects(() => store.importVerl(dir), (e: { code: number }) => e.code === ErrorCodes.ParseError);
  assert.equal(store.listRuns().length, 0);
  const empty = tmp();
  mkdirSync(path.join(empty, 'x'));
  await assert.rejects(() => store.importVerl(empty), /no \{step\}\.jsonl files/);
});

test('extras of the wrong type and a step "file" that is a directory are refused with file, line and field', async () => {
  const store = openRunStore(path.join(tmp(), 'runs.db'));
  const dir = tmp();
  const ok = { input: 'q', output: 'a', gts: '1', score: 1, step: 1 };
  for (const [field, value] of [['stage_index', 'x'], ['problem_id', { a: 1 }], ['truncated', 'yes'], ['response_tokens', -1], ['stage', 3]] as const) {
    writeFileSync(path.join(dir, '1.jsonl'), JSON.stringify(ok) + '\n' + JSON.stringify({ ...ok, [field]: value }) + '\n');
    await assert.rejects(
      () => store.importVerl(dir),
      (e: Error & { data?: { line?: number; field?: string; file?: string } }) =>
        e.data?.field === field && e.data.line === 2 && e.data.file === path.join(dir, '1.jsonl') && e.message.includes(`'${field}'`),
      field,
    );
  }
  const withDir = tmp();
  mkdirSync(path.join(withDir, '1.jsonl'));
  await assert.rejects(() => store.importVerl(withDir), (e: Error & { data?: { file?: string } }) => e.message.includes('not a regular file (it is a directory)') && e.data?.file === path.join(withDir, '1.jsonl'));
  await assert.rejects(() => store.importVerl('relative/dir'), /must be an absolute path/);
  assert.equal(store.listRuns().length, 0);
});

test('a 200,000-line step file, 30,000 lines of one problem: imported with one group per problem and the longest response', async () => {
  const store = openRunStore(path.join(tmp(), 'runs.db'));
  const dir = tmp();
  const lines: string[] = [];
  for (let i = 0; i < 200_000; i++) {
    lines.push(JSON.stringify({ input: i < 30_000 ? 'same' : `p${i % 1000}`, output: 'o', gts: '1', score: i < 30_000 || i % 3 === 0 ? 1 : 0, step: 1, response_tokens: i % 777 }));
  }
  writeFileSync(path.join(dir, '1.jsonl'), lines.join('\n') + '\n');
  const { runId } = await store.importVerl(dir);
  const [m] = store.metricSeries(runId);
  assert.equal(m.maxResponseLength, 776);
  // 'same' (all 1) is the one zero-variance group of 1001: each p<k> holds i = k (mod 1000),
  // which takes every value mod 3, so its scores differ.
  assert.equal(m.zeroVarianceShare, 1 / 1001);
});

test('export refuses relative paths, the root and an imported run\'s source folder, and replaces a planted link instead of writing through it', async () => {
  const store = openRunStore(path.join(tmp(), 'runs.db'));
  const runId = store.createRun({ name: 'src', configPath: null, config: null, seed: 1 });
  store.recordStep(metrics(runId, 0, 1, 1, 'math-8k'), rollouts(runId, 'math-8k', 1, 2, 2, 'math'));
  assert.throws(() => store.exportVerl(runId, 'relative/out'), /must be an absolute path/);
  assert.throws(() => store.exportVerl(runId, '/'), /filesystem root/);

  const source = tmp();
  store.exportVerl(runId, source);
  await store.importVerl(source, 'imported');
  assert.throws(() => store.exportVerl(runId, source), /is the source folder of imported run/);

  const out = tmp();
  const victim = path.join(tmp(), 'victim.txt');
  writeFileSync(victim, 'keep me');
  symlinkSync(victim, path.join(out, '1.jsonl'));
  store.exportVerl(runId, out);
  assert.equal(readFileSync(victim, 'utf8'), 'keep me');
  assert.equal(lstatSync(path.join(out, '1.jsonl')).isFile(), true);
  assert.deepEqual(readdirSync(out), ['1.jsonl'], 'no temp files left');
});

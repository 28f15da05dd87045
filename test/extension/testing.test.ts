// Extension-host tests of the Test Explorer: code rollouts of a real run (from the shipped warm
// start, so their programs ran) and code problems of an open dataset are test items with one
// child per case; running them goes through the daemon's sandbox and reports each case.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RolloutRecord, RunSummary } from '../../shared/protocol.js';
import type { CodeTestController, RunReport } from '../../extension/testing/controller.js';
import { api, EXTENSION_ID, waitFor } from './helpers.js';

const TERMINAL: ReadonlySet<RunSummary['status']> = new Set(['finished', 'failed', 'stopped']);
const token = () => new vscode.CancellationTokenSource().token;

suite('RLVR Test Explorer', function () {
  this.timeout(300_000);
  let testing: CodeTestController;
  let rollouts: RolloutRecord[];
  let dir: string;

  suiteSetup(async function () {
    const a = await api();
    await a.ensureDaemon();
    testing = a.ctx.testing;
    dir = mkdtempSync(path.join(tmpdir(), 'rlvr-testing-'));
    const root = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
    const runId = await vscode.commands.executeCommand<string>('rlvr.startStage', { configPath: path.join(root, 'test', 'e2e', 'configs', 'warm-code.yaml'), name: 'test-explorer' });
    const run = await waitFor('the warm-start code run to finish', async () => {
      const r = await a.request(a.methods.getRun, { runId });
      return TERMINAL.has(r.status) ? r : undefined;
    }, 280_000, 1000);
    assert.equal(run.status, 'finished', run.error);
    rollouts = (await a.request(a.methods.queryRollouts, { runId, limit: 200 })).rollouts;
  });
  suiteTeardown(() => rmSync(dir, { recursive: true, force: true }));

  /** Opens a rollout and waits for its test item. */
  async function rolloutItem(id: number): Promise<vscode.TestItem> {
    await vscode.commands.executeCommand('rlvr.openRollout', id);
    return waitFor(`the test item of rollout ${id}`, () => {
      const item = testing.controller.items.get(`rollout:${id}`);
      return item && item.children.size > 0 ? item : undefined;
    }, 30_000);
  }

  const children = (item: vscode.TestItem) => {
    const out: vscode.TestItem[] = [];
    item.children.forEach((c) => out.push(c));
    return out.sort((a, b) => (a.sortText ?? '').localeCompare(b.sortText ?? ''));
  };

  async function runWith(profile: vscode.TestRunProfile, include: vscode.TestItem[]): Promise<RunReport> {
    await profile.runHandler(new vscode.TestRunRequest(include, undefined, profile), token());
    assert.ok(testing.lastRun, 'the run reported');
    return testing.lastRun;
  }

  test('a failing code rollout: one child per case; Run reports the failing case with its expected and actual output', async () => {
    const a = await api();
    const ran = rollouts.filter((r) => r.kind === 'code' && ['wrong_answer', 'runtime_error'].includes(r.verdict));
    assert.ok(ran.length > 0, `a failing program that ran (verdicts: ${rollouts.map((r) => r.verdict).join(', ')})`);
    const target = ran.find((r) => r.verdict === 'wrong_answer') ?? ran[0];
    const item = await rolloutItem(target.id);
    const problem = await a.request(a.methods.rolloutProblem, { id: target.id });
    assert.ok(problem.task.kind === 'code' && Array.isArray(problem.task.tests));
    const cases = children(item);
    assert.equal(cases.length, problem.task.tests.length, 'one child per test case of the problem');
    assert.equal(cases[0].label, 'test 1');
    assert.equal(item.uri?.toString(), vscode.window.activeTextEditor?.document.uri.toString(), 'the item is the rollout document');

    const report = await runWith(testing.runProfile, [item]);
    assert.equal(report.mode, 'program');
    assert.deepEqual(report.cases.map((c) => c.id), cases.map((c) => c.id), 'every case reported, in order');
    // Training stops at the first failing test: the stored verdicts are a prefix of this run's.
    const stored = (await a.request(a.methods.getRollout, { id: target.id })).tests;
    stored.forEach((t, i) => assert.equal(report.cases[i].state, t.verdict === 'passed' ? 'passed' : 'failed', `case ${i + 1} (stored: ${t.verdict})`));
    const failed = report.cases.find((c) => c.state === 'failed');
    assert.ok(failed, 'a failed case');
    assert.match(failed.message!, new RegExp(`^${target.verdict}`), 'the message starts with the verdict');
    assert.match(failed.message!, /\ninput:[ \n]/);
    if (target.verdict === 'wrong_answer') {
      assert.equal(typeof failed.expected, 'string', 'expected output for the diff');
      assert.equal(typeof failed.actual, 'string', 'actual output for the diff');
      assert.notEqual(failed.expected, failed.actual);
    } else {
      assert.match(failed.message!, /\nstderr:\n/);
      assert.equal(failed.location?.uri.toString(), item.uri!.toString(), 'a crash is located in the rollout document');
    }
    // The diagnostics and the expected/actual diff editor are still there beside it.
    assert.ok(vscode.languages.getDiagnostics(item.uri!).some((d) => d.source === 'rlvr'));
  });

  test('a passing code rollout: every case passes; one case runs alone', async () => {
    const passing = rollouts.find((r) => r.kind === 'code' && r.reward === 1);
    assert.ok(passing, `a passing code rollout (verdicts: ${rollouts.map((r) => r.verdict).join(', ')})`);
    const item = await rolloutItem(passing.id);
    const report = await runWith(testing.runProfile, [item]);
    assert.ok(report.cases.length > 0);
    assert.deepEqual(report.cases.map((c) => c.state), report.cases.map(() => 'passed'));
    const second = children(item)[1];
    const one = await runWith(testing.runProfile, [second]);
    assert.deepEqual(one.cases.map((c) => [c.id, c.state]), [[second.id, 'passed']]);
  });

  test('"Run again with the latest checkpoint\'s sample" samples a new program from the run and runs every case', async () => {
    const code = rollouts.find((r) => r.kind === 'code')!;
    const item = await rolloutItem(code.id);
    const report = await vscode.commands.executeCommand<RunReport>('rlvr.runLatestSample', item);
    assert.equal(report.mode, 'sample');
    assert.deepEqual(report.cases.map((c) => c.id), children(item).map((c) => c.id));
    for (const c of report.cases) {
      assert.ok(['passed', 'failed', 'errored'].includes(c.state), `${c.id}: ${c.state}`);
      if (c.state !== 'passed') assert.ok(c.message && c.message.length > 0, `${c.id} says why`);
      // A line the sandbox named is shown in the sampled program, not the rollout's.
      if (c.location) assert.equal(c.location.uri.scheme, 'rlvr-program');
    }
    assert.equal(testing.sampleProfile.label, "Run again with the latest checkpoint's sample");
  });

  test('code problems of an open dataset: cases of each problem; the reference solution runs through the sandbox', async () => {
    const file = path.join(dir, 'problems.jsonl');
    const tests = [{ input: '1 2\n', output: '3\n' }, { input: '2 2\n', output: '4\n' }];
    const records = [
      { id: 'add-right', problem: 'Read a and b; print a+b.', tests, solutions: ['a, b = map(int, input().split())\nprint(a + b)'] },
      { id: 'add-wrong', problem: 'Read a and b; print their sum.', tests, solutions: ['a, b = map(int, input().split())\nprint(a * b)'] },
      { id: 'add-crash', problem: 'Read a and b; print the sum of a and b.', tests, solutions: ['a, b = map(int, input().split())\nprint(a // (b - b))'] },
      { problem: 'What is 2+2?', answer: '4' },
    ];
    writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc);
    const fileItem = await waitFor('the dataset\'s test item', () => {
      const f = testing.controller.items.get(`dataset:${doc.uri.toString()}`);
      return f && f.children.size === 3 ? f : undefined;
    }, 30_000);
    const problems = children(fileItem).sort((a, b) => a.label.localeCompare(b.label));
    assert.deepEqual(problems.map((p) => p.label), ['add-crash', 'add-right', 'add-wrong'], 'the math problem is no test item');
    assert.deepEqual(problems.map((p) => p.range?.start.line), [2, 0, 1], 'each on its record\'s line');
    assert.ok(problems.every((p) => p.children.size === 2));

    const report = await runWith(testing.runProfile, [fileItem]);
    const state = (id: string) => report.cases.filter((c) => c.id.includes(`/problem:${id}/`));
    assert.deepEqual(state('add-right').map((c) => c.state), ['passed', 'passed']);
    const wrong = state('add-wrong');
    assert.deepEqual(wrong.map((c) => c.state), ['failed', 'passed'], 'a*b: 1*2 is not 3, 2*2 is 4');
    assert.deepEqual([wrong[0].expected, wrong[0].actual], ['3\n', '2\n']);
    const crash = state('add-crash')[0];
    assert.equal(crash.state, 'failed');
    assert.match(crash.message!, /^runtime_error: ZeroDivisionError/);
    assert.equal(crash.location?.uri.scheme, 'rlvr-program', 'located in the reference program');
    assert.equal(crash.location?.range.start.line, 1, 'on the line that divides by zero');
    const program = await vscode.workspace.openTextDocument(crash.location!.uri);
    assert.equal(program.lineAt(1).text, 'print(a // (b - b))');
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === doc.uri.toString());
    await vscode.window.tabGroups.close(tabs);
  });
});

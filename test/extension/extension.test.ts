// Extension-host tests: the real extension, activated in a real VS Code (code-server here,
// desktop VS Code through .vscode-test.mjs), against a real daemon it starts itself.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RolloutRecord, RunSummary } from '../../shared/protocol.js';
import type { RunsNode } from '../../extension/views/runsTree.js';
import { api, EXTENSION_ID, waitFor, tinyConfig } from './helpers.js';

const TERMINAL: ReadonlySet<RunSummary['status']> = new Set(['finished', 'failed', 'stopped']);

suite('RLVR Studio extension', function () {
  this.timeout(300_000);
  let runId: string;

  test('activates and registers every command of its manifest', async () => {
    const a = await api();
    assert.ok(a.ctx, 'activate() returns the API');
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const manifest = JSON.parse(readFileSync(path.join(ext.extensionPath, 'package.json'), 'utf8')) as { contributes: { commands: { command: string; category: string }[] } };
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const c of manifest.contributes.commands) {
      assert.equal(c.category, 'RLVR');
      assert.ok(registered.has(c.command), `${c.command} is contributed but not registered`);
    }
  });

  test('connects to a real daemon over its WebSocket', async () => {
    const a = await api();
    await a.ensureDaemon();
    assert.equal(a.ctx.client.state, 'running');
    const status = await a.request(a.methods.status, {});
    assert.ok(status.pid > 0, 'status names the daemon pid');
    assert.match(status.node, /^v?\d+/);
  });

  test('"Start RL stage" trains the workspace config to the end, live in the status bar', async () => {
    const a = await api();
    const started = await vscode.commands.executeCommand<string>('rlvr.startStage', { configPath: tinyConfig() });
    assert.equal(typeof started, 'string', 'the command returns the new run id');
    runId = started;
    await waitFor('a step to show in the status bar', () => (/step \d+/.test(a.ctx.progress.text) ? true : undefined), 240_000);
    const run = await waitFor('the run to finish', async () => {
      const r = await a.request(a.methods.getRun, { runId });
      return TERMINAL.has(r.status) ? r : undefined;
    }, 280_000, 1000);
    assert.equal(run.status, 'finished', `run ended ${run.status}${run.error ? `: ${run.error}` : ''}`);
    assert.deepEqual(run.stages.map((s) => s.status), run.stages.map(() => 'done'));
  });

  test('the Runs tree shows runs -> stages -> steps -> problems -> rollouts, and filters', async () => {
    const a = await api();
    const tree = a.ctx.tree;
    tree.refresh();
    const runs = await tree.getChildren();
    const runNode = runs.find((n) => n.kind === 'run' && n.run.id === runId);
    assert.ok(runNode, `run ${runId} is in the tree`);
    const stages = await tree.getChildren(runNode);
    assert.deepEqual(stages.map((s) => (s.kind === 'stage' ? s.stage.name : s.kind)), ['math-short', 'code']);
    const steps = await tree.getChildren(stages[1]);
    assert.ok(steps.length >= 1 && steps.every((s) => s.kind === 'step'), 'the code stage lists its steps');
    const problems = await tree.getChildren(steps[0]);
    assert.ok(problems.length >= 1 && problems.every((p) => p.kind === 'problem'));
    const rollouts = await tree.getChildren(problems[0]);
    assert.ok(rollouts.length >= 1 && rollouts.every((r) => r.kind === 'rollout'));
    const item = tree.getTreeItem(rollouts[0]);
    assert.ok(item.iconPath instanceof vscode.ThemeIcon, 'each rollout has a verdict icon');
    assert.equal(item.command?.command, 'rlvr.openRollout');
    assert.match(String(item.description), /reward/);

    // "failed only": every rollout left has reward 0.
    await vscode.commands.executeCommand('rlvr.filterRollouts', { kind: 'failed' });
    const failedLeaves: RunsNode[] = [];
    for (const step of await tree.getChildren(stages[1])) {
      for (const p of await tree.getChildren(step)) if (p.kind === 'problem') failedLeaves.push(...(await tree.getChildren(p)));
    }
    assert.ok(failedLeaves.every((n) => n.kind === 'rollout' && n.rollout.reward === 0), 'failed only keeps reward-0 rollouts');
    await vscode.commands.executeCommand('rlvr.filterRollouts', { kind: 'all' });
  });

  test('a failing code rollout opens as read-only Python with its failures as diagnostics', async () => {
    const a = await api();
    const { rollouts } = await a.request(a.methods.queryRollouts, { runId, stage: 'code', reward: 0, limit: 200 });
    assert.ok(rollouts.length > 0, 'the tiny run has failing code rollouts');
    // Prefer one whose program ran (per-test verdicts); any failing code rollout has diagnostics.
    const ranTests = rollouts.filter((r: RolloutRecord) => !['no_code', 'sandbox_error', 'verifier_error', 'timeout'].includes(r.verdict));
    const target = ranTests[0] ?? rollouts[0];
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('rlvr.openRollout', target.id);
    const doc = editor.document;
    assert.equal(doc.uri.scheme, 'rlvr-rollout');
    assert.equal(doc.languageId, 'python');
    assert.match(doc.getText(), new RegExp(`verdict: ${target.verdict}`));
    const diags = await waitFor('diagnostics on the rollout', () => {
      const d = vscode.languages.getDiagnostics(doc.uri);
      return d.length ? d : undefined;
    });
    assert.ok(diags.every((d) => d.source === 'rlvr'));
    assert.ok(diags.some((d) => d.severity === vscode.DiagnosticSeverity.Error), 'a failing rollout has an error diagnostic');
    const detail = await a.request(a.methods.getRollout, { id: target.id });
    const failing = detail.tests.filter((t) => t.verdict !== 'passed');
    if (failing.length) {
      assert.equal(diags.filter((d) => /^test \d+: /.test(d.message)).length, failing.length, 'one diagnostic per failing test');
      assert.ok(diags.some((d) => d.message.includes(failing[0].verdict)));
    }
    // Read-only: an edit to a content-provider document cannot be saved back.
    assert.equal(doc.isUntitled, false);
  });

  test('"Compare expected/actual" opens a diff editor for a wrong answer', async () => {
    const a = await api();
    const { rollouts } = await a.request(a.methods.queryRollouts, { runId, verdict: 'wrong_answer', limit: 1 });
    if (!rollouts.length) {
      // An untrained tiny policy rarely writes a program that runs: check the command's guard instead.
      const first = (await a.request(a.methods.queryRollouts, { runId, stage: 'code', limit: 1 })).rollouts[0];
      await vscode.commands.executeCommand('rlvr.compareExpectedActual', first.id);
      return;
    }
    await vscode.commands.executeCommand('rlvr.compareExpectedActual', rollouts[0].id);
    const tab = await waitFor('a diff tab', () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputTextDiff ? input : undefined;
    });
    assert.match(tab.original.path, /expected/);
    assert.match(tab.modified.path, /actual/);
  });

  test('a math rollout shows the extracted answer, the gold answer and the reason', async () => {
    const a = await api();
    const { rollouts } = await a.request(a.methods.queryRollouts, { runId, stage: 'math-short', limit: 1 });
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('rlvr.openRollout', rollouts[0].id);
    const text = editor.document.getText();
    assert.equal(editor.document.languageId, 'markdown');
    assert.match(text, /- extracted answer: /);
    assert.match(text, new RegExp(`- gold answer: ${escape(rollouts[0].gold)}`));
    assert.match(text, /- verifier's reason: /);
  });

  test('"Show rollouts" lists the run\'s rollouts and opens the one picked', async () => {
    const shown = vscode.commands.executeCommand<number | undefined>('rlvr.showRollouts', runId);
    let picked: { id: number | undefined } | undefined;
    void shown.then((id) => (picked = { id }));
    // The quick pick waits for a user: accept its first row as one would, once it is open
    // (an accept before it opens does nothing, so it is repeated until the pick resolves).
    await waitFor('the rollout quick pick to take its first row', async () => {
      if (!picked) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      return picked;
    });
    const id = await shown;
    assert.equal(typeof id, 'number', 'a rollout was picked');
    const editor = await waitFor('the picked rollout in the editor', () => {
      const e = vscode.window.activeTextEditor;
      return e?.document.uri.scheme === 'rlvr-rollout' && e.document.uri.query === `id=${id}` ? e : undefined;
    });
    assert.match(editor.document.getText(), new RegExp(`rollout ${id}`, 'i'));
  });

  test('"Verify problem" checks a response through the daemon\'s verifier', async () => {
    const right = await vscode.commands.executeCommand<{ reward: number; verdict: string }>('rlvr.verifyProblem', {
      task: { kind: 'math', answer: '\\frac{3}{4}' },
      response: 'so the answer is \\boxed{0.75}',
    });
    assert.equal(right.reward, 1);
    const wrong = await vscode.commands.executeCommand<{ reward: number }>('rlvr.verifyProblem', {
      task: { kind: 'math', answer: '\\frac{3}{4}' },
      response: '\\boxed{4/3}',
    });
    assert.equal(wrong.reward, 0);
  });

  test('from the warm start, a program that ran shows one diagnostic per failing test', async function () {
    const a = await api();
    const root = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
    if (!existsSync(path.join(root, 'daemon', 'assets', 'warmstart', 'manifest.json'))) {
      // The untrained tiny policy writes no program; only the shipped warm start does.
      this.skip();
    }
    const warmRun = await vscode.commands.executeCommand<string>('rlvr.startStage', { configPath: path.join(root, 'test', 'e2e', 'configs', 'warm-code.yaml') });
    const run = await waitFor('the warm-start run to finish', async () => {
      const r = await a.request(a.methods.getRun, { runId: warmRun });
      return TERMINAL.has(r.status) ? r : undefined;
    }, 280_000, 1000);
    assert.equal(run.status, 'finished', run.error);
    const { rollouts } = await a.request(a.methods.queryRollouts, { runId: warmRun, reward: 0, limit: 200 });
    const ran = rollouts.filter((r) => ['wrong_answer', 'runtime_error', 'time_limit_exceeded', 'syntax_error'].includes(r.verdict));
    assert.ok(ran.length > 0, `some failing program ran (verdicts: ${rollouts.map((r) => r.verdict).join(', ')})`);
    const detail = await a.request(a.methods.getRollout, { id: ran[0].id });
    const failing = detail.tests.filter((t) => t.verdict !== 'passed');
    assert.ok(failing.length > 0, 'the daemon returns the per-test results');
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('rlvr.openRollout', ran[0].id);
    const diags = await waitFor('per-test diagnostics', () => {
      const d = vscode.languages.getDiagnostics(editor.document.uri).filter((x) => /^test \d+: /.test(x.message));
      return d.length ? d : undefined;
    });
    assert.equal(diags.length, failing.length, 'one diagnostic per failing test');
    assert.ok(diags[0].message.includes(failing[0].verdict));
    if (failing[0].verdict === 'wrong_answer') {
      assert.match(diags[0].message, /expected: [\s\S]*actual: /);
      await vscode.commands.executeCommand('rlvr.compareExpectedActual', ran[0].id);
      await waitFor('a diff tab', () => (vscode.window.tabGroups.activeTabGroup.activeTab?.input instanceof vscode.TabInputTextDiff ? true : undefined));
    }
  });

  test('stage-config errors show as diagnostics from the daemon\'s LSP, on the same connection', async () => {
    await api();
    const dir = mkdtempSync(path.join(tmpdir(), 'rlvr-lsp-'));
    try {
      const file = path.join(dir, 'broken.yaml');
      writeFileSync(file, 'stages:\n  - name: a\n    kind: math\n    dataset: embedded:math\n    group_size: eight\n');
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
      await vscode.window.showTextDocument(doc);
      const diags = await waitFor('LSP diagnostics on broken.yaml', () => {
        const d = vscode.languages.getDiagnostics(doc.uri).filter((x) => x.source === 'rlvr');
        return d.length ? d : undefined;
      }, 30_000);
      const groupSize = diags.find((d) => d.message.includes('group_size'));
      assert.ok(groupSize, `a diagnostic names group_size: ${diags.map((d) => d.message).join(' | ')}`);
      assert.equal(groupSize.range.start.line, 4, 'on the line of the bad field');
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('"Open dashboard" opens the webview panel for the run', async () => {
    const shown = await vscode.commands.executeCommand<string>('rlvr.openDashboard', runId);
    assert.equal(shown, runId);
    const tab = await waitFor('the dashboard tab', () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && /rlvr\.dashboard/.test((t.input as vscode.TabInputWebview).viewType)),
    );
    assert.ok(tab.label.startsWith('RLVR'));
  });

  test('"Open run" imports a verl rollout folder as a read-only run and shows it', async () => {
    const a = await api();
    const dir = mkdtempSync(path.join(tmpdir(), 'rlvr-verl-'));
    try {
      const { files } = await a.request(a.methods.exportVerlRun, { runId, dir });
      assert.ok(files > 0, 'the tiny run exports {step}.jsonl files');
      const imported = await vscode.commands.executeCommand<string>('rlvr.openRun', { importDir: dir });
      const run = await a.request(a.methods.getRun, { runId: imported });
      assert.equal(run.status, 'imported');
      assert.equal(run.readOnly, true);
      const { total } = await a.request(a.methods.queryRollouts, { runId: imported, limit: 1 });
      const original = await a.request(a.methods.queryRollouts, { runId, limit: 1 });
      assert.equal(total, original.total, 'every rollout came back');
      const series = await a.request(a.methods.metricSeries, { runId: imported });
      assert.ok(series.length > 0, 'the dashboard has curves to draw for it');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('"Stop stage" stops the training run after its current step', async () => {
    const a = await api();
    const id = await vscode.commands.executeCommand<string>('rlvr.startStage', { configPath: tinyConfig(), name: 'to-stop' });
    await waitFor('the run to be active', async () => ((await a.request(a.methods.status, {})).activeRun?.runId === id ? true : undefined), 60_000);
    const stopped = await vscode.commands.executeCommand<boolean>('rlvr.stopStage');
    assert.equal(stopped, true, 'with no argument it stops the active run');
    const run = await waitFor('the run to end', async () => {
      const r = await a.request(a.methods.getRun, { runId: id });
      return TERMINAL.has(r.status) ? r : undefined;
    }, 120_000, 500);
    assert.equal(run.status, 'stopped');
  });

  test('a daemon that cannot start is reported clearly, and the next try recovers', async () => {
    const a = await api();
    const cfg = vscode.workspace.getConfiguration('rlvr');
    const previous = cfg.inspect<string>('daemon.path')?.globalValue;
    await a.ctx.client.stop(); // stops the daemon this window started
    await cfg.update('daemon.path', '/nonexistent/rlvr.js', vscode.ConfigurationTarget.Global);
    try {
      await assert.rejects(a.ensureDaemon(), (err: Error) => {
        assert.match(err.message, /^The RLVR daemon is not running: `rlvr serve` exited with code 1 before it was ready/);
        assert.match(err.message, /nonexistent\/rlvr\.js/);
        return true;
      });
      assert.equal(a.ctx.client.state, 'stopped');
      assert.match(a.ctx.progress.text, /daemon not running/);
    } finally {
      await cfg.update('daemon.path', previous, vscode.ConfigurationTarget.Global);
    }
    await a.ensureDaemon();
    assert.equal(a.ctx.client.state, 'running');
  });

  // Last: it restarts the daemon under the other tests' feet.
  test('reconnects by itself when the daemon goes away', async () => {
    const a = await api();
    await a.ensureDaemon();
    const before = await a.request(a.methods.status, {});
    process.kill(before.pid, 'SIGTERM');
    const after = await waitFor('a new daemon, connected', async () => {
      if (a.ctx.client.state !== 'running') return undefined;
      const s = await a.request(a.methods.status, {});
      return s.pid !== before.pid ? s : undefined;
    }, 90_000, 500);
    assert.notEqual(after.pid, before.pid);
    const runs = await a.request(a.methods.listRuns, {});
    assert.ok(runs.some((r) => r.id === runId), 'the new daemon serves the same store');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

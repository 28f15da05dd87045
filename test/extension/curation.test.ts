// Extension-host tests of the curation UI: the report webview on a real report from
// `rlvr curate`, and a dataset's "Sample k rollouts" lens run as the editor runs it.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import { reportChartData } from '../../shared/curate-view.js';
import type { ProblemPassRate } from '../../shared/protocol.js';
import { api, EXTENSION_ID, waitFor } from './helpers.js';

/** What the command returns: the panel (extension/curation/reportPanel.ts). */
interface ReportPanel {
  rendered: Promise<{ filterBars: number; histogramBars: number; reasonRows: number }>;
  dispose(): void;
}

const TINY_INPUT = [
  { problem: '7-2=?', answer: '5' },
  { problem: '3+4=?', answer: '7' },
  { problem: '3+4*5=?', answer: '23' },
  { problem: 'Which is larger? (A) 2 (B) 3', answer: 'B' },
  '{"problem": oops}',
  { problem: '7-2=?', answer: '5' },
].map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

const webviewTabs = (viewType: RegExp) =>
  vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && viewType.test((t.input as vscode.TabInputWebview).viewType));

suite('RLVR curation', function () {
  this.timeout(120_000);
  let dir: string;
  const root = () => vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;

  suiteSetup(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rlvr-curation-ui-'));
  });
  suiteTeardown(() => rmSync(dir, { recursive: true, force: true }));

  test('"Open curation report" draws a report.json written by rlvr curate in a webview panel', async () => {
    await api();
    const input = path.join(dir, 'in.jsonl');
    writeFileSync(input, TINY_INPUT);
    const out = path.join(dir, 'out');
    // The CLI the way a user runs it, with the node the extension starts the daemon with.
    // Not spawnSync: the extension host must stay responsive meanwhile.
    await promisify(execFile)(
      'node',
      [path.join(root(), 'bin', 'rlvr.js'), 'curate', '--input', input, '--out', out, '--skip', 'too-short', '--no-default-eval',
        '--checkpoint', path.join(root(), 'daemon', 'assets', 'warmstart'), '--k', '4'],
      { encoding: 'utf8', timeout: 90_000 },
    );
    const report = vscode.Uri.file(path.join(out, 'report.json'));

    const panel = await vscode.commands.executeCommand<ReportPanel>('rlvr.openCurationReport', report);
    const tab = await waitFor('the curation report tab', () => webviewTabs(/rlvr\.curationReport/)[0], 30_000);
    assert.equal(tab.label, 'Curation: out');
    // The webview says how many bars uPlot drew: kept and dropped per filter, one per pass count (k = 4).
    const drawn = await Promise.race([panel.rendered, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the webview never reported drawing the report')), 30_000))]);
    const chart = reportChartData(JSON.parse(readFileSync(report.fsPath, 'utf8')));
    assert.ok(chart.filters.length > 5);
    assert.equal(drawn.filterBars, 2 * chart.filters.length, 'a kept and a dropped bar per filter');
    assert.equal(drawn.histogramBars, 5, 'one bar per pass count 0/4 .. 4/4');
    assert.equal(drawn.reasonRows, chart.filters.filter((f) => f.dropped > 0).length, 'the reasons (dropped.jsonl) of every filter that dropped something');
    panel.dispose();
    await waitFor('the panel to close', () => (webviewTabs(/rlvr\.curationReport/).length === 0 ? true : undefined), 10_000);

    // Any other JSON is refused by name, and no panel opens for it.
    const notReport = path.join(dir, 'package.json');
    writeFileSync(notReport, '{"name": "x"}');
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('rlvr.openCurationReport', vscode.Uri.file(notReport))), /not a report\.json from `rlvr curate --out DIR`: rows: expected a number/);
    assert.equal(webviewTabs(/rlvr\.curationReport/).length, 0);
  });

  test('a dataset problem\'s "Sample 8 rollouts" lens runs, and its lens then shows the measured pass rate', async () => {
    const a = await api();
    await a.ensureDaemon();
    const file = path.join(dir, 'train.jsonl');
    writeFileSync(file, [JSON.stringify({ problem: '8-5=?', answer: '3' }), JSON.stringify({ problem: '2+3=?', answer: '5' })].join('\n') + '\n');
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc);
    const lensesOnLine = async (line: number) =>
      ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri)) ?? []).filter((l) => l.range.start.line === line);
    const sample = await waitFor('the "Sample 8 rollouts" lens', async () => (await lensesOnLine(0)).find((l) => l.command?.title === 'Sample 8 rollouts'), 30_000);
    assert.ok(!(await lensesOnLine(0)).some((l) => /^Pass rate/.test(l.command?.title ?? '')), 'no pass rate before sampling');
    assert.equal(sample.command!.command, 'rlvr.sampleProblem');

    const measured = await vscode.commands.executeCommand<ProblemPassRate>(sample.command!.command, ...(sample.command!.arguments ?? []));
    assert.equal(measured.k, 8);
    assert.equal(measured.passed, measured.samples.filter((s) => s.reward === 1).length);
    const label = `Pass rate: ${measured.passed}/8`;
    await waitFor(`the "${label}" lens`, async () => ((await lensesOnLine(0)).some((l) => l.command?.title === label) ? true : undefined), 30_000);
    assert.ok(!(await lensesOnLine(1)).some((l) => /^Pass rate/.test(l.command?.title ?? '')), 'the other problem stays unmeasured');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});

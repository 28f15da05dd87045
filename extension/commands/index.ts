// Every command's handler, from one table keyed by the ids of table.ts. A command that
// needs the daemon connects first (starting it if needed) and, when that fails, shows the
// one standard "not running" message; any other failure is shown, never swallowed.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parse as parseYaml } from 'yaml';
import { Methods, type RolloutRecord, type RunSummary, type SampleProblemParams, type StartRunParams } from '../../shared/protocol.js';
import type { VerifyTask } from '../../shared/verify.js';
import { ALL_VERDICTS } from '../../shared/webview-messages.js';
import { DaemonNotInstalledError, type Ctx } from '../ctx.js';
import { CurationReportPanel } from '../curation/reportPanel.js';
import { DashboardPanel } from '../dashboard/panel.js';
import { DaemonNotRunningError, describeRequestError } from '../daemon/client.js';
import { offerDaemonInstall } from '../daemon/offer.js';
import { tests } from '../rollouts/render.js';
import type { RolloutFilterMode } from '../views/runsTree.js';
import { COMMANDS, type CommandId } from './table.js';

interface CommandImpl {
  needsDaemon: boolean;
  run(ctx: Ctx, ...args: any[]): Promise<unknown>;
}

/** Arguments of `rlvr.startStage` when called programmatically (tests, keybindings). */
export type StartStageArgs = Pick<StartRunParams, 'configPath' | 'stages' | 'maxStepsPerStage' | 'name' | 'seed'>;


async function activeRun(ctx: Ctx): Promise<string | undefined> {
  const status = await ctx.client.request(Methods.status, {});
  return status.activeRun?.runId;
}

async function pickRun(ctx: Ctx, placeHolder: string): Promise<RunSummary | undefined> {
  const runs = await ctx.client.request(Methods.listRuns, {});
  if (!runs.length) {
    void vscode.window.showInformationMessage('RLVR: no runs yet. Run "RLVR: Start RL stage" first.');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    runs.map((run) => ({ label: run.name, description: `${run.status} · ${run.createdAt}`, detail: run.stages.map((s) => `${s.name} ${s.stepsDone}/${s.stepsPlanned}`).join(' → '), run })),
    { placeHolder },
  );
  return pick?.run;
}

async function pickConfig(): Promise<{ configPath?: string } | undefined> {
  const files = await vscode.workspace.findFiles('**/*.{yaml,yml}', '**/node_modules/**', 200);
  const configs: vscode.Uri[] = [];
  for (const uri of files) {
    const text = Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8');
    if (/^stages\s*:/m.test(text)) configs.push(uri);
  }
  configs.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
  const items = [
    ...configs.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), description: 'stage config', configPath: uri.fsPath as string | undefined })),
    { label: 'Embedded default curriculum', description: 'warm start, math RL, then code RL at toy scale', configPath: undefined },
  ];
  const pick = await vscode.window.showQuickPick(items, { placeHolder: 'Stage config to train' });
  return pick ? { configPath: pick.configPath } : undefined;
}

async function pickStages(configPath: string): Promise<string[] | undefined | null> {
  let names: string[] = [];
  try {
    const doc = parseYaml(Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.file(configPath))).toString('utf8')) as { stages?: { name?: unknown }[] };
    names = (doc?.stages ?? []).map((s) => String(s?.name ?? '')).filter(Boolean);
  } catch {
    return undefined; // the daemon reports the config's errors with file and line
  }
  if (names.length <= 1) return undefined;
  const picks = await vscode.window.showQuickPick(
    names.map((label) => ({ label, picked: true })),
    { canPickMany: true, placeHolder: `Stages of ${path.basename(configPath)} to run, in config order` },
  );
  if (!picks) return null;
  return picks.length === names.length ? undefined : picks.map((p) => p.label);
}

const IMPLS: Record<CommandId, CommandImpl> = {
  'rlvr.startStage': {
    needsDaemon: true,
    async run(ctx, args?: StartStageArgs) {
      let params: StartRunParams;
      if (args && typeof args === 'object') {
        params = { ...args };
      } else {
        const config = await pickConfig();
        if (!config) return undefined;
        params = { configPath: config.configPath };
        if (config.configPath) {
          const stages = await pickStages(config.configPath);
          if (stages === null) return undefined;
          if (stages) params.stages = stages;
        }
      }
      params.maxStepsPerStage ??= ctx.config.maxStepsPerStage;
      const { runId } = await ctx.client.request(Methods.startRun, params);
      ctx.output.appendLine(`started run ${runId} (${params.configPath ?? 'embedded default'})`);
      ctx.progress.track(runId);
      ctx.tree.refresh();
      if (ctx.config.openDashboardOnStart) DashboardPanel.show(ctx.extension.extensionUri, ctx.client, runId);
      return runId;
    },
  },
  'rlvr.installDaemon': {
    needsDaemon: false,
    async run(ctx) {
      const installed = await offerDaemonInstall(ctx);
      // A running daemon keeps running; a checkout or rlvr.daemon.path still comes first.
      if (installed && ctx.client.state === 'stopped') await ctx.ensureDaemon().catch((err) => ctx.output.appendLine(`daemon: ${(err as Error).message}`));
      return installed;
    },
  },
  'rlvr.stopStage': {
    needsDaemon: true,
    async run(ctx, runId?: string) {
      const id = typeof runId === 'string' ? runId : await activeRun(ctx);
      if (!id) {
        void vscode.window.showInformationMessage('RLVR: no run is training.');
        return false;
      }
      const { stopped } = await ctx.client.request(Methods.stopRun, { runId: id });
      void vscode.window.showInformationMessage(stopped ? `RLVR: run ${id} stops after its current step.` : `RLVR: run ${id} was not running.`);
      return stopped;
    },
  },
  'rlvr.openDashboard': {
    needsDaemon: true,
    async run(ctx, arg?: string | { run?: RunSummary }) {
      let runId = typeof arg === 'string' ? arg : arg?.run?.id;
      runId ??= (await activeRun(ctx)) ?? DashboardPanel.open?.currentRunId ?? (await pickRun(ctx, 'Run to show in the dashboard'))?.id;
      if (!runId) return undefined;
      DashboardPanel.show(ctx.extension.extensionUri, ctx.client, runId);
      return runId;
    },
  },
  'rlvr.showRollouts': {
    needsDaemon: true,
    async run(ctx, runId?: string) {
      await vscode.commands.executeCommand('rlvr.runs.focus');
      const id = typeof runId === 'string' ? runId : (await pickRun(ctx, 'Run whose rollouts to show'))?.id;
      if (!id) return undefined;
      const { total, rollouts } = await ctx.client.request(Methods.queryRollouts, { runId: id, limit: 500, ...ctx.tree.queryFilter() });
      const pick = await vscode.window.showQuickPick(
        rollouts.map((r: RolloutRecord) => ({
          label: `${r.verdict === 'correct' || r.verdict === 'passed' ? '$(pass)' : '$(error)'} ${r.problemId} #${r.sampleIndex}`,
          description: `${r.stage} · step ${r.step} · reward ${r.reward} · ${r.verdict}${r.truncated ? ' · truncated' : ''}`,
          id: r.id,
        })),
        { placeHolder: `${total} rollouts${total > rollouts.length ? ` (first ${rollouts.length})` : ''}` },
      );
      if (pick) await ctx.docs.open(pick.id);
      return pick?.id;
    },
  },
  'rlvr.compareExpectedActual': {
    needsDaemon: true,
    async run(ctx, arg?: number | { rollout?: RolloutRecord }, testIndex?: number) {
      const id = typeof arg === 'number' ? arg : arg?.rollout?.id ?? ctx.docs.activeRolloutId();
      if (id === undefined) {
        void vscode.window.showInformationMessage('RLVR: open a code rollout first (Runs view or "RLVR: Show rollouts").');
        return undefined;
      }
      await ctx.docs.compare(id, testIndex);
      return id;
    },
  },
  'rlvr.verifyProblem': {
    needsDaemon: true,
    async run(ctx, arg?: { task: VerifyTask; response: string }) {
      let task: VerifyTask | undefined;
      let response: string | undefined;
      if (arg && typeof arg === 'object' && 'task' in arg) {
        ({ task, response } = arg);
      } else {
        const id = ctx.docs.activeRolloutId();
        if (id !== undefined) {
          // Re-check the open rollout's response against its reference.
          const d = await ctx.docs.detail(id);
          response = d.response;
          const ts = tests(d);
          if (d.kind !== 'code') task = { kind: 'math', answer: d.gold };
          else if (ts.length && ts.every((t) => t.input !== undefined && t.expected !== undefined)) {
            task = { kind: 'code', tests: ts.map((t) => ({ input: t.input!, output: t.expected! })) };
          } else if (!ts.length && (task = await ctx.client.request(Methods.rolloutProblem, { id }).then((p) => p.task, () => undefined))) {
            // A verl run's rollout: the daemon rebuilds the tests from its ground truth.
          } else {
            void vscode.window.showWarningMessage(`RLVR: rollout ${id} does not carry its tests' inputs; cannot re-verify it.`);
            return undefined;
          }
        } else {
          const editor = vscode.window.activeTextEditor;
          if (!editor) {
            void vscode.window.showInformationMessage('RLVR: select a response in an editor (or open a rollout) to verify it.');
            return undefined;
          }
          response = editor.document.getText(editor.selection.isEmpty ? undefined : editor.selection);
          const answer = await vscode.window.showInputBox({ prompt: 'Reference (gold) answer for this math response', placeHolder: '\\frac{3}{4}' });
          if (answer === undefined) return undefined;
          task = { kind: 'math', answer };
        }
      }
      const result = await ctx.client.request(Methods.verify, { task: task!, response: response! });
      const reason = result.details.kind === 'math' ? `${result.details.rule}${result.details.message ? `: ${result.details.message}` : ''} (extracted ${result.details.extracted ?? 'nothing'})` : `${result.details.tests.filter((t) => t.verdict === 'passed').length}/${result.details.tests.length} tests passed`;
      const show = result.reward ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
      void show(`RLVR verify: ${result.verdict}, reward ${result.reward} — ${reason}`);
      return result;
    },
  },
  'rlvr.openRun': {
    needsDaemon: true,
    async run(ctx, arg?: string | { importDir: string }) {
      let id = typeof arg === 'string' ? arg : undefined;
      if (arg && typeof arg === 'object' && typeof arg.importDir === 'string') {
        id = (await ctx.client.request(Methods.importVerlRun, { dir: arg.importDir })).runId;
        ctx.tree.refresh();
      }
      if (!id) {
        const choice = await vscode.window.showQuickPick(
          [
            { label: '$(history) A run in the store', key: 'store' },
            { label: '$(folder) Import a verl rollout folder ({step}.jsonl)', key: 'verl' },
          ],
          { placeHolder: 'Open which run?' },
        );
        if (!choice) return undefined;
        if (choice.key === 'verl') {
          const dir = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Import rollouts' });
          if (!dir?.[0]) return undefined;
          id = (await ctx.client.request(Methods.importVerlRun, { dir: dir[0].fsPath })).runId;
          ctx.tree.refresh();
        } else {
          id = (await pickRun(ctx, 'Run to open'))?.id;
        }
      }
      if (!id) return undefined;
      DashboardPanel.show(ctx.extension.extensionUri, ctx.client, id);
      return id;
    },
  },
  'rlvr.watchVerlRun': {
    needsDaemon: true,
    async run(ctx, arg?: { rolloutDir: string; metricsFile?: string; name?: string }) {
      let params = arg && typeof arg.rolloutDir === 'string' ? arg : undefined;
      if (!params) {
        const dir = await vscode.window.showOpenDialog({
          canSelectFolders: true,
          canSelectFiles: false,
          openLabel: 'Watch this rollout folder',
          title: "verl's trainer.rollout_data_dir (it may not exist yet: pick its parent and type the name)",
        });
        if (!dir?.[0]) return undefined;
        const metrics = await vscode.window.showOpenDialog({
          canSelectFolders: false,
          canSelectFiles: true,
          filters: { 'verl file logger': ['jsonl'] },
          openLabel: 'Follow these metrics',
          title: "verl's file logger (trainer.logger=[console,file]); Cancel to follow rollouts only",
        });
        params = { rolloutDir: dir[0].fsPath, ...(metrics?.[0] ? { metricsFile: metrics[0].fsPath } : {}) };
      }
      const { runId } = await ctx.client.request(Methods.watchVerlRun, params);
      ctx.tree.refresh();
      DashboardPanel.show(ctx.extension.extensionUri, ctx.client, runId);
      return runId;
    },
  },
  'rlvr.filterRollouts': {
    needsDaemon: false,
    async run(ctx, filter?: RolloutFilterMode) {
      let f = filter;
      if (!f) {
        const pick = await vscode.window.showQuickPick(
          [
            { label: 'All rollouts', f: { kind: 'all' } as RolloutFilterMode },
            { label: 'Failed only (reward 0)', f: { kind: 'failed' } as RolloutFilterMode },
            { label: 'Truncated only', f: { kind: 'truncated' } as RolloutFilterMode },
            ...ALL_VERDICTS.map((verdict) => ({ label: `Verdict: ${verdict}`, f: { kind: 'verdict', verdict } as RolloutFilterMode })),
          ],
          { placeHolder: 'Show which rollouts in the Runs view?' },
        );
        f = pick?.f;
      }
      if (!f) return undefined;
      ctx.tree.setFilter(f);
      ctx.updateFilterMessage();
      return f;
    },
  },
  'rlvr.refreshRuns': {
    needsDaemon: true,
    async run(ctx) {
      ctx.tree.refresh();
    },
  },
  'rlvr.openRollout': {
    needsDaemon: true,
    async run(ctx, id: number) {
      if (typeof id !== 'number') throw new Error('rlvr.openRollout needs a rollout id');
      return ctx.docs.open(id);
    },
  },
  'rlvr.sampleProblem': {
    needsDaemon: true,
    async run(ctx, arg?: SampleProblemParams) {
      const params = arg && typeof arg === 'object' && 'record' in arg ? arg : problemAtCursor();
      if (!params) return undefined;
      const k = params.k ?? ctx.config.sampleRollouts;
      const where = `${path.basename(params.file)}:${params.line}`;
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `RLVR: sampling ${k} rollouts for ${where}` },
        () => ctx.client.request(Methods.sampleProblem, { ...params, k }),
      );
      ctx.output.appendLine(`${where}: pass rate ${result.passed}/${result.k} from ${result.checkpointLabel} (${result.checkpoint})`);
      result.samples.forEach((s, i) => ctx.output.appendLine(`  #${i} ${s.verdict} reward ${s.reward}: ${JSON.stringify(s.response.slice(0, 200))}`));
      void vscode.window.showInformationMessage(`RLVR: pass rate ${result.passed}/${result.k} on ${where} (${result.checkpointLabel}).`, 'Show samples').then((choice) => {
        if (choice) ctx.output.show(true);
      });
      return result;
    },
  },
  'rlvr.runLatestSample': {
    needsDaemon: true,
    async run(ctx, item?: vscode.TestItem) {
      if (!item || typeof item !== 'object' || typeof item.id !== 'string') {
        void vscode.window.showInformationMessage('RLVR: use this on a rollout or dataset problem in the Test Explorer.');
        return undefined;
      }
      const { testing } = ctx;
      const request = new vscode.TestRunRequest([item], undefined, testing.sampleProfile);
      return testing.run(request, 'sample', new vscode.CancellationTokenSource().token);
    },
  },
  'rlvr.openCurationReport': {
    needsDaemon: false,
    async run(ctx, arg?: vscode.Uri | string) {
      const file = arg instanceof vscode.Uri ? arg : typeof arg === 'string' ? vscode.Uri.file(arg) : await pickCurationReport();
      if (!file) return undefined;
      return CurationReportPanel.show(ctx.extension.extensionUri, file);
    },
  },
};

/** The dataset problem on the cursor's line of a .jsonl editor (the palette form of "Sample k rollouts"). */
function problemAtCursor(): SampleProblemParams | undefined {
  const editor = vscode.window.activeTextEditor;
  const doc = editor?.document;
  let record: unknown;
  try {
    record = doc && doc.uri.scheme === 'file' ? JSON.parse(doc.lineAt(editor.selection.active.line).text) : undefined;
  } catch {
    record = undefined;
  }
  if (!doc || !record || typeof record !== 'object' || Array.isArray(record)) {
    void vscode.window.showInformationMessage('RLVR: put the cursor on a problem\'s line of a .jsonl dataset (or use the "Sample k rollouts" code lens above it).');
    return undefined;
  }
  return { file: doc.uri.fsPath, line: editor!.selection.active.line + 1, record: record as Record<string, unknown> };
}

/** A report.json of the workspace (written by `rlvr curate --out DIR`), else one picked from disk. */
async function pickCurationReport(): Promise<vscode.Uri | undefined> {
  const found = (await vscode.workspace.findFiles('**/report.json', '**/node_modules/**', 200)).sort((a, b) => a.fsPath.localeCompare(b.fsPath));
  if (found.length === 1) return found[0];
  if (found.length > 1) {
    const pick = await vscode.window.showQuickPick(
      found.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
      { placeHolder: 'Curation report to open (report.json written by rlvr curate --out DIR)' },
    );
    return pick?.uri;
  }
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Curation report': ['json'] }, openLabel: 'Open report' });
  return picked?.[0];
}

export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  return (Object.keys(COMMANDS) as CommandId[]).map((id) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      const impl = IMPLS[id];
      if (impl.needsDaemon) {
        try {
          await ctx.ensureDaemon(true);
        } catch (err) {
          // Declined, or its failure already shown with what to do: nothing more to say.
          if (err instanceof DaemonNotInstalledError) return undefined;
          // Not awaited: the message waits for a click that may never come.
          void ctx.showNotRunning(err);
          return undefined;
        }
      }
      try {
        return await impl.run(ctx, ...args);
      } catch (err) {
        if (err instanceof DaemonNotRunningError) {
          void ctx.showNotRunning(err);
          return undefined;
        }
        const message = describeRequestError(err);
        ctx.output.appendLine(`${id} failed: ${err instanceof Error ? (err.stack ?? err.message) : message}`);
        void vscode.window.showErrorMessage(`RLVR: ${COMMANDS[id].title} failed: ${message}`);
        throw err;
      }
    }),
  );
}

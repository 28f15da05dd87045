// The Runs view: runs -> stages -> steps -> problems -> rollouts, with verdict icons and
// rewards, and one filter (failed only, truncated only, or one verdict) over the rollouts.
import * as vscode from 'vscode';
import { Methods, type RolloutQuery, type RolloutRecord, type RunSummary, type StageSummary, type StepMetrics } from '../../shared/protocol.js';
import type { Verdict } from '../../shared/verify.js';
import type { DaemonClient } from '../daemon/client.js';

export type RolloutFilterMode = { kind: 'all' } | { kind: 'failed' } | { kind: 'truncated' } | { kind: 'verdict'; verdict: Verdict };

export type RunsNode =
  | { kind: 'run'; run: RunSummary }
  | { kind: 'stage'; run: RunSummary; stage: StageSummary }
  | { kind: 'step'; runId: string; stage: string; step: number; metrics?: StepMetrics }
  | { kind: 'problem'; runId: string; stage: string; step: number; problemId: string; rollouts: RolloutRecord[] }
  | { kind: 'rollout'; rollout: RolloutRecord }
  | { kind: 'message'; text: string };

const PASSED: ReadonlySet<Verdict> = new Set(['correct', 'passed']);

export function verdictIcon(verdict: Verdict): vscode.ThemeIcon {
  if (PASSED.has(verdict)) return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
  switch (verdict) {
    case 'wrong':
    case 'wrong_answer':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    case 'time_limit_exceeded':
    case 'memory_limit_exceeded':
      return new vscode.ThemeIcon('watch', new vscode.ThemeColor('testing.iconFailed'));
    case 'runtime_error':
    case 'syntax_error':
      return new vscode.ThemeIcon('bug', new vscode.ThemeColor('testing.iconFailed'));
    case 'no_answer':
    case 'no_code':
      return new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('testing.iconFailed'));
    default: // the verifier could not judge: not the model's fault
      return new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  }
}

function runIcon(status: RunSummary['status']): vscode.ThemeIcon {
  const icons: Record<RunSummary['status'], string> = {
    running: 'sync~spin',
    paused: 'debug-pause',
    finished: 'check',
    failed: 'error',
    stopped: 'debug-stop',
    imported: 'cloud-download',
  };
  return new vscode.ThemeIcon(icons[status]);
}

export function filterLabel(f: RolloutFilterMode): string {
  switch (f.kind) {
    case 'all':
      return 'all rollouts';
    case 'failed':
      return 'failed only';
    case 'truncated':
      return 'truncated only';
    case 'verdict':
      return `verdict ${f.verdict}`;
  }
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  static readonly viewId = 'rlvr.runs';
  private readonly changed = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private filter: RolloutFilterMode = { kind: 'all' };
  private readonly metrics = new Map<string, StepMetrics[]>();
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(private readonly client: DaemonClient) {}

  get currentFilter(): RolloutFilterMode {
    return this.filter;
  }

  setFilter(filter: RolloutFilterMode): void {
    this.filter = filter;
    this.refresh();
  }

  refresh(): void {
    this.metrics.clear();
    this.changed.fire(undefined);
  }

  /** Coalesces the burst of notifications a training step sends into one redraw. */
  refreshSoon(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.refresh();
    }, 500);
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'message':
        return new vscode.TreeItem(node.text);
      case 'run': {
        const item = new vscode.TreeItem(node.run.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `run:${node.run.id}`;
        item.description = `${node.run.status} · ${node.run.createdAt.replace('T', ' ').slice(0, 16)}`;
        item.tooltip = `${node.run.id}\n${node.run.configPath ?? 'embedded default'}${node.run.error ? `\n${node.run.error}` : ''}`;
        item.iconPath = runIcon(node.run.status);
        item.contextValue = 'rlvrRun';
        return item;
      }
      case 'stage': {
        const s = node.stage;
        const item = new vscode.TreeItem(s.name, s.stepsDone ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = `stage:${node.run.id}:${s.index}`;
        item.description = `${s.kind} · ${s.status} · ${s.stepsDone}/${s.stepsPlanned} steps`;
        item.iconPath = new vscode.ThemeIcon(s.kind === 'code' ? 'code' : s.kind === 'math' ? 'symbol-operator' : 'mortar-board');
        return item;
      }
      case 'step': {
        const item = new vscode.TreeItem(`step ${node.step}`, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `step:${node.runId}:${node.stage}:${node.step}:${this.filterKey()}`;
        const m = node.metrics;
        if (m) item.description = `reward ${m.meanReward.toFixed(2)} · acc ${m.accuracy.toFixed(2)} · ${Math.round(m.tokensPerSecond)} tok/s`;
        item.iconPath = new vscode.ThemeIcon('debug-step-over');
        return item;
      }
      case 'problem': {
        const passed = node.rollouts.filter((r) => r.reward > 0).length;
        const item = new vscode.TreeItem(node.problemId, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `problem:${node.runId}:${node.stage}:${node.step}:${node.problemId}:${this.filterKey()}`;
        item.description = `${passed}/${node.rollouts.length} rewarded`;
        item.tooltip = node.rollouts[0]?.prompt;
        item.iconPath = passed === node.rollouts.length ? verdictIcon('correct') : passed === 0 ? verdictIcon('wrong') : new vscode.ThemeIcon('pass-filled');
        return item;
      }
      case 'rollout': {
        const r = node.rollout;
        const item = new vscode.TreeItem(`#${r.sampleIndex} ${r.verdict}`, vscode.TreeItemCollapsibleState.None);
        item.id = `rollout:${r.id}`;
        item.description = `reward ${r.reward} · ${r.responseTokens} tok${r.truncated ? ' · truncated' : ''}`;
        item.tooltip = r.response.slice(0, 500);
        item.iconPath = verdictIcon(r.verdict);
        item.contextValue = r.kind === 'code' ? 'rlvrCodeRollout' : 'rlvrMathRollout';
        item.command = { command: 'rlvr.openRollout', title: 'Open rollout', arguments: [r.id] };
        return item;
      }
    }
  }

  async getChildren(node?: RunsNode): Promise<RunsNode[]> {
    if (this.client.state !== 'running') {
      return [{ kind: 'message', text: this.client.state === 'starting' ? 'Connecting to the RLVR daemon…' : 'The RLVR daemon is not running.' }];
    }
    if (!node) {
      const runs = await this.client.request(Methods.listRuns, {});
      return runs.length ? runs.map((run) => ({ kind: 'run', run })) : [{ kind: 'message', text: 'No runs yet: run "RLVR: Start RL stage".' }];
    }
    switch (node.kind) {
      case 'run':
        return node.run.stages.map((stage) => ({ kind: 'stage', run: node.run, stage }));
      case 'stage': {
        const series = await this.series(node.run.id);
        const steps = series.filter((m) => m.stageIndex === node.stage.index);
        if (steps.length) return steps.map((m) => ({ kind: 'step', runId: node.run.id, stage: node.stage.name, step: m.step, metrics: m }));
        return Array.from({ length: node.stage.stepsDone }, (_, i) => ({ kind: 'step', runId: node.run.id, stage: node.stage.name, step: i + 1 }));
      }
      case 'step': {
        const query: RolloutQuery = { runId: node.runId, stage: node.stage, step: node.step, limit: 1000, ...this.queryFilter() };
        const { rollouts } = await this.client.request(Methods.queryRollouts, query);
        if (!rollouts.length) return [{ kind: 'message', text: `no rollouts (${filterLabel(this.filter)})` }];
        const byProblem = new Map<string, RolloutRecord[]>();
        for (const r of rollouts) {
          const list = byProblem.get(r.problemId) ?? [];
          list.push(r);
          byProblem.set(r.problemId, list);
        }
        return [...byProblem].map(([problemId, rs]) => ({ kind: 'problem', runId: node.runId, stage: node.stage, step: node.step, problemId, rollouts: rs }));
      }
      case 'problem':
        return node.rollouts.map((rollout) => ({ kind: 'rollout', rollout }));
      default:
        return [];
    }
  }

  queryFilter(): Pick<RolloutQuery, 'reward' | 'truncated' | 'verdict'> {
    switch (this.filter.kind) {
      case 'failed':
        return { reward: 0 };
      case 'truncated':
        return { truncated: true };
      case 'verdict':
        return { verdict: this.filter.verdict };
      default:
        return {};
    }
  }

  private filterKey(): string {
    return this.filter.kind === 'verdict' ? this.filter.verdict : this.filter.kind;
  }

  private async series(runId: string): Promise<StepMetrics[]> {
    let s = this.metrics.get(runId);
    if (!s) {
      s = await this.client.request(Methods.metricSeries, { runId });
      this.metrics.set(runId, s);
    }
    return s;
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.changed.dispose();
  }
}

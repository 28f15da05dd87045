// The dashboard: one WebviewPanel showing one run (curves, stage timeline, pass-rate map,
// rollout table), fed from the daemon and kept live by its notifications. Its HTML shell and
// CSP are the shared ones of ../webview-html.ts.
import * as vscode from 'vscode';
import { Methods, Notifications, type RolloutQuery } from '../../shared/protocol.js';
import { isFromWebview, type RolloutFilter, type ToWebview } from '../../shared/webview-messages.js';
import { describeRequestError, type DaemonClient } from '../daemon/client.js';
import { webviewHtml } from '../webview-html.js';

const PAGE = 200;

export function rolloutQuery(runId: string, f: RolloutFilter): RolloutQuery {
  return {
    runId,
    stage: f.stage,
    step: f.step,
    verdict: f.verdict,
    reward: f.failedOnly ? 0 : undefined,
    truncated: f.truncatedOnly ? true : undefined,
    offset: f.offset ?? 0,
    limit: f.limit ?? PAGE,
  };
}

export class DashboardPanel implements vscode.Disposable {
  static readonly viewType = 'rlvr.dashboard';
  private static current: DashboardPanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private filter: RolloutFilter = {};
  private refreshTimer: NodeJS.Timeout | undefined;
  private ready = false;

  static show(extensionUri: vscode.Uri, client: DaemonClient, runId: string): DashboardPanel {
    if (DashboardPanel.current) {
      DashboardPanel.current.panel.reveal(undefined, true);
      DashboardPanel.current.setRun(runId);
      return DashboardPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(DashboardPanel.viewType, 'RLVR dashboard', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')],
    });
    DashboardPanel.current = new DashboardPanel(panel, extensionUri, client, runId);
    return DashboardPanel.current;
  }

  static get open(): DashboardPanel | undefined {
    return DashboardPanel.current;
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly client: DaemonClient,
    private runId: string,
  ) {
    panel.webview.html = webviewHtml(panel.webview, extensionUri, { bundle: 'webview', title: 'RLVR dashboard', loading: 'Loading run…' });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((msg: unknown) => this.receive(msg)),
      client.onNotification(Notifications.stepMetrics, (metrics) => {
        if (metrics.runId === this.runId) this.post({ type: 'stepMetrics', metrics });
      }),
      client.onNotification(Notifications.runChanged, (run) => {
        if (run.id === this.runId) this.post({ type: 'run', run });
      }),
      client.onNotification(Notifications.stageChanged, ({ runId }) => {
        if (runId === this.runId) this.refreshSoon();
      }),
      client.onNotification(Notifications.rollouts, ({ runId }) => {
        if (runId === this.runId) this.refreshSoon();
      }),
    );
  }

  get currentRunId(): string {
    return this.runId;
  }

  setRun(runId: string): void {
    if (runId === this.runId) return;
    this.runId = runId;
    this.filter = {};
    if (this.ready) void this.sendSnapshot();
  }

  private async receive(msg: unknown): Promise<void> {
    if (!isFromWebview(msg)) return;
    try {
      switch (msg.type) {
        case 'ready':
          this.ready = true;
          await this.sendSnapshot();
          break;
        case 'openRollout':
          await vscode.commands.executeCommand('rlvr.openRollout', msg.id);
          break;
        case 'queryRollouts': {
          this.filter = msg.filter;
          const r = await this.client.request(Methods.queryRollouts, rolloutQuery(this.runId, this.filter));
          this.post({ type: 'rollouts', ...r, filter: this.filter });
          break;
        }
      }
    } catch (err) {
      this.post({ type: 'error', message: describeRequestError(err) });
    }
  }

  private async sendSnapshot(): Promise<void> {
    const runId = this.runId;
    try {
      const [run, metrics, passRates, evals, rollouts] = await Promise.all([
        this.client.request(Methods.getRun, { runId }),
        this.client.request(Methods.metricSeries, { runId }),
        this.client.request(Methods.passRates, { runId }),
        this.client.request(Methods.evalResults, { runId }),
        this.client.request(Methods.queryRollouts, rolloutQuery(runId, this.filter)),
      ]);
      if (runId !== this.runId) return;
      this.panel.title = `RLVR: ${run.name}`;
      this.post({ type: 'snapshot', run, metrics, passRates, evals, rollouts: { ...rollouts, filter: this.filter } });
    } catch (err) {
      this.post({ type: 'error', message: describeRequestError(err) });
    }
  }

  /** New rollouts arrive once per step: refetch the pass-rate map and the table page, coalesced. */
  private refreshSoon(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(async () => {
      this.refreshTimer = undefined;
      try {
        const [cells, rollouts, run] = await Promise.all([
          this.client.request(Methods.passRates, { runId: this.runId }),
          this.client.request(Methods.queryRollouts, rolloutQuery(this.runId, this.filter)),
          this.client.request(Methods.getRun, { runId: this.runId }),
        ]);
        this.post({ type: 'passRates', cells });
        this.post({ type: 'rollouts', ...rollouts, filter: this.filter });
        this.post({ type: 'run', run });
      } catch (err) {
        this.post({ type: 'error', message: describeRequestError(err) });
      }
    }, 300);
  }

  private post(msg: ToWebview): void {
    if (this.ready) void this.panel.webview.postMessage(msg);
  }

  dispose(): void {
    if (DashboardPanel.current === this) DashboardPanel.current = undefined;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.disposables.forEach((d) => d.dispose());
    this.panel.dispose();
  }
}

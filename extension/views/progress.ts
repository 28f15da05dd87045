// Live progress of the active run: a status bar item (stage, step, reward, tokens/s) and a
// cancellable progress notification while the run trains.
import * as vscode from 'vscode';
import { Methods, Notifications, type ProgressParams, type RunSummary, type StepMetrics } from '../../shared/protocol.js';
import type { DaemonClient } from '../daemon/client.js';

const ACTIVE: ReadonlySet<RunSummary['status']> = new Set(['running', 'paused']);

function formatRate(tokensPerSecond: number): string {
  return tokensPerSecond >= 1000 ? `${(tokensPerSecond / 1000).toFixed(1)}k` : `${Math.round(tokensPerSecond)}`;
}

export class RunProgress implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('rlvr.status', vscode.StatusBarAlignment.Left, 10);
  private readonly disposables: vscode.Disposable[] = [];
  private last: { progress?: ProgressParams; metrics?: StepMetrics } = {};
  private readonly notifications = new Map<string, { report: (p: ProgressParams) => void; done: () => void }>();

  constructor(private readonly client: DaemonClient) {
    this.item.name = 'RLVR training';
    this.item.command = 'rlvr.openDashboard';
    this.disposables.push(
      client.onNotification(Notifications.progress, (p) => {
        this.last.progress = p;
        this.notifications.get(p.runId)?.report(p);
        this.render();
      }),
      client.onNotification(Notifications.stepMetrics, (m) => {
        this.last.metrics = m;
        this.render();
      }),
      client.onNotification(Notifications.runChanged, (run) => {
        if (!ACTIVE.has(run.status)) {
          this.notifications.get(run.id)?.done();
          if (this.last.progress?.runId === run.id) this.item.text = `$(beaker) RLVR: ${run.name} ${run.status}`;
        }
      }),
      client.onDidChangeState(() => this.render()),
    );
    this.render();
    this.item.show();
  }

  /** The status bar text, as the tests read it. */
  get text(): string {
    return this.item.text;
  }

  private render(): void {
    if (this.client.state !== 'running') {
      this.item.text = this.client.state === 'starting' ? '$(sync~spin) RLVR: connecting' : '$(debug-disconnect) RLVR: daemon not running';
      this.item.tooltip = this.client.failure ?? 'Run "RLVR: Start RL stage" to start the daemon.';
      return;
    }
    const { progress: p, metrics: m } = this.last;
    if (!p && !m) {
      this.item.text = '$(beaker) RLVR: idle';
      this.item.tooltip = `Connected to the RLVR daemon (pid ${this.client.daemonPid ?? '?'})`;
      return;
    }
    const stage = p?.stage ?? m?.stage ?? '';
    const step = p ? `${p.step}/${p.stepsPlanned}` : `${m?.step}`;
    const parts = [`$(beaker) ${stage}`, `step ${step}`];
    if (m) parts.push(`reward ${m.meanReward.toFixed(2)}`, `${formatRate(m.tokensPerSecond)} tok/s`);
    this.item.text = parts.join(' · ');
    this.item.tooltip = `RLVR run ${p?.runId ?? m?.runId}: ${p?.phase ?? ''}${p?.message ? ` — ${p.message}` : ''}\nClick to open the dashboard.`;
  }

  /** A progress notification for one run, until the run stops; Cancel stops the run. */
  track(runId: string): void {
    if (this.notifications.has(runId)) return;
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'RLVR', cancellable: true },
      (progress, token) =>
        new Promise<void>((resolve) => {
          let lastFraction = 0;
          const done = () => {
            this.notifications.delete(runId);
            resolve();
          };
          token.onCancellationRequested(() => {
            void this.client.request(Methods.stopRun, { runId }).catch(() => undefined);
            done();
          });
          this.notifications.set(runId, {
            report: (p) => {
              const fraction = p.stepsPlanned > 0 ? Math.min(1, p.step / p.stepsPlanned) : 0;
              // The bar tracks the current stage; it restarts at each curriculum boundary.
              const increment = fraction >= lastFraction ? (fraction - lastFraction) * 100 : undefined;
              lastFraction = fraction;
              progress.report({ message: `${p.stage}: step ${p.step}/${p.stepsPlanned} · ${p.phase}${p.message ? ` · ${p.message}` : ''}`, increment });
            },
            done,
          });
          progress.report({ message: 'starting…' });
        }),
    );
  }

  dispose(): void {
    for (const n of this.notifications.values()) n.done();
    this.item.dispose();
    this.disposables.forEach((d) => d.dispose());
  }
}

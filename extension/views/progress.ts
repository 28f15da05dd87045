// Live progress of the active run: a status bar item (stage, step, reward, tokens/s) and a
// cancellable progress notification while the run trains.
import * as vscode from 'vscode';
import { Methods, Notifications, type BackendReport, type ProgressParams, type RunSummary, type StepMetrics } from '../../shared/protocol.js';
import type { DaemonClient } from '../daemon/client.js';

const ACTIVE: ReadonlySet<RunSummary['status']> = new Set(['running', 'paused']);

/** "webgpu (NVIDIA H200)", "webgpu (llvmpipe ..., software fallback: runs on the CPU)", "wasm (SIMD)". */
function formatBackend(b: BackendReport): string {
  const detail = [b.adapter, b.softwareFallback ? 'software fallback: runs on the CPU' : undefined].filter(Boolean).join(', ');
  return detail ? `${b.name} (${detail})` : b.name;
}

function formatRate(tokensPerSecond: number): string {
  return tokensPerSecond >= 1000 ? `${(tokensPerSecond / 1000).toFixed(1)}k` : `${Math.round(tokensPerSecond)}`;
}

export class RunProgress implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('rlvr.status', vscode.StatusBarAlignment.Left, 10);
  private readonly disposables: vscode.Disposable[] = [];
  private last: { progress?: ProgressParams; metrics?: StepMetrics } = {};
  private readonly notifications = new Map<string, { report: (p: ProgressParams) => void; done: () => void }>();
  /** The daemon's training backend, asked once per connection (loading it takes seconds). */
  private backend: BackendReport | null = null;
  private backendAsked = false;

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
      client.onDidChangeState(() => {
        if (client.state !== 'running') this.backendAsked = false;
        this.render();
      }),
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
    this.askBackend();
    const backend = this.backend ? `\nBackend: ${formatBackend(this.backend)}` : '';
    const { progress: p, metrics: m } = this.last;
    if (!p && !m) {
      this.item.text = `$(beaker) RLVR: idle${this.backend ? ` · ${this.backend.name}${this.backend.softwareFallback ? ' (CPU)' : ''}` : ''}`;
      this.item.tooltip = `Connected to the RLVR daemon (pid ${this.client.daemonPid ?? '?'})${backend}`;
      return;
    }
    const stage = p?.stage ?? m?.stage ?? '';
    const step = p ? `${p.step}/${p.stepsPlanned}` : `${m?.step}`;
    const parts = [`$(beaker) ${stage}`, `step ${step}`];
    if (m) parts.push(`reward ${m.meanReward.toFixed(2)}`, `${formatRate(m.tokensPerSecond)} tok/s`);
    this.item.text = parts.join(' · ');
    this.item.tooltip = `RLVR run ${p?.runId ?? m?.runId}: ${p?.phase ?? ''}${p?.message ? ` — ${p.message}` : ''}${backend}\nClick to open the dashboard.`;
  }

  private askBackend(): void {
    if (this.backendAsked || this.client.state !== 'running') return;
    this.backendAsked = true;
    this.client.request(Methods.status, {}).then(
      (status) => {
        this.backend = status.backend;
        this.render();
      },
      () => undefined, // the tooltip simply lacks the backend line
    );
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

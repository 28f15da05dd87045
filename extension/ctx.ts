// One context object owns every disposable of the extension and the daemon connection.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Notifications } from '../shared/protocol.js';
import { Config } from './config.js';
import { DaemonClient, DaemonNotRunningError } from './daemon/client.js';
import { readLock } from './daemon/locate.js';
import { offerDaemonInstall } from './daemon/offer.js';
import { RolloutDocuments } from './rollouts/documents.js';
import { CodeTestController } from './testing/controller.js';
import { RunProgress } from './views/progress.js';
import { RunsTreeProvider, filterLabel, type RunsNode } from './views/runsTree.js';

export class Ctx implements vscode.Disposable {
  readonly config: Config;
  readonly output = vscode.window.createOutputChannel('RLVR');
  readonly client: DaemonClient;
  readonly tree: RunsTreeProvider;
  readonly treeView: vscode.TreeView<RunsNode>;
  readonly docs: RolloutDocuments;
  readonly progress: RunProgress;
  /** Code rollouts and dataset problems as test items in the Test Explorer. */
  readonly testing: CodeTestController;
  private readonly disposables: vscode.Disposable[] = [];
  private starting: Promise<void> | undefined;

  constructor(readonly extension: vscode.ExtensionContext) {
    const version = (extension.extension.packageJSON as { version: string }).version;
    this.config = new Config(extension.extensionPath, path.join(extension.globalStorageUri.fsPath, 'daemon'), version);
    this.client = new DaemonClient(this.config, this.output);
    this.tree = new RunsTreeProvider(this.client);
    this.treeView = vscode.window.createTreeView(RunsTreeProvider.viewId, { treeDataProvider: this.tree, showCollapseAll: true });
    this.docs = new RolloutDocuments(this.client);
    this.progress = new RunProgress(this.client);
    this.testing = new CodeTestController({ client: this.client, docs: this.docs, ensureDaemon: () => this.ensureDaemon(), output: this.output });
    this.disposables.push(
      this.output,
      this.client,
      this.tree,
      this.treeView,
      this.docs,
      this.progress,
      this.testing,
      this.client.onDidChangeState(() => this.tree.refresh()),
      this.client.onNotification(Notifications.runChanged, () => this.tree.refreshSoon()),
      this.client.onNotification(Notifications.stageChanged, () => this.tree.refreshSoon()),
      this.client.onNotification(Notifications.stepMetrics, () => this.tree.refreshSoon()),
      this.client.onNotification(Notifications.log, (l) => this.output.appendLine(`[${l.level}]${l.runId ? ` ${l.runId}` : ''} ${l.message}`)),
      this.client.onNotification(Notifications.error, (e) => {
        this.output.appendLine(`[error ${e.code}] ${e.message}`);
        void vscode.window.showErrorMessage(`RLVR: ${e.message}`);
      }),
      this.treeView.onDidChangeVisibility((e) => {
        if (e.visible) void this.ensureDaemon().catch(() => undefined);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (Config.needsDaemonRestart(e) && this.client.state !== 'stopped') {
          void vscode.window
            .showInformationMessage('RLVR: this setting takes effect when the daemon restarts.', 'Reconnect now')
            .then((choice) => (choice ? this.client.restart() : undefined));
        }
      }),
    );
  }

  /**
   * Connects to the daemon (starting it when no lock file names one); shared by concurrent
   * callers. `offerInstall` (a user's command): where no daemon runs and none is installed
   * (only the .vsix), offer to install one first; declined, it throws DaemonNotInstalledError.
   */
  ensureDaemon(offerInstall = false): Promise<void> {
    if (this.client.state === 'running') return Promise.resolve();
    this.starting ??= (async () => {
      if (offerInstall && !this.config.hasDaemon && !(await readLock(this.config.dataDirectory))) {
        if (!(await offerDaemonInstall(this, 'no rlvr.daemon.path, no checkout, no `rlvr` on PATH'))) throw new DaemonNotInstalledError();
      }
      await this.client.start();
    })().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /** On activation, attach only to a daemon that already runs; starting one waits for a need. */
  async attachIfRunning(): Promise<void> {
    if (this.treeView.visible || (await readLock(this.config.dataDirectory))) await this.ensureDaemon();
  }

  /** The one message shown when a command needs the daemon and it cannot be reached. */
  async showNotRunning(err: unknown): Promise<void> {
    const why = err instanceof DaemonNotRunningError ? err.message : `The RLVR daemon is not running: ${(err as Error).message}`;
    const choice = await vscode.window.showErrorMessage(why, 'Show log', 'Open settings');
    if (choice === 'Show log') this.output.show();
    if (choice === 'Open settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'rlvr.daemon');
  }

  updateFilterMessage(): void {
    const f = this.tree.currentFilter;
    this.treeView.message = f.kind === 'all' ? undefined : `Showing ${filterLabel(f)}`;
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }
}

/** The user declined to install the daemon (or its install failed and was already shown). */
export class DaemonNotInstalledError extends Error {
  constructor() {
    super('no RLVR daemon is installed ("RLVR: Install daemon" installs one)');
  }
}

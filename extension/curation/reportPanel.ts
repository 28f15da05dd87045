// The curation report: one WebviewPanel per report.json written by `rlvr curate --out DIR`,
// redrawn when the file changes (a rerun of curate). Its HTML shell and CSP are the shared
// ones of ../webview-html.ts.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CurateReport } from '../../shared/curate.js';
import { curateReportProblem, droppedReasons, isFromReportView, reportChartData, type DroppedReasons, type ToReportView } from '../../shared/curate-view.js';
import { webviewHtml } from '../webview-html.js';

export interface Rendered {
  filterBars: number;
  histogramBars: number;
  /** Filters whose reasons (from dropped.jsonl) are listed. */
  reasonRows: number;
}

/** Reads and checks a report.json; the error names the file and the field at fault. */
export async function readCurateReport(file: vscode.Uri): Promise<CurateReport> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(await vscode.workspace.fs.readFile(file)).toString('utf8'));
  } catch (err) {
    throw new Error(`${file.fsPath}: cannot read a curation report: ${(err as Error).message}`);
  }
  const why = curateReportProblem(value);
  if (why) throw new Error(`${file.fsPath}: not a report.json from \`rlvr curate --out DIR\`: ${why}`);
  return value as CurateReport;
}

/** Past this, dropped.jsonl is not read (the per-filter counts still come from report.json). */
const MAX_DROPPED_BYTES = 64 * 1024 * 1024;

async function readDroppedReasons(file: vscode.Uri): Promise<DroppedReasons | null> {
  try {
    if ((await vscode.workspace.fs.stat(file)).size > MAX_DROPPED_BYTES) return null;
    return droppedReasons(Buffer.from(await vscode.workspace.fs.readFile(file)).toString('utf8').split('\n'));
  } catch {
    return null; // no dropped.jsonl beside this report
  }
}

export class CurationReportPanel implements vscode.Disposable {
  static readonly viewType = 'rlvr.curationReport';
  private static readonly open = new Map<string, CurationReportPanel>();

  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private renderedOnce: Promise<Rendered>;
  private resolveRendered!: (r: Rendered) => void;

  /** Opens (or reveals) the panel for `file`; rejects, before any panel opens, when it is not a report. */
  static async show(extensionUri: vscode.Uri, file: vscode.Uri): Promise<CurationReportPanel> {
    const report = await readCurateReport(file);
    const existing = CurationReportPanel.open.get(file.toString());
    if (existing) {
      existing.panel.reveal();
      existing.setReport(report);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      CurationReportPanel.viewType,
      `Curation: ${path.basename(path.dirname(file.fsPath))}`,
      vscode.ViewColumn.Active,
      { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')] },
    );
    const p = new CurationReportPanel(panel, extensionUri, file, report);
    CurationReportPanel.open.set(file.toString(), p);
    return p;
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    readonly file: vscode.Uri,
    private report: CurateReport,
  ) {
    this.renderedOnce = new Promise((r) => (this.resolveRendered = r));
    panel.webview.html = webviewHtml(panel.webview, extensionUri, { bundle: 'curation', title: 'Curation report', loading: 'Loading report…' });
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(file.fsPath)), path.basename(file.fsPath)));
    const reload = async () => {
      try {
        this.setReport(await readCurateReport(file));
      } catch (err) {
        this.post({ type: 'error', message: (err as Error).message });
      }
    };
    this.disposables.push(
      watcher,
      watcher.onDidChange(reload),
      watcher.onDidCreate(reload),
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((msg: unknown) => this.receive(msg)),
    );
  }

  /** Resolves once the webview has drawn the report, with the bars it drew. */
  get rendered(): Promise<Rendered> {
    return this.renderedOnce;
  }

  private setReport(report: CurateReport): void {
    this.report = report;
    this.renderedOnce = new Promise((r) => (this.resolveRendered = r));
    void this.sendReport();
  }

  private async sendReport(): Promise<void> {
    const reasons = await readDroppedReasons(vscode.Uri.file(path.join(path.dirname(this.file.fsPath), 'dropped.jsonl')));
    this.post({ type: 'report', file: this.file.fsPath, chart: reportChartData(this.report), evalFiles: this.report.eval_files?.length ?? 0, reasons });
  }

  private async receive(msg: unknown): Promise<void> {
    if (!isFromReportView(msg)) return;
    switch (msg.type) {
      case 'ready':
        this.ready = true;
        await this.sendReport();
        break;
      case 'rendered':
        this.resolveRendered({ filterBars: msg.filterBars, histogramBars: msg.histogramBars, reasonRows: msg.reasonRows });
        break;
      case 'openOutput': {
        const target = vscode.Uri.file(path.join(path.dirname(this.file.fsPath), `${msg.which}.jsonl`));
        try {
          await vscode.window.showTextDocument(target, { preview: true });
        } catch (err) {
          void vscode.window.showErrorMessage(`RLVR: cannot open ${target.fsPath}: ${(err as Error).message}`);
        }
        break;
      }
    }
  }

  private post(msg: ToReportView): void {
    if (this.ready) void this.panel.webview.postMessage(msg);
  }

  dispose(): void {
    if (CurationReportPanel.open.get(this.file.toString()) === this) CurationReportPanel.open.delete(this.file.toString());
    this.disposables.forEach((d) => d.dispose());
    this.panel.dispose();
  }
}

// Programs the Test Explorer ran that live in no document: a dataset problem's reference
// solution (a JSON string in its record) and a freshly sampled response. They open read-only
// as Python under `rlvr-program:`, so a failing case's message can point at the line the
// sandbox named.
import * as vscode from 'vscode';

export const PROGRAM_SCHEME = 'rlvr-program';

/** Programs kept for this window; the oldest go first. */
const KEPT = 100;

export class ProgramDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly programs = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(PROGRAM_SCHEME, this);

  /** Keeps `text` under a readable path (e.g. `/train.jsonl/add-1/reference.py`); returns its URI. */
  put(path: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: PROGRAM_SCHEME, path });
    const key = uri.toString();
    this.programs.delete(key);
    this.programs.set(key, text);
    while (this.programs.size > KEPT) this.programs.delete(this.programs.keys().next().value!);
    this.changed.fire(uri);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.programs.get(uri.toString()) ?? '# This program is no longer kept: run the test again.\n';
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}

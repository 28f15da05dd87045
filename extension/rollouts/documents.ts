// Rollouts as read-only documents under the `rlvr-rollout:` scheme: a code rollout is a
// Python file whose failing tests are diagnostics; a math rollout is Markdown with the
// extracted and gold answers highlighted inline. Expected/actual output of a test are two
// more documents of the same scheme, shown side by side in a diff editor.
import * as vscode from 'vscode';
import { Methods, type RolloutDetail } from '../../shared/protocol.js';
import type { DaemonClient } from '../daemon/client.js';
import { firstWrongAnswer, renderRollout, tests, type RenderedRollout } from './render.js';

export const ROLLOUT_SCHEME = 'rlvr-rollout';

type Part = 'expected' | 'actual';

function safe(s: string): string {
  return s.replace(/[^\w.-]+/g, '_').slice(0, 60) || '_';
}

export function rolloutUri(d: Pick<RolloutDetail, 'id' | 'runId' | 'stage' | 'step' | 'problemId' | 'sampleIndex' | 'kind'>): vscode.Uri {
  const ext = d.kind === 'code' ? 'py' : 'md';
  return vscode.Uri.from({
    scheme: ROLLOUT_SCHEME,
    path: `/${safe(d.runId)}/${safe(d.stage)}/step-${d.step}/${safe(d.problemId)}-${d.sampleIndex}.${ext}`,
    query: `id=${d.id}`,
  });
}

function partUri(d: RolloutDetail, testIndex: number, part: Part): vscode.Uri {
  return vscode.Uri.from({
    scheme: ROLLOUT_SCHEME,
    path: `/${safe(d.runId)}/rollout-${d.id}/test-${testIndex + 1}.${part}.txt`,
    query: `id=${d.id}&test=${testIndex}&part=${part}`,
  });
}

function parseQuery(uri: vscode.Uri): { id: number; test?: number; part?: Part } {
  const q = new URLSearchParams(uri.query);
  const id = Number(q.get('id'));
  if (!Number.isInteger(id)) throw new Error(`not a rollout URI: ${uri.toString()}`);
  const test = q.has('test') ? Number(q.get('test')) : undefined;
  const part = q.get('part') as Part | null;
  return { id, test, part: part ?? undefined };
}

/** The rollout a code or math rollout document shows (not its expected/actual parts), or undefined. */
export function rolloutIdOf(uri: vscode.Uri): number | undefined {
  if (uri.scheme !== ROLLOUT_SCHEME || !/\.(py|md)$/.test(uri.path)) return undefined;
  try {
    const q = parseQuery(uri);
    return q.part ? undefined : q.id;
  } catch {
    return undefined;
  }
}

export class RolloutDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly details = new Map<number, RolloutDetail>();
  private readonly rendered = new Map<string, RenderedRollout>();
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('rlvr-rollouts');
  private readonly decorationTypes = {
    correct: vscode.window.createTextEditorDecorationType({
      backgroundColor: new vscode.ThemeColor('diffEditor.insertedTextBackground'),
      border: '1px solid',
      borderColor: new vscode.ThemeColor('testing.iconPassed'),
      after: { color: new vscode.ThemeColor('testing.iconPassed'), margin: '0 0 0 1em' },
    }),
    wrong: vscode.window.createTextEditorDecorationType({
      backgroundColor: new vscode.ThemeColor('diffEditor.removedTextBackground'),
      border: '1px solid',
      borderColor: new vscode.ThemeColor('testing.iconFailed'),
      after: { color: new vscode.ThemeColor('testing.iconFailed'), margin: '0 0 0 1em' },
    }),
    gold: vscode.window.createTextEditorDecorationType({
      backgroundColor: new vscode.ThemeColor('editor.findMatchHighlightBackground'),
    }),
  };
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly client: DaemonClient) {
    this.disposables.push(
      vscode.workspace.registerTextDocumentContentProvider(ROLLOUT_SCHEME, this),
      vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((e) => this.decorate(e))),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        if (doc.uri.scheme === ROLLOUT_SCHEME) {
          this.diagnostics.delete(doc.uri);
          this.rendered.delete(doc.uri.toString());
        }
      }),
    );
  }

  async detail(id: number): Promise<RolloutDetail> {
    const cached = this.details.get(id);
    if (cached) return cached;
    const d = await this.client.request(Methods.getRollout, { id });
    this.details.set(id, d);
    return d;
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const { id, test, part } = parseQuery(uri);
    const d = await this.detail(id);
    if (part && test !== undefined) {
      const t = tests(d)[test];
      if (!t) throw new Error(`rollout ${id} has no test ${test + 1}`);
      return (part === 'expected' ? t.expected : t.actual) ?? '';
    }
    const r = renderRollout(d);
    this.rendered.set(uri.toString(), r);
    this.diagnostics.set(
      uri,
      r.problems.map((p) => {
        const diag = new vscode.Diagnostic(
          new vscode.Range(p.line, p.startCol, p.line, p.endCol),
          p.message,
          p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
        );
        diag.source = 'rlvr';
        diag.code = p.testIndex !== undefined ? `test ${p.testIndex + 1}` : d.verdict;
        return diag;
      }),
    );
    return r.text;
  }

  /** Opens one rollout as a read-only document (Python for code, Markdown for math). */
  async open(id: number, opts: { preview?: boolean } = {}): Promise<vscode.TextEditor> {
    const d = await this.detail(id);
    const doc = await vscode.workspace.openTextDocument(rolloutUri(d));
    const editor = await vscode.window.showTextDocument(doc, { preview: opts.preview ?? true });
    this.decorate(editor);
    return editor;
  }

  /** Expected vs actual output of a failing test, in a diff editor. */
  async compare(id: number, testIndex?: number): Promise<void> {
    const d = await this.detail(id);
    const i = testIndex ?? firstWrongAnswer(d);
    if (i === null || !tests(d)[i]) {
      void vscode.window.showInformationMessage(`Rollout ${id} has no failing test with an expected and an actual output to compare.`);
      return;
    }
    await vscode.commands.executeCommand(
      'vscode.diff',
      partUri(d, i, 'expected'),
      partUri(d, i, 'actual'),
      `Rollout ${id}, test ${i + 1}: expected ↔ actual`,
      { preview: true },
    );
  }

  /** The rollout behind the active editor, if any. */
  activeRolloutId(): number | undefined {
    const uri = vscode.window.activeTextEditor?.document.uri;
    if (uri?.scheme !== ROLLOUT_SCHEME) return undefined;
    return parseQuery(uri).id;
  }

  private decorate(editor: vscode.TextEditor): void {
    const r = this.rendered.get(editor.document.uri.toString());
    if (!r) return;
    for (const kind of ['correct', 'wrong', 'gold'] as const) {
      const options: vscode.DecorationOptions[] = r.highlights
        .filter((h) => h.kind === kind)
        .map((h) => ({
          range: new vscode.Range(h.line, h.startCol, h.line, h.endCol),
          hoverMessage: h.hover,
          renderOptions: h.after ? { after: { contentText: h.after } } : undefined,
        }));
      editor.setDecorations(this.decorationTypes[kind], options);
    }
  }

  /** The diagnostics of an open rollout document (tests read them through the API too). */
  diagnosticsFor(uri: vscode.Uri): readonly vscode.Diagnostic[] {
    return this.diagnostics.get(uri) ?? [];
  }

  dispose(): void {
    this.diagnostics.dispose();
    Object.values(this.decorationTypes).forEach((t) => t.dispose());
    this.disposables.forEach((d) => d.dispose());
  }
}

// The editor's own convention for test cases, the Testing API: every open code rollout, and
// every code problem of an open .jsonl dataset, is a test item with one child per test case.
// Running one sends a program through the daemon's sandbox (rlvr/verify) and reports each case
// passed / failed / errored, with the expected and actual output (the Test Explorer's diff),
// the input, stderr and the verdict, on the program line the sandbox names. Two profiles:
//   Run: the item's own program (the rollout's response, the dataset's reference solution);
//   Run again with the latest checkpoint's sample: a new response sampled from the latest
//     policy checkpoint (rlvr/sampleProblem), then its cases.
// This sits beside the rollout diagnostics and the expected/actual diff editor.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Methods, type RolloutDetail, type RolloutProblem, type SampleProblemParams } from '../../shared/protocol.js';
import type { CodeTask, VerifyResult } from '../../shared/verify.js';
import type { CommandId } from '../commands/table.js';
import { describeRequestError, type DaemonClient } from '../daemon/client.js';
import { rolloutIdOf } from '../rollouts/documents.js';
import type { RolloutDocuments } from '../rollouts/documents.js';
import { programLayout, type ProgramLayout } from '../rollouts/render.js';
import { asResponse, caseOutcomes, casesOf, datasetCodeProblem, taskWith, type CaseOutcome, type CaseState, type DatasetCodeProblem } from './cases.js';
import { ProgramDocuments } from './programs.js';

export type RunMode = 'program' | 'sample';

export const SAMPLE_PROFILE_LABEL = "Run again with the latest checkpoint's sample";

/** The daemon's dataset lens whose arguments carry a problem (daemon/server/lsp.ts). */
const SAMPLE_LENS_COMMAND: CommandId = 'rlvr.sampleProblem';

export interface TestingDeps {
  client: DaemonClient;
  docs: RolloutDocuments;
  ensureDaemon(): Promise<void>;
  output: vscode.OutputChannel;
}

interface RolloutSubject {
  kind: 'rollout';
  uri: vscode.Uri;
  detail: RolloutDetail;
  layout: ProgramLayout;
  problem: RolloutProblem | null;
  /** Why the cases cannot run (the daemon could not rebuild the rollout's problem). */
  error?: string;
}

interface DatasetSubject {
  kind: 'dataset';
  uri: vscode.Uri;
  problem: DatasetCodeProblem;
}

type Subject = RolloutSubject | DatasetSubject;

/** What a run reported for one case: the extension-host tests read it back. */
export interface ReportedCase {
  id: string;
  state: CaseState | 'skipped';
  message?: string;
  expected?: string;
  actual?: string;
  location?: vscode.Location;
}

export interface RunReport {
  mode: RunMode;
  cases: ReportedCase[];
}

/** The program a group of cases runs, and how to point at one of its lines. */
interface Program {
  response: string;
  /** Said in the run's output before the results. */
  what: string;
  /** Where line N (1-based) of the program verify() ran is shown, if anywhere. */
  locate(result: VerifyResult, line: number): vscode.Location | undefined;
}

const lineRange = (line: number) => new vscode.Range(line, 0, line, 0);
const isDataset = (doc: vscode.TextDocument) => doc.uri.scheme === 'file' && /\.jsonl$/i.test(doc.uri.path);

export class CodeTestController implements vscode.Disposable {
  static readonly id = 'rlvr.codeTests';
  readonly controller = vscode.tests.createTestController(CodeTestController.id, 'RLVR code problems');
  readonly runProfile: vscode.TestRunProfile;
  readonly sampleProfile: vscode.TestRunProfile;
  /** What the last run reported, case by case. */
  lastRun: RunReport | undefined;
  private readonly subjects = new WeakMap<vscode.TestItem, Subject>();
  private readonly caseIndex = new WeakMap<vscode.TestItem, number>();
  private readonly programs = new ProgramDocuments();
  private readonly pendingScans = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly deps: TestingDeps) {
    const c = this.controller;
    this.runProfile = c.createRunProfile('Run', vscode.TestRunProfileKind.Run, (req, token) => this.run(req, 'program', token).then(() => undefined), true);
    this.sampleProfile = c.createRunProfile(SAMPLE_PROFILE_LABEL, vscode.TestRunProfileKind.Run, (req, token) => this.run(req, 'sample', token).then(() => undefined), false);
    // The Test Explorer opened: a dataset's problems come from the daemon, which may need starting.
    c.resolveHandler = async (item) => {
      if (!item) await this.discover(true);
    };
    c.refreshHandler = () => this.discover(true);
    this.disposables.push(
      c,
      this.programs,
      vscode.workspace.onDidOpenTextDocument((doc) => void this.track(doc)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (isDataset(e.document)) this.scanSoon(e.document);
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => this.untrack(doc)),
      deps.client.onDidChangeState((state) => {
        if (state === 'running') void this.discover(false);
      }),
    );
    void this.discover(false);
  }

  /** Items for every open rollout and dataset; `startDaemon`: a dataset's problems are worth starting it for. */
  async discover(startDaemon: boolean): Promise<void> {
    const docs = vscode.workspace.textDocuments;
    if (startDaemon && docs.some(isDataset)) await this.deps.ensureDaemon().catch(() => undefined);
    await Promise.all(docs.map((d) => this.track(d)));
  }

  private async track(doc: vscode.TextDocument): Promise<void> {
    try {
      if (isDataset(doc)) await this.scanDataset(doc);
      else if (rolloutIdOf(doc.uri) !== undefined) await this.addRollout(doc.uri);
    } catch (err) {
      this.deps.output.appendLine(`testing: ${doc.uri.toString()}: ${describeRequestError(err)}`);
    }
  }

  private untrack(doc: vscode.TextDocument): void {
    const id = rolloutIdOf(doc.uri);
    if (id !== undefined) this.controller.items.delete(`rollout:${id}`);
    if (isDataset(doc)) this.controller.items.delete(datasetId(doc.uri));
  }

  private scanSoon(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    clearTimeout(this.pendingScans.get(key));
    this.pendingScans.set(
      key,
      setTimeout(() => {
        this.pendingScans.delete(key);
        void this.track(doc);
      }, 700),
    );
  }

  // ---- rollouts -----------------------------------------------------------------------

  private async addRollout(uri: vscode.Uri): Promise<void> {
    const id = rolloutIdOf(uri)!;
    const itemId = `rollout:${id}`;
    if (this.controller.items.get(itemId) || this.deps.client.state !== 'running') return;
    const detail = await this.deps.docs.detail(id);
    if (detail.kind !== 'code') return;
    let problem: RolloutProblem | null = null;
    let error: string | undefined;
    try {
      problem = await this.deps.client.request(Methods.rolloutProblem, { id });
    } catch (err) {
      error = describeRequestError(err);
    }
    if (!vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) return; // closed meanwhile
    const layout = programLayout(detail);
    const item = this.controller.createTestItem(itemId, `rollout ${id}`, uri);
    item.description = `${detail.problemId} #${detail.sampleIndex} · step ${detail.step} · ${detail.verdict}`;
    item.range = lineRange(layout.anchor);
    if (error) item.error = error;
    const task = problem?.task.kind === 'code' ? problem.task : null;
    item.children.replace(
      (task ? casesOf(task) : []).map((spec, i) => {
        const child = this.controller.createTestItem(`${itemId}/case:${i}`, spec.label, uri);
        child.description = spec.description;
        child.range = lineRange(layout.anchor);
        child.sortText = String(i).padStart(5, '0');
        this.caseIndex.set(child, i);
        return child;
      }),
    );
    this.subjects.set(item, { kind: 'rollout', uri, detail, layout, problem, ...(error ? { error } : {}) });
    this.controller.items.add(item);
  }

  // ---- datasets -----------------------------------------------------------------------

  /** A dataset's code problems, as the daemon's "Sample k rollouts" lenses carry them. */
  private async scanDataset(doc: vscode.TextDocument): Promise<void> {
    const fileId = datasetId(doc.uri);
    if (this.deps.client.state !== 'running') return;
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri)) ?? [];
    const problems = lenses
      .filter((l) => l.command?.command === SAMPLE_LENS_COMMAND)
      .map((l) => datasetCodeProblem(l.command!.arguments?.[0] as SampleProblemParams))
      .filter((p): p is DatasetCodeProblem => p !== null);
    if (doc.isClosed || problems.length === 0) {
      this.controller.items.delete(fileId);
      return;
    }
    const file = this.controller.items.get(fileId) ?? this.controller.createTestItem(fileId, path.basename(doc.uri.fsPath), doc.uri);
    const seen = new Set<string>();
    file.children.replace(
      problems.map((p) => {
        // Duplicate ids (the dedup diagnostics flag them) stay apart by line.
        const id = seen.has(p.id) ? `${fileId}/problem:${p.id}@${p.params.line}` : `${fileId}/problem:${p.id}`;
        seen.add(p.id);
        const cases = casesOf(p.task);
        const item = this.controller.createTestItem(id, p.id, doc.uri);
        item.description = `line ${p.params.line} · ${cases.length} case${cases.length === 1 ? '' : 's'}${p.solution ? ' · reference solution' : ''}`;
        item.range = lineRange(p.params.line - 1);
        item.children.replace(
          cases.map((spec, i) => {
            const child = this.controller.createTestItem(`${id}/case:${i}`, spec.label, doc.uri);
            child.description = spec.description;
            child.range = lineRange(p.params.line - 1);
            child.sortText = String(i).padStart(5, '0');
            this.caseIndex.set(child, i);
            return child;
          }),
        );
        this.subjects.set(item, { kind: 'dataset', uri: doc.uri, problem: p });
        return item;
      }),
    );
    this.controller.items.add(file);
  }

  // ---- running --------------------------------------------------------------------------

  /** Runs the requested cases (grouped by their rollout or problem) and reports each one. */
  async run(request: vscode.TestRunRequest, mode: RunMode, token: vscode.CancellationToken): Promise<RunReport> {
    const run = this.controller.createTestRun(request, mode === 'sample' ? SAMPLE_PROFILE_LABEL : undefined);
    const report: RunReport = { mode, cases: [] };
    const groups = this.groups(request);
    for (const cases of groups.values()) cases.forEach((c) => run.enqueued(c));
    let daemonError: string | undefined;
    await this.deps.ensureDaemon().catch((err) => (daemonError = describeRequestError(err)));
    for (const [parent, cases] of groups) {
      if (token.isCancellationRequested) {
        cases.forEach((c) => (run.skipped(c), report.cases.push({ id: c.id, state: 'skipped' })));
        continue;
      }
      cases.forEach((c) => run.started(c));
      try {
        if (daemonError) throw new Error(daemonError);
        await this.runGroup(run, report, parent, cases, mode, token);
      } catch (err) {
        if (token.isCancellationRequested) {
          cases.forEach((c) => (run.skipped(c), report.cases.push({ id: c.id, state: 'skipped' })));
          continue;
        }
        const message = describeRequestError(err);
        for (const c of cases) this.report(run, report, c, { state: 'errored', message }, undefined);
        run.appendOutput(`${parent.label}: ${message}\r\n`);
      }
    }
    run.end();
    this.lastRun = report;
    return report;
  }

  /** The requested cases by their parent, each group in case order. */
  private groups(request: vscode.TestRunRequest): Map<vscode.TestItem, vscode.TestItem[]> {
    const excluded = new Set(request.exclude ?? []);
    const groups = new Map<vscode.TestItem, vscode.TestItem[]>();
    const visit = (item: vscode.TestItem) => {
      if (excluded.has(item)) return;
      if (this.caseIndex.has(item) && item.parent) {
        const list = groups.get(item.parent) ?? [];
        if (!list.includes(item)) list.push(item);
        groups.set(item.parent, list);
        return;
      }
      item.children.forEach(visit);
    };
    if (request.include) request.include.forEach(visit);
    else this.controller.items.forEach(visit);
    for (const list of groups.values()) list.sort((a, b) => this.caseIndex.get(a)! - this.caseIndex.get(b)!);
    return groups;
  }

  private async runGroup(run: vscode.TestRun, report: RunReport, parent: vscode.TestItem, cases: vscode.TestItem[], mode: RunMode, token: vscode.CancellationToken): Promise<void> {
    const subject = this.subjects.get(parent);
    if (!subject) throw new Error(`${parent.label} is no longer open`);
    const task = taskOf(subject);
    const program = await this.programFor(subject, task, mode, token);
    const indices = cases.map((c) => this.caseIndex.get(c)!);
    const result = await this.deps.client.request(Methods.verify, { task: taskWith(task, indices), response: program.response }, token);
    const outcomes = caseOutcomes(result, cases.length);
    cases.forEach((c, j) => this.report(run, report, c, outcomes[j], outcomes[j].programLine !== undefined ? program.locate(result, outcomes[j].programLine!) : undefined));
    const passed = outcomes.filter((o) => o.state === 'passed').length;
    run.appendOutput(`${parent.label}: ${program.what}: ${passed}/${cases.length} cases passed (${result.verdict})\r\n`);
  }

  private report(run: vscode.TestRun, report: RunReport, item: vscode.TestItem, o: CaseOutcome, location: vscode.Location | undefined): void {
    report.cases.push({ id: item.id, state: o.state, message: o.message, expected: o.expected, actual: o.actual, location });
    if (o.state === 'passed') {
      run.passed(item, o.durationMs);
      return;
    }
    const messages = [o.expected !== undefined && o.actual !== undefined ? vscode.TestMessage.diff(o.message, o.expected, o.actual) : new vscode.TestMessage(o.message)];
    // The Test Explorer shows a diff message as the diff alone, titled by its first line (the
    // verdict): the input and stderr follow as a second message, shown as text.
    const rest = o.message.split('\n').slice(1).join('\n');
    if (o.expected !== undefined && rest) messages.push(new vscode.TestMessage(rest));
    for (const m of messages) if (location) m.location = location;
    if (o.state === 'failed') run.failed(item, messages, o.durationMs);
    else run.errored(item, messages, o.durationMs);
  }

  /** What runs: the item's own program, or (profile 2, or a dataset problem without a reference) a new sample. */
  private async programFor(subject: Subject, task: CodeTask, mode: RunMode, token: vscode.CancellationToken): Promise<Program> {
    if (mode === 'program' && subject.kind === 'rollout') {
      const { layout, uri, detail } = subject;
      return {
        response: detail.response,
        what: `the rollout's program`,
        locate: (_result, line) => (line <= layout.lines.length ? new vscode.Location(uri, lineRange(layout.start + line - 1)) : undefined),
      };
    }
    if (mode === 'program' && subject.kind === 'dataset' && subject.problem.solution !== undefined) {
      const { problem } = subject;
      const doc = this.programs.put(`/${path.basename(problem.params.file)}/${safe(problem.id)}/reference.py`, problem.solution!);
      return { response: asResponse(problem.solution!), what: 'the reference solution', locate: (_result, line) => new vscode.Location(doc, lineRange(line - 1)) };
    }
    const sampled = await this.sample(subject, task, token);
    const prefix = mode === 'program' ? 'no reference solution in the record, so ' : '';
    return {
      response: sampled.response,
      what: `${prefix}a sample from ${sampled.label} (seed ${sampled.seed})`,
      locate: (result, line) => {
        const program = result.details.kind === 'code' ? (result.details.program ?? sampled.response) : sampled.response;
        const doc = this.programs.put(`/${sampled.label.replace(/[^\w.-]+/g, '_')}/${safe(problemId(subject))}/sample-${sampled.seed}.py`, program);
        return new vscode.Location(doc, lineRange(line - 1));
      },
    };
  }

  /** One new response to the problem from the latest policy checkpoint (the dataset lens's sampler). */
  private async sample(subject: Subject, task: CodeTask, token: vscode.CancellationToken): Promise<{ response: string; label: string; seed: number }> {
    // A new seed each time: "run again" means another sample, and the output names it.
    const seed = Math.floor(Math.random() * 2 ** 31);
    let params: SampleProblemParams;
    if (subject.kind === 'dataset') {
      params = { ...subject.problem.params, k: 1, seed };
    } else {
      const { detail, problem } = subject;
      const record: Record<string, unknown> = { id: detail.problemId, kind: 'code', problem: detail.prompt, tests: task.tests, ...(task.fn_name ? { fn_name: task.fn_name } : {}) };
      // The rollout's own run's latest checkpoint; when it saved none, the daemon's default (the lens's).
      params = { file: subject.uri.path, line: 1, record, k: 1, seed, ...(problem?.checkpoint ? { checkpoint: problem.checkpoint.dir } : {}) };
    }
    const measured = await this.deps.client.request(Methods.sampleProblem, params, token);
    const label = subject.kind === 'rollout' && subject.problem?.checkpoint ? subject.problem.checkpoint.label : measured.checkpointLabel;
    return { response: measured.samples[0].response, label, seed };
  }

  dispose(): void {
    this.pendingScans.forEach((t) => clearTimeout(t));
    this.disposables.forEach((d) => d.dispose());
  }
}

function datasetId(uri: vscode.Uri): string {
  return `dataset:${uri.toString()}`;
}

function safe(s: string): string {
  return s.replace(/[^\w.-]+/g, '_').slice(0, 60) || '_';
}

function problemId(subject: Subject): string {
  return subject.kind === 'rollout' ? subject.detail.problemId : subject.problem.id;
}

function taskOf(subject: Subject): CodeTask {
  if (subject.kind === 'dataset') return subject.problem.task;
  if (subject.problem?.task.kind === 'code') return subject.problem.task;
  throw new Error(subject.error ?? `rollout ${subject.detail.id}: its problem's test cases are unknown`);
}

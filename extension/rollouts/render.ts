// Turns a rollout (with its verdict and per-test results) into the text of a read-only
// document, plus where diagnostics and inline highlights go. Runtime-free, so unit tests
// check it without VS Code.
import type { RolloutDetail } from '../../shared/protocol.js';
import type { TestResult } from '../../shared/verify.js';
import { lastBox } from '../../shared/boxed.js';

export interface Span {
  line: number; // 0-based
  startCol: number;
  endCol: number;
}

export interface RolloutProblem extends Span {
  severity: 'error' | 'warning';
  message: string;
  /** Index into tests(), for "Compare expected/actual". */
  testIndex?: number;
}

export interface RolloutHighlight extends Span {
  kind: 'correct' | 'wrong' | 'gold';
  hover: string;
  /** Text shown after the span, in the editor only. */
  after?: string;
}

export interface RenderedRollout {
  text: string;
  language: 'python' | 'markdown';
  problems: RolloutProblem[];
  highlights: RolloutHighlight[];
}

const FIELD_LIMIT = 400;

export function tests(d: RolloutDetail): TestResult[] {
  if (d.tests.length) return d.tests;
  return d.verify?.details.kind === 'code' ? d.verify.details.tests : [];
}

/** The first test whose output differs from the expected one (what the diff editor shows). */
export function firstWrongAnswer(d: RolloutDetail): number | null {
  const i = tests(d).findIndex((t) => t.verdict !== 'passed' && t.expected !== undefined && t.actual !== undefined);
  return i >= 0 ? i : null;
}

export function renderRollout(d: RolloutDetail): RenderedRollout {
  return d.kind === 'code' ? renderCode(d) : renderMath(d);
}

function clip(s: string | undefined): string {
  if (s === undefined) return '';
  return s.length > FIELD_LIMIT ? `${s.slice(0, FIELD_LIMIT)}… (${s.length} chars)` : s;
}

function headerFacts(d: RolloutDetail): string[] {
  return [
    `rollout ${d.id} · run ${d.runId} · stage ${d.stage} · step ${d.step} · problem ${d.problemId} (sample ${d.sampleIndex})`,
    `verdict: ${d.verdict} · reward ${d.reward} · advantage ${d.advantage.toFixed(3)} · ${d.responseTokens} response tokens${d.truncated ? ' (truncated)' : ''}`,
  ];
}

/** Where the program sits in a code rollout's document (0-based lines). */
export interface ProgramLayout {
  /** The document line of the program's first line. */
  start: number;
  /** The program's lines (the whole response when no ```python block was found). */
  lines: string[];
  /** The document line of the program's first non-blank line. */
  anchor: number;
}

function codeHeader(d: RolloutDetail, ts: TestResult[], program: string | null): string[] {
  const passed = ts.filter((t) => t.verdict === 'passed').length;
  return [
    ...headerFacts(d),
    ts.length ? `tests: ${passed}/${ts.length} passed` : 'tests: none ran',
    '',
    'prompt:',
    ...d.prompt.split('\n').map((l) => `  ${l}`),
    '',
    program === null ? 'no ```python block was found: the whole response follows' : 'the program taken from the response:',
  ].map((l) => (l ? `# ${l}` : '#'));
}

function programOf(d: RolloutDetail): string | null {
  return d.verify?.details.kind === 'code' ? d.verify.details.program : null;
}

/** The program's place in the document renderRollout() writes for a code rollout. */
export function programLayout(d: RolloutDetail): ProgramLayout {
  const program = programOf(d);
  const start = codeHeader(d, tests(d), program).length + 1;
  const lines = (program ?? d.response).split('\n');
  return { start, lines, anchor: start + Math.max(0, lines.findIndex((l) => l.trim() !== '')) };
}

/** The document line a failing test points at: the program line its traceback names, else the program's first line. */
export function failureLine(t: TestResult, layout: ProgramLayout): number {
  const tb = programLine(t);
  return tb !== null && tb <= layout.lines.length ? layout.start + tb - 1 : layout.anchor;
}

/** The 1-based program line a test's traceback names (the last one: the frame that raised), or null. */
export function programLine(t: TestResult): number | null {
  return lastTracebackLine(t.stderrTail);
}

function renderCode(d: RolloutDetail): RenderedRollout {
  const ts = tests(d);
  const program = programOf(d);
  const header = codeHeader(d, ts, program);
  const layout = programLayout(d);
  const bodyStart = layout.start;
  const lines = [...header, '', ...layout.lines];

  const problems: RolloutProblem[] = [];
  if (program === null) {
    problems.push({ line: bodyStart, startCol: 0, endCol: (lines[bodyStart] ?? '').length, severity: 'error', message: `${d.verdict}: no program to run` });
  }
  ts.forEach((t, i) => {
    if (t.verdict === 'passed') return;
    // A traceback names the failing line of the program; else mark the program's first line.
    const line = failureLine(t, layout);
    const text = lines[line] ?? '';
    const startCol = text.length - text.trimStart().length;
    const msg = [`test ${i + 1}: ${t.verdict}`];
    if (t.input !== undefined) msg.push(`input: ${clip(t.input)}`);
    if (t.expected !== undefined) msg.push(`expected: ${clip(t.expected)}`);
    if (t.actual !== undefined) msg.push(`actual: ${clip(t.actual)}`);
    if (t.firstDiffLine !== undefined) msg.push(`first difference on output line ${t.firstDiffLine}`);
    if (t.stderrTail) msg.push(`stderr: ${clip(t.stderrTail)}`);
    problems.push({ line, startCol, endCol: Math.max(startCol + 1, text.length), severity: 'error', message: msg.join('\n'), testIndex: i });
  });
  if (d.truncated) {
    problems.push({ line: 1, startCol: 0, endCol: (lines[1] ?? '').length, severity: 'warning', message: 'response truncated at the stage length limit' });
  }
  return { text: lines.join('\n') + '\n', language: 'python', problems, highlights: [] };
}

function lastTracebackLine(stderr: string | undefined): number | null {
  if (!stderr) return null;
  const all = [...stderr.matchAll(/line (\d+)/g)];
  return all.length ? Number(all[all.length - 1][1]) : null;
}

function renderMath(d: RolloutDetail): RenderedRollout {
  const details = d.verify?.details.kind === 'math' ? d.verify.details : null;
  const extracted = d.extractedAnswer ?? details?.extracted ?? null;
  const reason = details ? `${details.rule}${details.message ? `: ${details.message}` : ''}` : 'not verified';
  const correct = d.verdict === 'correct';
  const lines = [
    `# Rollout ${d.id} (math)`,
    '',
    ...headerFacts(d).map((l) => `- ${l}`),
    `- extracted answer: ${extracted ?? '(none)'}`,
    `- gold answer: ${d.gold}`,
    `- verifier's reason: ${reason}`,
    '',
    '## Prompt',
    '',
    ...d.prompt.split('\n'),
    '',
    '## Response',
    '',
  ];
  const responseStart = lines.length;
  lines.push(...d.response.split('\n'));

  const highlights: RolloutHighlight[] = [];
  const extractedLine = lines.findIndex((l) => l.startsWith('- extracted answer: '));
  const goldLine = lines.findIndex((l) => l.startsWith('- gold answer: '));
  const prefix = (i: number) => lines[i].indexOf(': ') + 2;
  highlights.push({
    line: extractedLine,
    startCol: prefix(extractedLine),
    endCol: lines[extractedLine].length,
    kind: correct ? 'correct' : 'wrong',
    hover: `${d.verdict}: ${reason}`,
  });
  highlights.push({ line: goldLine, startCol: prefix(goldLine), endCol: lines[goldLine].length, kind: 'gold', hover: 'the reference answer' });
  const boxed = lastBox(d.response);
  if (boxed) {
    const before = d.response.slice(0, boxed.start).split('\n');
    const line = responseStart + before.length - 1;
    const startCol = before[before.length - 1].length;
    const boxedText = d.response.slice(boxed.start, boxed.end);
    const endLine = line + boxedText.split('\n').length - 1;
    highlights.push({
      line,
      startCol,
      // Highlights stay on one line; a multi-line \boxed{} is marked up to its first line's end.
      endCol: endLine === line ? startCol + boxedText.length : lines[line].length,
      kind: correct ? 'correct' : 'wrong',
      hover: `extracted: ${extracted ?? '(none)'} · gold: ${d.gold} · ${reason}`,
      after: `  ⟵ ${d.verdict} (gold ${d.gold}; ${reason})`,
    });
  }
  const problems: RolloutProblem[] = [];
  if (d.truncated) {
    problems.push({ line: 2, startCol: 0, endCol: lines[2].length, severity: 'warning', message: 'response truncated at the stage length limit' });
  }
  return { text: lines.join('\n') + '\n', language: 'markdown', problems, highlights };
}

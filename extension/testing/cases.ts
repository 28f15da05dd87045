// What the Test Explorer shows for a code problem, runtime-free (unit tests check it without
// VS Code): one case per test of the task, and for each case the sandbox's result as a test
// outcome (passed / failed / errored) with the message the editor shows.
import type { SampleProblemParams } from '../../shared/protocol.js';
import type { CodeTask, IoTest, TestResult, VerifyResult } from '../../shared/verify.js';
import { programLine } from '../rollouts/render.js';

export interface CaseSpec {
  label: string;
  /** The input, on one line, clipped (the Test Explorer's description column). */
  description: string;
}

export type CaseState = 'passed' | 'failed' | 'errored';

export interface CaseOutcome {
  state: CaseState;
  /** Verdict first, then why, the input and stderr (expected and actual go in the diff). */
  message: string;
  expected?: string;
  actual?: string;
  /** The 1-based program line the sandbox named (a traceback's frame), if any. */
  programLine?: number;
  durationMs?: number;
}

const PREVIEW = 48;

function oneLine(s: string): string {
  const flat = s.trim().replace(/\s*\n\s*/g, ' ⏎ ');
  return flat.length > PREVIEW ? `${flat.slice(0, PREVIEW)}…` : flat;
}

/** One case per stdin/stdout or call test; an assert-style check block is one case. */
export function casesOf(task: CodeTask): CaseSpec[] {
  if (!Array.isArray(task.tests)) return [{ label: 'check(candidate)', description: oneLine(task.tests.functional) }];
  return task.tests.map((t, i) => ({ label: `test ${i + 1}`, description: `input: ${oneLine(t.input) || '(empty)'}` }));
}

/** The task restricted to some of its cases (indices into casesOf), for running only those. */
export function taskWith(task: CodeTask, indices: number[]): CodeTask {
  if (!Array.isArray(task.tests)) return task;
  const tests: IoTest[] = task.tests;
  return { ...task, tests: indices.map((i) => tests[i]) };
}

/**
 * Failed: the program ran and was wrong (wrong output, crash, a limit); errored: it could not
 * be judged at all (no program, does not compile, the sandbox or verifier failed).
 */
export function caseState(verdict: TestResult['verdict']): CaseState {
  if (verdict === 'passed') return 'passed';
  return verdict === 'syntax_error' ? 'errored' : 'failed';
}

/** `title: body` on one line when the body is one line, else the body below its title. */
function section(title: string, body: string | undefined): string[] {
  const text = body?.replace(/\n$/, '');
  if (text === undefined || text === '') return [];
  return text.includes('\n') ? [`${title}:`, text] : [`${title}: ${text}`];
}

/** One case's outcome from the sandbox's result for it. */
export function caseOutcome(t: TestResult): CaseOutcome {
  const why = [t.message, t.firstDiffLine !== undefined && t.verdict === 'wrong_answer' ? `first difference on output line ${t.firstDiffLine}` : undefined]
    .filter((x): x is string => Boolean(x))
    .join('; ');
  const message = [`${t.verdict}${why ? `: ${why}` : ''}`, ...section('input', t.input), ...section('stderr', t.stderrTail)].join('\n');
  const line = t.verdict === 'passed' ? null : programLine(t);
  return {
    state: caseState(t.verdict),
    message,
    ...(t.expected !== undefined && t.actual !== undefined ? { expected: t.expected, actual: t.actual } : {}),
    ...(line !== null ? { programLine: line } : {}),
    ...(t.wallMs !== undefined ? { durationMs: t.wallMs } : {}),
  };
}

/**
 * Every requested case's outcome from one verify() of the program on those cases (in order).
 * When the program could not be judged at all (no ```python block, a verifier or sandbox
 * failure), every case is errored with the verifier's own verdict and reason.
 */
export function caseOutcomes(result: VerifyResult, count: number): CaseOutcome[] {
  const d = result.details;
  if (d.kind !== 'code') return Array.from({ length: count }, () => ({ state: 'errored' as const, message: `${result.verdict}: not a code result` }));
  if (d.program === null || d.tests.length === 0) {
    const message = `${result.verdict}: ${d.message ?? (d.program === null ? 'no program to run' : 'no test ran')}`;
    return Array.from({ length: count }, () => ({ state: 'errored' as const, message }));
  }
  return Array.from({ length: count }, (_, i) =>
    d.tests[i] ? caseOutcome(d.tests[i]) : { state: 'errored' as const, message: `${result.verdict}: the verifier returned no result for this case` },
  );
}

/** A code problem of an open dataset, as its "Sample k rollouts" lens carries it (the normalised record). */
export interface DatasetCodeProblem {
  /** The record's id (or file:line when it has none). */
  id: string;
  prompt: string;
  task: CodeTask;
  /** The first reference solution (Python source), if the record has one. */
  solution?: string;
  params: SampleProblemParams;
}

/** The dataset lens's problem when it is a code problem with tests, else null (math, or no tests). */
export function datasetCodeProblem(params: SampleProblemParams): DatasetCodeProblem | null {
  const r = params.record;
  if (r.kind !== 'code' || typeof r.problem !== 'string') return null;
  const tests = r.tests;
  const io = Array.isArray(tests) && tests.length > 0 && tests.every((t) => typeof t?.input === 'string' && typeof t?.output === 'string');
  const functional = !Array.isArray(tests) && typeof (tests as { functional?: unknown } | null)?.functional === 'string';
  if (!io && !functional) return null;
  const task: CodeTask = { kind: 'code', tests: tests as CodeTask['tests'] };
  if (typeof r.fn_name === 'string' && r.fn_name) task.fn_name = r.fn_name;
  const solution = Array.isArray(r.solutions) && typeof r.solutions[0] === 'string' ? r.solutions[0] : undefined;
  const id = typeof r.id === 'string' || typeof r.id === 'number' ? String(r.id) : `${params.file}:${params.line}`;
  return { id, prompt: r.problem, task, ...(solution ? { solution } : {}), params };
}

/** A reference solution as a response the code verifier reads (its last ```python block). */
export function asResponse(program: string): string {
  return '```python\n' + program.replace(/\s+$/, '') + '\n```';
}

// One record of any dataset shape -> the shared Problem (shared/problem.ts). toProblem()
// recognises the common shapes (DeepScaleR / AceReason-Math, MATH `solution` with a boxed
// answer, verl's RLHFDataset parquet: chat-message `prompt`, `reward_model.ground_truth`,
// `extra_info`; LiveCodeBench, TACO / APPS `input_output`, CodeContests, rllm, HumanEval,
// LeetCode `check(candidate)`; curate's own kept.jsonl; the embedded generators' problems
// as JSON), after applying the user's field mapping (`--map problem=prompt.0.content,...`).
// Stages, evaluations, curation and the editor's lenses all read records through it.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Problem, ProblemKind } from '../../../shared/problem.js';
import { extractProgram } from '../../verify/code/extract.js';
import { extractLastBoxed } from '../../../shared/boxed.js';
import { parseTests } from './code-tests.js';
import { fromVerlRow, isVerlRow } from '../formats/verl-rows.js';

export { taskOf, type Problem, type ProblemKind } from '../../../shared/problem.js';

export interface FieldError {
  field: string;
  reason: string;
}

/** Canonical field -> path in the source record: dot-separated, numbers index arrays (-1 = last). */
export type FieldMap = Record<string, string>;

export const MAPPABLE_FIELDS = ['id', 'kind', 'problem', 'answer', 'solution', 'tests', 'fn_name', 'starter_code', 'solutions'] as const;

export function parseFieldMap(spec: string | undefined): FieldMap {
  const map: FieldMap = {};
  if (!spec) return map;
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) throw new Error(`--map: '${part}' is not field=path`);
    const field = part.slice(0, eq).trim();
    if (!(MAPPABLE_FIELDS as readonly string[]).includes(field)) {
      throw new Error(`--map: unknown field '${field}' (expected one of ${MAPPABLE_FIELDS.join(', ')})`);
    }
    map[field] = part.slice(eq + 1).trim();
  }
  return map;
}

export function getPath(value: unknown, p: string): unknown {
  let cur: unknown = value;
  for (const key of p.split('.')) {
    if (cur === null || cur === undefined) return undefined;
    if (Array.isArray(cur) && /^-?\d+$/.test(key)) {
      const i = Number(key);
      cur = cur[i < 0 ? cur.length + i : i];
    } else if (typeof cur === 'object') cur = (cur as Record<string, unknown>)[key];
    else if (typeof cur === 'string' && /^[[{]/.test(cur.trim())) {
      // Nested JSON kept as a string (common in Parquet exports): look inside it.
      try {
        cur = getPath(JSON.parse(cur), key);
      } catch {
        return undefined;
      }
    } else return undefined;
  }
  return cur;
}

/**
 * The content that decides a problem's pass rate: kind, prompt, reference (answer or tests).
 * Not its id or place: the same problem in a source file, in kept.jsonl and in an editor
 * keeps its measurement (and draws the same samples, engine/pass-rates.ts).
 */
export function problemKey(p: Problem): string {
  const content = JSON.stringify([p.kind, p.prompt, p.answer ?? null, p.tests ?? null, p.fn_name ?? null]);
  return createHash('sha1').update(content).digest('hex').slice(0, 20);
}

export function testCount(p: Problem): number {
  if (!p.tests) return 0;
  if (Array.isArray(p.tests)) return p.tests.length;
  return (p.tests.functional.match(/^\s*assert\b/gm) ?? []).length;
}

/** The record as written to kept.jsonl / dropped.jsonl: readable back by toProblem(). */
export function problemRecord(p: Problem): Record<string, unknown> {
  const r: Record<string, unknown> = { id: p.id, kind: p.kind, problem: p.prompt };
  if (p.kind === 'math') r.answer = p.answer;
  else {
    r.tests = p.tests;
    if (p.fn_name) r.fn_name = p.fn_name;
    if (p.starterCode) r.starter_code = p.starterCode;
    if (p.solutions?.length) r.solutions = p.solutions;
  }
  if (p.solution) r.solution = p.solution;
  if (p.level !== undefined) r.level = p.level;
  r.source = `${p.source.file}:${p.source.line}`;
  return r;
}

export interface ToProblemOptions {
  kind?: ProblemKind;
  map?: FieldMap;
}

const PROMPT_FIELDS = ['problem', 'question', 'prompt', 'description', 'query', 'instruction', 'question_content'];
const ANSWER_FIELDS = ['answer', 'final_answer', 'ground_truth', 'gold', 'expected_answer', 'target', 'reward_model.ground_truth', 'task.answer'];
const TEST_FIELDS = ['tests', 'input_output', 'test_cases', 'public_test_cases', 'public_tests', 'test', 'private_test_cases', 'private_tests', 'task.tests'];
const ID_FIELDS = ['id', 'task_id', 'question_id', 'problem_id', 'unique_id'];

export function toProblem(value: unknown, file: string, line: number, opts: ToProblemOptions = {}): Problem | FieldError {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return { field: '(record)', reason: `expected a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}` };
  }
  // A verl RLHFDataset row (rlvr curate --format verl) reads as the problem it was written from.
  const rec = isVerlRow(value as Record<string, unknown>) ? fromVerlRow(value as Record<string, unknown>) : (value as Record<string, unknown>);
  const map = opts.map ?? {};
  const field = (name: string, fallbacks: string[] = [name]): { key: string; value: unknown } => {
    if (map[name]) return { key: map[name], value: getPath(rec, map[name]) };
    for (const k of fallbacks) {
      const v = k.includes('.') ? getPath(rec, k) : rec[k];
      if (v !== undefined && v !== null && v !== '') return { key: k, value: v };
    }
    return { key: fallbacks[0], value: undefined };
  };

  const promptField = field('problem', PROMPT_FIELDS);
  const prompt = promptText(promptField.value);
  if (prompt === null) {
    return {
      field: promptField.key,
      reason: map.problem ? `mapped path '${map.problem}' holds no prompt text` : `no prompt: none of ${PROMPT_FIELDS.join(', ')} is a non-empty string (use --map problem=PATH)`,
    };
  }
  const idValue = field('id', ID_FIELDS).value;
  const id = typeof idValue === 'string' || typeof idValue === 'number' ? String(idValue) : `${path.basename(file)}:${line}`;
  const source = { file, line };

  // `domain` / `task.kind`: the embedded generators' problems; `ability`: verl's RLHFDataset rows.
  const kindValue = field('kind', ['kind', 'domain', 'task.kind', 'ability']).value;
  const testsField = field('tests', TEST_FIELDS);
  let kind: ProblemKind;
  if (opts.kind) kind = opts.kind;
  else if (kindValue === 'math' || kindValue === 'code') kind = kindValue;
  else kind = testsField.value !== undefined ? 'code' : 'math';

  if (kind === 'math') {
    const answerField = field('answer', ANSWER_FIELDS);
    let answer = answerText(answerField.value);
    if (answer !== null && BOX_COMMAND.test(answer)) answer = extractLastBoxed(answer);
    if (answer === null) {
      const solution = field('solution').value;
      if (typeof solution === 'string') answer = extractLastBoxed(solution);
      if (answer === null) {
        return {
          field: answerField.key,
          reason:
            typeof solution === 'string'
              ? `no answer: no ${ANSWER_FIELDS[0]} field, and the solution holds no \\boxed{} answer`
              : `no answer: none of ${ANSWER_FIELDS.join(', ')} is set, nor a solution with \\boxed{} (use --map answer=PATH)`,
        };
      }
    }
    return withReference({ id, kind, prompt, answer, source }, rec, map);
  }

  // verl's RLHFDataset code rows keep their tests as the reward model's ground truth (a
  // JSON string). Read there only once the row is known to be code: math rows keep answers there.
  const verl = testsField.value === undefined && !map.tests ? getPath(rec, 'reward_model.ground_truth') : undefined;
  const tests = verl === undefined ? testsField : { key: 'reward_model.ground_truth', value: verl };
  const parsed = parseTests(tests.value, rec);
  if ('reason' in parsed) return { field: tests.key, reason: parsed.reason };
  // LiveCodeBench / CodeContests keep hidden tests beside the public ones: use both.
  if (Array.isArray(parsed.tests) && !map.tests && tests.key.startsWith('public_test')) {
    for (const key of ['private_test_cases', 'private_tests', 'generated_tests']) {
      const more = rec[key] === undefined ? null : parseTests(rec[key], rec);
      // LiveCodeBench ships private tests compressed (base64 pickle): those stay unread.
      if (more && !('reason' in more) && Array.isArray(more.tests)) parsed.tests.push(...more.tests);
    }
  }
  const p: Problem = { id, kind, prompt, tests: parsed.tests, source };
  const fn = field('fn_name', ['fn_name', 'func_name', 'metadata.func_name', 'entry_point', 'task.fn_name']).value ?? parsed.fn_name;
  if (typeof fn === 'string' && fn) p.fn_name = fn;
  const starter = field('starter_code').value;
  if (typeof starter === 'string' && starter.trim()) p.starterCode = starter;
  // A reference written as a response (```python block, as the generators' `solution` and SFT
  // data have it) is the program inside the block: the reference check fences it again.
  const solutions = solutionList(field('solutions', ['solutions', 'solution', 'reference_solution', 'canonical_solution']).value)
    .map((s) => (s.includes('```') ? extractProgram(s) ?? s : s));
  if (solutions.length) {
    // HumanEval: the canonical solution is a body that continues the prompt's signature.
    p.solutions = typeof rec.entry_point === 'string' && rec.canonical_solution && !map.solutions
      ? solutions.map((s) => `${prompt}${s}`)
      : solutions;
  }
  return withReference(p, rec, map);
}

/** The boxed-answer command, as shared/boxed.ts reads it (`\\boxed 5` included). */
const BOX_COMMAND = /\\(?:boxed|fbox)(?![a-zA-Z])/;

/** The reference response (an sft stage's target) and the generators' difficulty rung, when the record has them. */
function withReference(p: Problem, rec: Record<string, unknown>, map: FieldMap): Problem {
  const solution = map.solution ? getPath(rec, map.solution) : rec.solution;
  if (typeof solution === 'string' && solution.trim()) p.solution = solution;
  if (typeof rec.level === 'number') p.level = rec.level;
  return p;
}

/** The prompt text of a record of any shape, or null (evaluation sets need no answer). */
export function promptOf(value: unknown, map: FieldMap = {}): string | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  if (map.problem) return promptText(getPath(value, map.problem));
  const rec = value as Record<string, unknown>;
  for (const k of PROMPT_FIELDS) {
    const t = promptText(rec[k]);
    if (t !== null) return t;
  }
  return null;
}

export function isFieldError(x: Problem | FieldError): x is FieldError {
  return 'reason' in x;
}

function promptText(v: unknown): string | null {
  if (typeof v === 'string') return v.trim() ? v : null;
  // Chat form: [{role, content}, ...] -> the last user turn.
  if (Array.isArray(v)) {
    const turns = v.filter((m) => m && typeof m === 'object' && typeof (m as { content?: unknown }).content === 'string') as {
      role?: string;
      content: string;
    }[];
    const user = turns.filter((m) => m.role === undefined || m.role === 'user');
    const last = user[user.length - 1] ?? turns[turns.length - 1];
    return last?.content.trim() ? last.content : null;
  }
  return null;
}

function answerText(v: unknown): string | null {
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'string') return v.trim() ? v.trim() : null;
  if (Array.isArray(v) && v.length === 1) return answerText(v[0]);
  return null;
}

function solutionList(v: unknown): string[] {
  if (typeof v === 'string') {
    const t = v.trim();
    if (t.startsWith('[')) {
      try {
        return solutionList(JSON.parse(t));
      } catch {
        /* a program that starts with '[' */
      }
    }
    return t ? [v] : [];
  }
  if (Array.isArray(v)) return v.filter((s): s is string => typeof s === 'string' && s.trim() !== '');
  return [];
}

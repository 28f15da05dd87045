// Problems in verl's RLHFDataset shape (verl/utils/dataset/rl_dataset.py and its
// examples/data_preprocess/*.py at volcengine/verl b178a3cd): one Parquet row per problem with
//   data_source   string
//   prompt        list<struct<content, role>>: the chat messages, here one user turn with the
//                 AceReason instruction (daemon/model/hf/prompts.ts), as our own trainer sends it
//   ability       "math" | "code"
//   reward_model  struct<ground_truth, style="rule">: math, the answer; code, the tests as JSON
//                 {inputs, outputs, fn_name?} (TACO's shape: a call's arguments as an array,
//                 its result as a value) or {functional, fn_name?} for check(candidate) blocks,
//                 which daemon/assets/verl/rlvr_reward.py turns back into our verifier's task
//   extra_info    struct<index, split, problem_id, question, starter_code, solution>: index as
//                 verl's preprocessors write it; the statement without the instruction and the
//                 reference solution (an SFT stage's target), so the row reads back into the
//                 same problem (fromVerlRow).
import { parquetWriteFile } from 'hyparquet-writer';
import type { FunctionalTests, IoTest } from '../../../shared/verify.js';
import { codeUserMessage, mathUserMessage } from '../../model/hf/prompts.js';

/** A problem as this module needs it; curation's kept problems come through verlProblemOf. */
export interface VerlSourceProblem {
  id: string;
  kind: 'math' | 'code';
  statement: string;
  dataSource: string;
  answer?: string;
  tests?: IoTest[] | FunctionalTests;
  fnName?: string;
  starterCode?: string;
  solution?: string;
}

export interface VerlRow {
  data_source: string;
  prompt: { role: string; content: string }[];
  ability: 'math' | 'code';
  reward_model: { style: 'rule'; ground_truth: string };
  extra_info: { index: number; split: string; problem_id: string; question: string; starter_code: string | null; solution: string | null };
}

function parseJsonOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The code tests as the ground-truth JSON of a verl row. */
export function codeGroundTruth(tests: IoTest[] | FunctionalTests, fnName?: string): string {
  if (!Array.isArray(tests)) return JSON.stringify({ functional: tests.functional, ...(fnName ? { fn_name: fnName } : {}) });
  if (fnName) {
    // Call tests: our input is one JSON argument per line, the output one JSON value.
    const args = (input: string) => input.split('\n').filter((l) => l.trim() !== '').map(parseJsonOr);
    return JSON.stringify({ inputs: tests.map((t) => args(t.input)), outputs: tests.map((t) => parseJsonOr(t.output)), fn_name: fnName });
  }
  return JSON.stringify({ inputs: tests.map((t) => t.input), outputs: tests.map((t) => t.output) });
}

export function toVerlRow(p: VerlSourceProblem, index: number, split = 'train'): VerlRow {
  const content =
    p.kind === 'math'
      ? mathUserMessage(p.statement)
      : codeUserMessage({
          statement: p.statement,
          starterCode: p.starterCode,
          fnName: p.fnName,
          stdin: Array.isArray(p.tests) && !p.fnName,
        });
  const groundTruth = p.kind === 'math' ? (p.answer ?? '') : codeGroundTruth(p.tests ?? [], p.fnName);
  return {
    data_source: p.dataSource,
    prompt: [{ role: 'user', content }],
    ability: p.kind,
    reward_model: { style: 'rule', ground_truth: groundTruth },
    extra_info: { index, split, problem_id: p.id, question: p.statement, starter_code: p.starterCode ?? null, solution: p.solution ?? null },
  };
}

const text = (name: string) => ({ name, type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'OPTIONAL' as const });

/** Writes rows as verl reads them (pyarrow / HF datasets: nested columns, not JSON strings). */
export function writeVerlParquet(file: string, rows: VerlRow[]): void {
  parquetWriteFile({
    filename: file,
    columnData: [
      { name: 'data_source', data: rows.map((r) => r.data_source) },
      { name: 'prompt', data: rows.map((r) => r.prompt.map((m) => ({ content: m.content, role: m.role }))) },
      { name: 'ability', data: rows.map((r) => r.ability) },
      { name: 'reward_model', data: rows.map((r) => ({ ground_truth: r.reward_model.ground_truth, style: r.reward_model.style })) },
      {
        name: 'extra_info',
        data: rows.map((r) => ({
          index: BigInt(r.extra_info.index),
          problem_id: r.extra_info.problem_id,
          question: r.extra_info.question,
          split: r.extra_info.split,
          starter_code: r.extra_info.starter_code,
          solution: r.extra_info.solution,
        })),
      },
    ],
    schema: [
      { name: 'root', num_children: 5 },
      text('data_source'),
      // The three-level LIST pyarrow writes for list<struct>.
      { name: 'prompt', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', repetition_type: 'OPTIONAL', num_children: 2 },
      text('content'),
      text('role'),
      text('ability'),
      { name: 'reward_model', repetition_type: 'OPTIONAL', num_children: 2 },
      text('ground_truth'),
      text('style'),
      { name: 'extra_info', repetition_type: 'OPTIONAL', num_children: 6 },
      { name: 'index', type: 'INT64', repetition_type: 'OPTIONAL' },
      text('problem_id'),
      text('question'),
      text('split'),
      text('starter_code'),
      text('solution'),
    ],
  });
}

/** Whether a record read from a dataset file is a verl row (its reward_model and ability). */
export function isVerlRow(rec: Record<string, unknown>): boolean {
  const rm = rec.reward_model;
  return (rec.ability === 'math' || rec.ability === 'code') && typeof rm === 'object' && rm !== null && 'ground_truth' in rm;
}

/**
 * A verl row as a record in our own shape {id, kind, problem, answer | tests, fn_name,
 * starter_code}, for the dataset reader: the statement from extra_info.question when we wrote
 * it, else the prompt's last user turn; code tests from the ground-truth JSON.
 */
export function fromVerlRow(rec: Record<string, unknown>): Record<string, unknown> {
  const info = (typeof rec.extra_info === 'object' && rec.extra_info !== null ? rec.extra_info : {}) as Record<string, unknown>;
  const gt = (rec.reward_model as { ground_truth: unknown }).ground_truth;
  const out: Record<string, unknown> = { kind: rec.ability, problem: typeof info.question === 'string' && info.question ? info.question : rec.prompt };
  if (typeof info.problem_id === 'string') out.id = info.problem_id;
  if (typeof info.starter_code === 'string' && info.starter_code) out.starter_code = info.starter_code;
  if (typeof info.solution === 'string' && info.solution) out.solution = info.solution;
  if (rec.ability === 'math') {
    out.answer = gt;
    return out;
  }
  const tests = typeof gt === 'string' ? parseJsonOr(gt) : gt;
  out.tests = tests;
  if (tests && typeof tests === 'object' && typeof (tests as { fn_name?: unknown }).fn_name === 'string') out.fn_name = (tests as { fn_name: string }).fn_name;
  return out;
}

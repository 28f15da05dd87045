// `rlvr check code`: run programs against tests in the sandbox, the way training does.
//   rlvr check code --program FILE.py --tests FILE.json [--fn-name NAME]
//     -> {reward, verdict, tests: [{verdict, ...}]}
//   rlvr check code --problems FILE.json
//     -> {total, passed, failed: [...]}   (every reference solution of a leetcode200-shaped file)
// Exit code 0 when everything passed, 1 otherwise.
import { checkLimit, TIME_LIMIT_S } from '../verify/code/limits.js';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { CodeTask, IoTest } from '../../shared/verify.js';
import { runProgram, SandboxPool, type VerifyCodeOptions } from '../verify/code/index.js';
import { workerCommand } from '../verify/code/sandbox.js';

const USAGE = `usage: rlvr check code --program FILE.py --tests FILE.json [--fn-name NAME]
       rlvr check code --problems FILE.json

options:
  --program FILE.py     the program to run
  --tests FILE.json     JSON array of {input, output}; with --fn-name each input holds one JSON argument per line
  --fn-name NAME        call-based tests: the function (or Solution method) to call
  --problems FILE.json  run every reference solution of a problem file ({solutions, tests: {functional}} records)
  --time-limit S        CPU seconds per test (default 6)
  --memory-limit MB     address space per test (default 1024)
  --workers N           sandbox workers (default: one per CPU)
  --unsafe              run without bubblewrap (no isolation at all)`;

export async function runCheckCode(argv: string[]): Promise<number> {
  const args = argv[0] === 'code' ? argv.slice(1) : argv;
  const { values } = parseArgs({
    args,
    options: {
      program: { type: 'string' },
      tests: { type: 'string' },
      'fn-name': { type: 'string' },
      problems: { type: 'string' },
      'time-limit': { type: 'string' },
      'memory-limit': { type: 'string' },
      workers: { type: 'string' },
      unsafe: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const limits = {
    time_limit_s: inRange(optionalNumber(values['time-limit'], '--time-limit'), TIME_LIMIT_S, '--time-limit'),
    memory_limit_mb: optionalNumber(values['memory-limit'], '--memory-limit'),
  };
  const unsafe = values.unsafe ?? false;
  workerCommand({ unsafe }); // refuses now, with how to install bubblewrap, rather than per test
  const pool = new SandboxPool({ unsafe, size: optionalNumber(values.workers, '--workers') });
  const options: VerifyCodeOptions = { pool };
  try {
    if (values.problems) {
      if (values.program || values.tests) throw new Error('--problems cannot be combined with --program/--tests');
      return await checkProblems(values.problems, limits, options);
    }
    if (!values.program || !values.tests) throw new Error(`--program and --tests are required (or --problems)\n${USAGE}`);
    const program = readText(values.program);
    const tests = readIoTests(values.tests);
    const task: CodeTask = { kind: 'code', tests, fn_name: values['fn-name'], ...definedOnly(limits) };
    const result = await runProgram(task, program, options);
    const details = result.details.kind === 'code' ? result.details : null;
    console.log(JSON.stringify({ reward: result.reward, verdict: result.verdict, tests: details?.tests ?? [], ...(details?.message ? { message: details.message } : {}) }, null, 2));
    return result.reward === 1 ? 0 : 1;
  } finally {
    await pool.close();
  }
}

/** main.ts loads `check.js`; this module is also callable on its own. */
export const run = runCheckCode;

interface ProblemRecord {
  solutions: string | string[];
  tests: { functional: string } | IoTest[];
  fn_name?: string;
}

async function checkProblems(file: string, limits: Limits, options: VerifyCodeOptions): Promise<number> {
  const data = parseJson(file);
  if (!Array.isArray(data)) throw new Error(`${file}: expected a JSON array of problems`);
  const problems = data.map((rec, i) => validateProblem(rec, `${file}: problem ${i}`));
  const results = await Promise.all(
    problems.map(async (p, index) => {
      const solution = Array.isArray(p.solutions) ? p.solutions[0] : p.solutions;
      const task: CodeTask = { kind: 'code', tests: p.tests, fn_name: p.fn_name, ...definedOnly(limits) };
      return { index, result: await runProgram(task, solution, options) };
    }),
  );
  const failed = results
    .filter((r) => r.result.reward !== 1)
    .map(({ index, result }) => {
      const details = result.details.kind === 'code' ? result.details : null;
      const firstFailure = details?.tests.find((t) => t.verdict !== 'passed');
      return { index, verdict: result.verdict, ...(details?.message ? { message: details.message } : {}), test: firstFailure };
    });
  console.log(JSON.stringify({ total: problems.length, passed: problems.length - failed.length, failed }, null, 2));
  return failed.length === 0 ? 0 : 1;
}

type Limits = { time_limit_s?: number; memory_limit_mb?: number };

function definedOnly(limits: Limits): Limits {
  return Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined));
}

function inRange(n: number | undefined, range: { min: number; max: number }, flag: string): number | undefined {
  checkLimit(n, range, flag);
  return n;
}

function optionalNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} must be a positive number (got '${value}')`);
  return n;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** JSON.parse with the file, line and column of a syntax error. */
function parseJson(file: string): unknown {
  const text = readText(file);
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const pos = /position (\d+)/.exec(message);
    if (pos) {
      const before = text.slice(0, Number(pos[1]));
      const line = before.split('\n').length;
      const column = Number(pos[1]) - before.lastIndexOf('\n');
      throw new Error(`${file}:${line}:${column}: invalid JSON: ${message}`);
    }
    throw new Error(`${file}: invalid JSON: ${message}`);
  }
}

function readIoTests(file: string): IoTest[] {
  const data = parseJson(file);
  if (!Array.isArray(data)) throw new Error(`${file}: expected a JSON array of {input, output}`);
  if (data.length === 0) throw new Error(`${file}: no tests`);
  return data.map((t, i) => validateIoTest(t, `${file}: test ${i}`));
}

function validateIoTest(t: unknown, where: string): IoTest {
  if (typeof t !== 'object' || t === null) throw new Error(`${where}: expected an object {input, output}`);
  const rec = t as Record<string, unknown>;
  for (const field of ['input', 'output']) {
    if (typeof rec[field] !== 'string') throw new Error(`${where}: field '${field}' must be a string`);
  }
  return { input: rec.input as string, output: rec.output as string };
}

function validateProblem(rec: unknown, where: string): ProblemRecord {
  if (typeof rec !== 'object' || rec === null) throw new Error(`${where}: expected an object`);
  const r = rec as Record<string, unknown>;
  const sol = r.solutions;
  if (!(typeof sol === 'string' || (Array.isArray(sol) && sol.length > 0 && typeof sol[0] === 'string'))) {
    throw new Error(`${where}: field 'solutions' must be a program or a non-empty array of programs`);
  }
  let tests: ProblemRecord['tests'];
  if (Array.isArray(r.tests)) {
    tests = r.tests.map((t, i) => validateIoTest(t, `${where}: tests[${i}]`));
  } else if (typeof r.tests === 'object' && r.tests !== null && typeof (r.tests as Record<string, unknown>).functional === 'string') {
    tests = { functional: (r.tests as { functional: string }).functional };
  } else {
    throw new Error(`${where}: field 'tests' must be {functional: "def check(candidate): ..."} or an array of {input, output}`);
  }
  if (r.fn_name !== undefined && typeof r.fn_name !== 'string') throw new Error(`${where}: field 'fn_name' must be a string`);
  return { solutions: sol as string | string[], tests, fn_name: r.fn_name as string | undefined };
}

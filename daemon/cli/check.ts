// `rlvr check math|code`: run the verifiers on answers and datasets, as training does.
//   rlvr check math --gold G --pred P       -> one verdict {reward, verdict, details}
//   rlvr check math --cases FILE.json       -> {total, agree, disagreements: [...]}
//   rlvr check code ...                     -> see check-code.ts
// Exit code 0 when the answer is correct / every case agrees, 1 otherwise.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { MathPool } from '../verify/pool.js';
import type { CaseVerdict, MathVerifyOptions } from '../verify/math/index.js';

const USAGE = `usage: rlvr check math --gold G --pred P
       rlvr check math --cases FILE.json
       rlvr check code --program FILE.py --tests FILE.json [--fn-name NAME]
       rlvr check code --problems FILE.json

math options:
  --gold G          the reference answer (LaTeX or plain)
  --pred P          a response (its last \\boxed{} is the answer) or a bare answer
  --cases FILE.json JSON array of {gold, pred, expected?, options?} (Math-Verify's case format;
                    expected defaults to true; options: match_types, precision, strict,
                    allow_set_relation_comp)
  --deadline-ms N   limit per verification (default 5000); past it the verdict is timeout
  --workers N       verifier threads (default: min(2, CPUs))`;

interface CaseRecord {
  gold: string;
  pred: string;
  expected?: boolean;
  options?: MathVerifyOptions;
}

function readCases(file: string): CaseRecord[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  if (!Array.isArray(data)) throw new Error(`${file}: expected a JSON array of {gold, pred, expected?, options?} records`);
  data.forEach((r, i) => {
    const where = `${file}: record ${i}`;
    if (typeof r !== 'object' || r === null) throw new Error(`${where}: expected an object`);
    const rec = r as Record<string, unknown>;
    for (const f of ['gold', 'pred']) if (typeof rec[f] !== 'string') throw new Error(`${where}: field "${f}" must be a string`);
    if (rec.expected !== undefined && typeof rec.expected !== 'boolean') throw new Error(`${where}: field "expected" must be true or false`);
    if (rec.options !== undefined && (typeof rec.options !== 'object' || rec.options === null)) throw new Error(`${where}: field "options" must be an object`);
  });
  return data as CaseRecord[];
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} must be a positive integer, got '${value}'`);
  return n;
}

async function checkMath(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      gold: { type: 'string' },
      pred: { type: 'string' },
      cases: { type: 'string' },
      'deadline-ms': { type: 'string' },
      workers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const single = values.gold !== undefined || values.pred !== undefined;
  if (single === (values.cases !== undefined)) throw new Error('give either --gold G --pred P, or --cases FILE.json (see rlvr check --help)');
  if (single && (values.gold === undefined || values.pred === undefined)) throw new Error('--gold and --pred go together');
  const cases = values.cases !== undefined ? readCases(values.cases) : null;

  const pool = new MathPool({ size: positiveInt(values.workers, '--workers'), deadlineMs: positiveInt(values['deadline-ms'], '--deadline-ms') });
  try {
    if (!cases) {
      const pred = values.pred!;
      // A bare answer is checked as if the response had boxed it.
      const response = /\\(?:boxed|fbox)(?![a-zA-Z])/.test(pred) ? pred : `\\boxed{${pred}}`;
      const result = await pool.verify({ kind: 'math', answer: values.gold! }, response);
      console.log(JSON.stringify(result));
      return result.reward === 1 ? 0 : 1;
    }
    const verdicts: CaseVerdict[] = await Promise.all(cases.map((c) => pool.compare(c.gold, c.pred, c.options)));
    const disagreements = cases.flatMap((c, index) => {
      const expected = c.expected ?? true;
      const v = verdicts[index];
      if (v.equal === expected) return [];
      return [{ index, gold: c.gold, pred: c.pred, expected, got: v.equal, rule: v.rule, extractedGold: v.gold, extractedPred: v.pred, ...(v.message ? { message: v.message } : {}) }];
    });
    console.log(JSON.stringify({ total: cases.length, agree: cases.length - disagreements.length, disagreements }));
    return disagreements.length === 0 ? 0 : 1;
  } finally {
    await pool.close();
  }
}

export async function run(argv: string[]): Promise<number> {
  const [target, ...rest] = argv;
  if (target === 'math') return checkMath(rest);
  if (target === 'code') {
    const { runCheckCode } = await import('./check-code.js');
    return runCheckCode(rest);
  }
  if (target === undefined || target === '--help' || target === '-h') {
    console.log(USAGE);
    return target === undefined ? 2 : 0;
  }
  throw new Error(`unknown target '${target}' (expected 'math' or 'code'; see rlvr check --help)`);
}

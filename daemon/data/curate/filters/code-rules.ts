// Rule filters for code problems (RECIPE.md: strong tests and a working reference).
// Noisy code rewards hurt in both directions: a special-judge problem checked by exact
// output comparison gives false negatives; weak tests give false positives.
import type { IoTest } from '../../../../shared/verify.js';
import { mapLimit, ruleFilter, type Filter, type FilterContext } from '../filter.js';
import { verifyReference } from '../checks.js';
import { testCount, type Problem } from '../../records/record.js';

export const noTests = ruleFilter('no-tests', ['code'], 'no test cases', (p) => {
  if (!p.tests) return 'no tests';
  if (Array.isArray(p.tests)) return p.tests.length === 0 ? 'no tests (empty test list)' : null;
  return testCount(p) === 0 ? 'no tests (the check block holds no assert)' : null;
});

const INTERACTIVE = /\binteractive (?:problem|task)\b|\bthis is an interactive\b|\binteraction (?:protocol|format)\b|\bflush(?:es|ing)? (?:the )?(?:output|buffer|stdout)\b|\bfflush\b|\bstdout\.flush\b|System\.out\.flush/i;

export const interactive = ruleFilter('interactive', ['code'], 'interactive: needs a live judge', (p) => {
  const m = p.prompt.match(INTERACTIVE);
  return m ? `interactive problem ('${m[0]}')` : null;
});

const SPECIAL_JUDGE = /\bif there are (?:several|multiple|many|more than one) (?:possible |valid |correct |optimal )?(?:answers|solutions|outputs)\b|\b(?:print|output|return) any (?:of them|one of them|valid|correct|such|possible)\b|\bany of them\b|\bspecial judge\b|\b(?:absolute|relative) (?:or (?:absolute|relative) )?error\b|\bin any order\b/i;

// With stdin/stdout or call tests the verifier compares output exactly, so a problem that
// accepts many answers (or a tolerance) needs a checker we do not have. Assert-style
// checks (`check(candidate)`) are themselves the checker, so they are not judged here.
export const specialJudge = ruleFilter('special-judge', ['code'], 'several correct outputs or a tolerance: exact comparison fails', (p) => {
  if (!Array.isArray(p.tests)) return null;
  const m = p.prompt.match(SPECIAL_JUDGE);
  return m ? `accepts several outputs or a tolerance ('${m[0]}'): needs a special judge` : null;
});

const TRIVIAL_OUTPUT = /^(?:|0|1|-1|yes|no|true|false|none|null|\[\]|""|''|impossible|possible)$/i;

/** What every test expects, as strings; null when it cannot be read statically. */
function expectedOutputs(p: Problem): { outputs: string[]; inputs: string[] } | null {
  if (!p.tests) return null;
  if (Array.isArray(p.tests)) {
    const tests = p.tests as IoTest[];
    return { outputs: tests.map((t) => t.output.trim()), inputs: tests.map((t) => t.input.trim()) };
  }
  const outputs: string[] = [];
  for (const line of p.tests.functional.split('\n')) {
    const a = line.match(/^\s*assert\s+(not\s+)?(.*?)\s*(?:,\s*['"].*)?$/);
    if (!a) continue;
    const eq = a[2].match(/^candidate\(.*\)\s*(==|is)\s*(.+)$/);
    if (eq) outputs.push(eq[2].trim());
    else if (/^candidate\(.*\)$/.test(a[2])) outputs.push(a[1] ? 'False' : 'True');
    else return null; // an assert we cannot read: the check may be anything
  }
  return { outputs, inputs: [] };
}

/**
 * Tests that a trivial program passes reward wrong programs (RECIPE.md: weak tests made
 * accuracy collapse). Judged without running anything: if every test expects the same
 * guessable output (or echoes its input), the program that prints (or returns) it passes.
 */
export const weakTests = ruleFilter('weak-tests', ['code'], 'a trivial program passes every test', (p) => {
  const e = expectedOutputs(p);
  if (!e || e.outputs.length === 0) return null;
  const first = e.outputs[0];
  const same = e.outputs.every((o) => o === first);
  if (same && first === '') return 'every expected output is empty: a program that prints nothing passes';
  // A guessable constant (0, -1, YES, [] ...) fools any test count; any other constant
  // takes a few tests agreeing on it to be a pattern rather than a coincidence.
  if (same && (TRIVIAL_OUTPUT.test(first) || e.outputs.length >= 3)) {
    const shown = first.length > 40 ? `${first.slice(0, 40)}...` : first;
    return `all ${e.outputs.length} tests expect '${shown}': a program that always outputs it passes`;
  }
  if (e.inputs.length === e.outputs.length && e.inputs.every((inp, i) => inp === e.outputs[i])) {
    return 'every expected output equals its input: a program that echoes passes';
  }
  return null;
});

/** What went wrong, in one line: the first failing test's verdict, expected and actual. */
export function failureSummary(r: Awaited<ReturnType<NonNullable<FilterContext['verify']>>>): string {
  if (r.details.kind !== 'code') return r.verdict;
  const tests = r.details.tests;
  const i = tests.findIndex((t) => t.verdict !== 'passed');
  if (i < 0) return `${r.verdict}${r.details.message ? `: ${r.details.message}` : ''}`;
  const t = tests[i];
  const clip = (s: string | undefined) => (s === undefined ? '' : JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}...` : s));
  let detail = `${t.verdict} on test ${i + 1} of ${tests.length}`;
  if (t.verdict === 'wrong_answer') detail += `: expected ${clip(t.expected)}, got ${clip(t.actual)}`;
  else if (t.stderrTail) detail += `: ${t.stderrTail.trim().split('\n').pop()}`;
  return detail;
}

/**
 * Runs the first reference solution against the problem's own tests in the sandbox.
 * A problem whose reference fails has broken tests (or a broken reference): either way
 * its reward cannot be trusted. Problems without a reference are kept and counted.
 */
export const referenceFails: Filter = {
  name: 'reference-fails',
  kinds: ['code'],
  description: 'the reference solution fails its own tests (sandbox)',
  async run(problems: readonly Problem[], ctx: FilterContext): Promise<(string | null)[]> {
    const verify = ctx.verify;
    if (!verify) {
      ctx.log?.('reference-fails: no verifier available, reference solutions not run');
      return problems.map(() => null);
    }
    return mapLimit(problems, ctx.concurrency ?? 2, async (p) => {
      const r = await verifyReference(p, verify);
      return r === null || r.reward === 1 ? null : `reference solution fails its own tests: ${failureSummary(r)}`;
    });
  },
};


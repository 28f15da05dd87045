// Test cases in the shapes datasets store them, read into the CodeTask shape: stdin/stdout
// or call tests ([{input, output}], TACO / APPS {inputs, outputs, fn_name}, CodeContests
// {input: [], output: []}, LiveCodeBench rows with testtype and metadata.func_name), or
// assert-style checks (LeetCode `check(candidate)`, HumanEval `test` + `entry_point`).
import type { FunctionalTests, IoTest } from '../../../shared/verify.js';

export type ParsedTests = { tests: IoTest[] | FunctionalTests; fn_name?: string } | { reason: string };

export function parseTests(v: unknown, rec: Record<string, unknown>): ParsedTests {
  if (v === undefined || v === null) return { tests: [] };
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === '') return { tests: [] };
    if (/^[[{]/.test(t)) {
      try {
        return parseTests(JSON.parse(t), rec);
      } catch (err) {
        return { reason: `tests: invalid JSON: ${(err as Error).message}` };
      }
    }
    if (/\bassert\b|def check\s*\(/.test(t)) {
      // HumanEval: `test` defines check(candidate); the entry point says what to pass it.
      const call = typeof rec.entry_point === 'string' && !/^check\(/m.test(t) ? `\n\ncheck(${rec.entry_point})\n` : '';
      return { tests: { functional: t + call } };
    }
    return { reason: 'tests: a string that is neither JSON nor assert-style checks' };
  }
  if (Array.isArray(v)) {
    const tests: IoTest[] = [];
    let fn: string | undefined;
    for (const [i, t] of v.entries()) {
      if (!t || typeof t !== 'object') return { reason: `tests[${i}]: expected {input, output}` };
      const o = t as Record<string, unknown>;
      if (!('input' in o) || !('output' in o)) return { reason: `tests[${i}]: expected {input, output}` };
      tests.push({ input: ioText(o.input), output: ioText(o.output) });
      const meta = o.metadata as Record<string, unknown> | undefined;
      if (typeof meta?.func_name === 'string') fn = meta.func_name;
    }
    return { tests, fn_name: fn };
  }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.functional === 'string') return { tests: { functional: o.functional } };
    // TACO / APPS {inputs, outputs, fn_name?}; CodeContests {input, output}.
    const ins = o.inputs ?? o.input;
    const outs = o.outputs ?? o.output;
    if (Array.isArray(ins) && Array.isArray(outs)) {
      if (ins.length !== outs.length) return { reason: `tests: ${ins.length} inputs but ${outs.length} outputs` };
      const fn = typeof o.fn_name === 'string' ? o.fn_name : undefined;
      const tests = ins.map((input, i) =>
        fn
          ? // Call-based: one JSON argument per line (the CodeTask convention).
            { input: Array.isArray(input) ? input.map((a) => JSON.stringify(a)).join('\n') : ioText(input), output: JSON.stringify(outs[i]) }
          : { input: ioText(input), output: ioText(outs[i]) },
      );
      return { tests, fn_name: fn };
    }
    return { reason: 'tests: unrecognised shape (expected [{input, output}], {inputs, outputs}, or {functional})' };
  }
  return { reason: `tests: unexpected ${typeof v}` };
}

function ioText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join('\n');
  return JSON.stringify(v);
}

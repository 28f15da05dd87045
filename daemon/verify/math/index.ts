// The math verifier: response -> last boxed answer -> normalised -> equivalent to the
// reference or not. Synchronous and pure; the pool (../pool.ts) runs it off the training
// thread under a deadline, because the CAS can take very long on pathological input.

import type { MathTask, VerifyResult } from '../../../shared/verify.js';
import { DEFAULT_COMPARE, type CompareOptions } from './compare.js';
import { compareParsed, equivalent, parseAnswerText } from './equivalent.js';
import { extractLastBoxed } from '../../../shared/boxed.js';
import { extractCandidates, type MatchType } from './mathverify.js';

export { extractLastBoxed, afterReasoning, findBoxes } from '../../../shared/boxed.js';
export { normalizeAnswer } from './normalize.js';
export { equivalent } from './equivalent.js';
export type { CompareOptions } from './compare.js';

export function verifyMath(task: MathTask, response: string, options: CompareOptions = DEFAULT_COMPARE): VerifyResult {
  const extracted = extractLastBoxed(response);
  if (extracted === null) {
    const normalizedGold = parseAnswerText(task.answer).text;
    return {
      reward: 0,
      verdict: 'no_answer',
      details: { kind: 'math', extracted: null, normalizedPred: null, normalizedGold, rule: 'no-boxed-answer' },
    };
  }
  try {
    const e = equivalent(task.answer, extracted, options);
    const details = {
      kind: 'math' as const,
      extracted,
      normalizedPred: e.normalizedPred,
      normalizedGold: e.normalizedGold,
      rule: e.rule,
      ...(e.message ? { message: e.message } : {}),
    };
    if (e.budgetExceeded) return { reward: 0, verdict: 'timeout', details };
    return { reward: e.equal ? 1 : 0, verdict: e.equal ? 'correct' : 'wrong', details };
  } catch (err) {
    return {
      reward: 0,
      verdict: 'verifier_error',
      details: { kind: 'math', extracted, normalizedPred: null, normalizedGold: task.answer, rule: 'error', message: (err as Error).message },
    };
  }
}

/** Options of a Math-Verify test case (`verify(parse(gold), parse(pred), ...)`). */
export interface MathVerifyOptions {
  /** Which extractors run on both strings: `latex`, `expr`, or both (the default). */
  match_types?: MatchType[] | string;
  precision?: number;
  strict?: boolean;
  allow_set_relation_comp?: boolean;
}

export interface CaseVerdict {
  equal: boolean;
  rule: string;
  gold: string[];
  pred: string[];
  message?: string;
}

/**
 * Math-Verify's case semantics: both strings are free text, answers are extracted from
 * each (boxed, "final answer is", last LaTeX span, last number), and the case is equal
 * when any reference candidate equals any predicted candidate.
 */
export function compareAnswers(gold: string, pred: string, options: MathVerifyOptions = {}): CaseVerdict {
  const types: MatchType[] = Array.isArray(options.match_types) ? options.match_types : ['latex', 'expr'];
  const o: CompareOptions = {
    precision: options.precision ?? DEFAULT_COMPARE.precision,
    strict: options.strict ?? DEFAULT_COMPARE.strict,
    allowSetRelation: options.allow_set_relation_comp ?? DEFAULT_COMPARE.allowSetRelation,
  };
  const gs = extractCandidates(gold, types);
  const ps = extractCandidates(pred, types);
  let rule = gs.length === 0 || ps.length === 0 ? 'no-answer' : 'shape';
  let message: string | undefined;
  for (const g of gs) {
    for (const p of ps) {
      if (g.fallback !== p.fallback) continue; // a raw string only matches a raw string
      if (g.fallback) {
        if (g.text === p.text) return { equal: true, rule: 'fallback-string', gold: gs.map((c) => c.text), pred: ps.map((c) => c.text) };
        continue;
      }
      const e = compareParsed(g.parsed!, p.parsed!, o);
      if (e.equal) return { equal: true, rule: e.rule, gold: gs.map((c) => c.text), pred: ps.map((c) => c.text) };
      rule = e.rule;
      message = e.message ?? message;
    }
  }
  return { equal: false, rule, gold: gs.map((c) => c.text), pred: ps.map((c) => c.text), ...(message ? { message } : {}) };
}

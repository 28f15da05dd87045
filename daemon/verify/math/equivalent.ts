// Two answer strings (already extracted) -> equal or not, with the normalised forms and
// the rule that decided, for MathDetails.

import { compareNodes, DEFAULT_COMPARE, type CompareOptions, type Decision } from './compare.js';
import { normalizeAnswer, type NormalizeOptions } from './normalize.js';
import { BudgetExceeded } from './rational.js';
import { parseAnswer, hasUnparsed, type Node } from './structure.js';

export interface Equivalence extends Decision {
  normalizedGold: string;
  normalizedPred: string;
  /** Exact arithmetic would exceed its budget: the caller reports a timeout (reward 0). */
  budgetExceeded?: boolean;
  message?: string;
}

export interface ParsedAnswer {
  text: string;
  percent: boolean;
  node: Node;
  /** Some leaf did not parse: only spelling can match it. */
  unparsed: boolean;
}

export function parseAnswerText(raw: string, options: NormalizeOptions = {}): ParsedAnswer {
  const n = normalizeAnswer(raw, options);
  const node = parseAnswer(n.text);
  return { text: n.text, percent: n.percent, node, unparsed: hasUnparsed(node) };
}

/** A percent answer is read as written and as a fraction of 100: `20\%` equals `20` and `0.2`. */
function percentVariants(a: ParsedAnswer): Node[] {
  if (a.node.t !== 'expr' || !a.node.s) return [a.node];
  const s = a.node.s;
  const scaled: Node = {
    t: 'expr',
    text: `\\frac{${a.node.text}}{100}`,
    s: { ...s, latex: `\\frac{${s.latex}}{100}`, json: ['Divide', s.json, 100] },
  };
  return [a.node, scaled];
}

export function compareParsed(gold: ParsedAnswer, pred: ParsedAnswer, options: CompareOptions = DEFAULT_COMPARE): Equivalence {
  const base = { normalizedGold: gold.text, normalizedPred: pred.text };
  if (gold.text === '' || pred.text === '') return { ...base, equal: false, rule: 'empty' };
  if (gold.text.replace(/\s/g, '') === pred.text.replace(/\s/g, '')) return { ...base, equal: true, rule: 'string' };
  try {
    let last: Decision = { equal: false, rule: 'shape' };
    // Only a side that alone carries `%` is also read as a fraction of 100.
    const golds = gold.percent && !pred.percent ? percentVariants(gold) : [gold.node];
    const preds = pred.percent && !gold.percent ? percentVariants(pred) : [pred.node];
    for (const g of golds) {
      for (const p of preds) {
        last = compareNodes(g, p, options);
        if (last.equal) return { ...base, ...last, rule: g !== gold.node || p !== pred.node ? `${last.rule}+percent` : last.rule };
      }
    }
    return { ...base, ...last };
  } catch (err) {
    if (err instanceof BudgetExceeded) return { ...base, equal: false, rule: 'budget', budgetExceeded: true, message: err.message };
    throw err;
  }
}

export function equivalent(goldRaw: string, predRaw: string, options: CompareOptions = DEFAULT_COMPARE): Equivalence {
  return compareParsed(parseAnswerText(goldRaw), parseAnswerText(predRaw), options);
}

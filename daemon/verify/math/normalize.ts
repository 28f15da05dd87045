// String-level clean-up of an extracted answer, before it is split into structure
// (lists, sets, intervals, relations) and its leaves are parsed by the CAS.
// Every rewrite here removes notation that changes how an answer looks, never what it means.

import { extractAllBoxed, findBoxes } from '../../../shared/boxed.js';

export interface Normalized {
  /** The cleaned answer: ASCII relations, no spacing macros, no units, no \text wrappers. */
  text: string;
  /** A trailing `%` (or "percent") was removed: the value may be read as x or x/100. */
  percent: boolean;
}

// Units and annotations that may trail a number; dropped only after a numeric-looking answer.
const UNIT_WORDS = [
  'cm', 'mm', 'km', 'm', 'meters?', 'metres?', 'centimeters?', 'kilometers?', 'inch(?:es)?', 'in', 'feet', 'foot', 'ft',
  'miles?', 'mph', 'yards?', 'units?', 'sq', 'square', 'cubic', 'degrees?', 'dollars?', 'cents?', 'yuan', 'euros?',
  'hours?', 'hrs?', 'minutes?', 'mins?', 'seconds?', 'secs?', 'days?', 'weeks?', 'months?', 'years?', 'kg', 'g', 'grams?',
  'pounds?', 'lbs?', 'ounces?', 'oz', 'liters?', 'litres?', 'ml', 'L', 'people', 'students?', 'ways', 'points?', 'times',
];
const UNIT_TAIL = new RegExp(`(?<=[\\d}.)])\\s*(?:(?:${UNIT_WORDS.join('|')})(?:\\^\\{?[23]\\}?)?\\s*)+(?=$|[,;]|\\\\?\\})`, 'g');

/** Wrappers whose argument is kept as plain text: `\text{cm}` -> `cm`. */
const TEXT_WRAPPERS = ['text', 'textbf', 'textit', 'textnormal', 'textrm', 'mbox', 'mathrm', 'mathbf', 'mathit', 'mathsf', 'boldsymbol', 'operatorname'];

/** Finds the `{...}` group starting at `open` (an index of `{`); returns the index after its `}` or -1. */
export function matchBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      i++; // an escaped brace does not count
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i + 1;
  }
  return -1;
}

/** `\text{...}` family: unwraps each; a word-only argument after math becomes a separator or is dropped (a unit). */
function unwrapText(s: string): string {
  const re = new RegExp(`\\\\(?:${TEXT_WRAPPERS.join('|')})\\s*\\{`, 'g');
  for (let guard = 0; guard < 200; guard++) {
    re.lastIndex = 0;
    const m = re.exec(s);
    if (!m) break;
    const open = m.index + m[0].length - 1;
    const end = matchBrace(s, open);
    if (end < 0) {
      s = s.slice(0, m.index) + s.slice(open + 1);
      continue;
    }
    const inner = s.slice(open + 1, end - 1);
    const before = s.slice(0, m.index).trim();
    const word = inner.trim();
    let replacement = inner;
    const whole = before === '' && s.slice(end).trim() === '';
    if (whole && /^[A-Za-z][A-Za-z\s.'-]+$/.test(word)) {
      // The whole answer is words (`\text{No}`, `\text{Evelyn}`): kept as text, not letters to multiply.
      s = `\\text{${word}}`;
      break;
    }
    if (/^(?:,?\s*(?:and|or))$/i.test(word)) replacement = ' , ';
    else if (/^[a-zA-Z][a-zA-Z\s.]*$/.test(word) && before !== '' && /[\d})\]]$/.test(before) && !/[=<>,]$/.test(before)) {
      // `15\text{ cm}`, `0.06 \text{ yuan}`: a unit after a quantity.
      replacement = ' ';
    } else if (/^\s*(?:,\s*)?(?:and|or)\b/i.test(inner) || /\b(?:and|or)\s*$/i.test(inner)) {
      // `\text{ for part (a) and }` between answers: what is left is a separator.
      replacement = ' , ';
    }
    let rest = s.slice(end);
    if (replacement === ' ') rest = rest.replace(/^\s*\^\s*\{?\s*[23]\s*\}?/, ''); // cm^2, m^3
    s = s.slice(0, m.index) + replacement + rest;
  }
  return s;
}

function stripOuterDelimiters(s: string): string {
  for (let guard = 0; guard < 10; guard++) {
    const t = s.trim();
    const pairs: [string, string][] = [['$$', '$$'], ['$', '$'], ['\\[', '\\]'], ['\\(', '\\)']];
    const p = pairs.find(([a, b]) => t.length >= a.length + b.length && t.startsWith(a) && t.endsWith(b));
    if (!p) return t;
    s = t.slice(p[0].length, t.length - p[1].length);
  }
  return s.trim();
}

export interface NormalizeOptions {
  /** `all`: every box counts (a LaTeX span holding several); `joined`: only boxes joined by a separator. */
  boxed?: 'all' | 'joined';
}

export function normalizeAnswer(raw: string, options: NormalizeOptions = {}): Normalized {
  let s = raw;
  // Escapes mangled on the way here: a form feed was `\f`, a doubled backslash before a
  // command (`\\frac`, `\\le`) comes from a string escaped twice.
  s = s.replace(/\f/g, '\\f');
  s = s.replace(/(?<!\\)\\\\(?=[a-zA-Z{}])/g, '\\');
  s = s.replace(/\\\\\s*$/, '');
  s = stripOuterDelimiters(s);
  if (/\\(?:boxed|fbox)\b/.test(s)) {
    const boxed = options.boxed === 'all' ? findBoxes(s).map((b) => b.content) : extractAllBoxed(s);
    if (boxed.length > 0) s = boxed.join(' , ');
  }
  s = s.replace(/\$/g, ' ');
  s = s.replace(/\\(?:displaystyle|textstyle|scriptstyle|limits|nolimits)(?![a-zA-Z])/g, '');
  s = s.replace(/\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|Biggl|Biggr|big|Big|bigg|Bigg)\s*(?=[()[\]|.]|\\[{}|]|\\[lr]?[vV]ert|\\langle|\\rangle)/g, '');
  s = s.replace(/\\[lr]?[vV]ert(?![a-zA-Z])/g, '|').replace(/\\mid(?![a-zA-Z])/g, '|');
  s = s.replace(/\\langle(?![a-zA-Z])/g, '(').replace(/\\rangle(?![a-zA-Z])/g, ')');
  s = s.replace(/\\(?:left|right)\./g, '');
  s = s.replace(/(\d),\\!\s*(?=\d{3}(?!\d))/g, '$1');
  s = s.replace(/\\!/g, '');
  s = s.replace(/(\d)\s*\{\s*,\s*\}\s*(?=\d)/g, '$1');
  s = s.replace(/(?<!\\)\\(?:,|;|:|>| |quad|qquad|enspace|thinspace|medspace|thickspace|hfill)/g, ' ').replace(/~/g, ' ');
  s = s.replace(/\\[dtc]frac(?![a-zA-Z])/g, '\\frac');
  // `\frac94`, `\frac3{3}`, `\frac{1}3`, `\sqrt3`: one-token arguments, braced for the parser.
  s = s.replace(/\\frac\s*(\d)\s*(\d)/g, '\\frac{$1}{$2}').replace(/\\frac\s*(\d)\s*\{/g, '\\frac{$1}{');
  s = s.replace(/\\frac\s*(\{[^{}]*\})\s*(\d)/g, '\\frac$1{$2}').replace(/\\sqrt\s*(\d)/g, '\\sqrt{$1}');
  s = s.replace(/\\(?:mathrm|mathit|operatorname)\s*\{\s*e\s*\}/g, 'e');
  s = unwrapText(s);

  // Degrees.
  s = s.replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ(?![a-zA-Z])|\\circ(?![a-zA-Z])|°|\\degree(?![a-zA-Z])/g, '');
  // Percent: remembered, then dropped.
  let percent = false;
  s = s.replace(/\\?%|\s*\b(?:percentage|percent|pct)(?![a-zA-Z])/gi, () => {
    percent = true;
    return '';
  });
  s = s.replace(/\\\$/g, '');

  // Relations to ASCII, so the structure layer splits on one spelling.
  s = s
    .replace(/\\(?:leq|le|leqslant|leqq)(?![a-zA-Z])|≤/g, '<=')
    .replace(/\\(?:geq|ge|geqslant|geqq)(?![a-zA-Z])|≥/g, '>=')
    .replace(/\\(?:neq|ne)(?![a-zA-Z])|≠|=\\not|\\not\s*=/g, '!=')
    .replace(/\\lt(?![a-zA-Z])/g, '<')
    .replace(/\\gt(?![a-zA-Z])/g, '>')
    .replace(/\\(?:approx|simeq)(?![a-zA-Z])|≈/g, '≈');
  s = s.replace(/\\(?:to|rightarrow|Rightarrow|implies|therefore)(?![a-zA-Z])/g, '=');
  s = s.replace(/\+\s*\\infty(?![a-zA-Z])/g, '\\infty');
  s = s.replace(/\\(?:emptyset|varnothing)(?![a-zA-Z])|∅/g, '\\{\\}');
  s = s.replace(/\\(?:dots|ldots|cdots)(?![a-zA-Z])/g, '');

  s = s.replace(/\s+/g, ' ').trim();
  const trimEnds = (x: string) => x.replace(/[.,;:\s]+$/, '').replace(/^[,;:\s]+/, '');
  s = trimEnds(s);
  // Whole-answer thousands separators: `7,425,000` (spaced ones only with `\!`, handled above).
  if (/^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(s)) s = s.replace(/,/g, '');
  // Units after a quantity; a leading `x \in` / `x =` stays for the structure layer to read.
  s = trimEnds(s.replace(UNIT_TAIL, '').trim());
  return { text: s, percent };
}

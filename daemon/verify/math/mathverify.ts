// Answer extraction from free text the way HuggingFace Math-Verify's parse() does it, for
// `rlvr check math --cases` and the agreement test: anchored patterns first ("final answer
// is ... I hope", then "final answer ... is", boxed, "answer:", "answer"), then any LaTeX
// span or number; within a priority the rightmost match that parses wins, and the first
// match's raw string is kept as a fallback candidate. Training rewards do not use this:
// they take the last \boxed{} only (extract.ts).

import { parseAnswerText, type ParsedAnswer } from './equivalent.js';
import { extractAllBoxed, findBoxes } from '../../../shared/boxed.js';

export type MatchType = 'latex' | 'expr';

export interface Candidate {
  /** The normalised answer (parsed) or the raw matched string (fallback). */
  text: string;
  fallback: boolean;
  parsed?: ParsedAnswer;
}

interface Match {
  start: number;
  end: number;
  priority: number;
  kind: MatchType;
  /** LaTeX spans of the match (several when joined by "and"/"or"/","). */
  parts: { text: string; percent: boolean; start: number; end: number }[];
  /** Expr matches: the number or expression text. */
  expr?: { text: string; percent: boolean; isNumber: boolean };
}

const PERCENT = String.raw`(?:\\?%|[Pp]ercentage|[Pp]ercent|[Pp]ct)`;
// One LaTeX span: display $$..$$ and \[..\] may span lines; inline $..$ and \(..\) may not.
const ENV = new RegExp(
  [
    String.raw`(?<!\\)\$\$((?:[^$]|\$(?!\$))+?)(?<!\\)\$\$`,
    String.raw`(?<!\\)\\\[((?:[^\\]|\\(?!\]))+?)(?<!\\)\\\]`,
    String.raw`(?<![\\\d])\$((?:\\[$]|[^\n$])+?)(?<!\\)\$`,
    String.raw`(?<!\\)\\\(((?:[^\\\n]|\\(?!\)))+?)(?<!\\)\\\)`,
    String.raw`(?<=\s)\[([^\n\][]+?)\](?=\s)`,
    String.raw`(-?\\frac\{-?\d+(?:[.,]\d+)?\}\{-?\d+(?:[.,]\d+)?\})`,
  ]
    .map((p) => `(?:${p})`)
    .join('|') + String.raw`(\s*${PERCENT})?`,
  'g',
);
const JOIN = /^\s*(?:,?and|,?or|,)\s*$/;

const NUMBER = String.raw`(?<!\d)(?:(-?[1-9]\d{0,2}(?:[ ,]\d{3})+)(\.\d+)?|(-?\d+)([.,]\d+)|(\.\d+)|(-?\d+))(\s*(?:%|[Pp]ercent|\s*[Pp]ercentage|\s*[Pp]ct))?`;
const OPS = String.raw`+\-*×/^()÷`;
const EXPR_CHARS = String.raw`[\d.\s${OPS}]`;
const EXPR = String.raw`(-?\(?-?\d${EXPR_CHARS}*[${OPS}]${EXPR_CHARS}+\)?)`;
const PREFIX = String.raw`(?:^|\s|=)(?:\*\*)?`;
const SUFFIX = String.raw`(?:\*\*)?(?:\.|,|:|\s|\)|\$|$)`;
const CURRENCY = String.raw`[$€£¥₹₽₪₩₫฿]`;
const EXPR_ANCHORED = new RegExp(`${PREFIX}${EXPR}${SUFFIX}`, 'g');
const NUMBER_ANCHORED = new RegExp(`${PREFIX}${CURRENCY}?${NUMBER}`, 'g');

function latexSpans(text: string): Match['parts'] {
  const spans: Match['parts'] = [];
  ENV.lastIndex = 0;
  for (let m = ENV.exec(text); m; m = ENV.exec(text)) {
    const content = m.slice(1, 7).find((g) => g !== undefined) ?? '';
    spans.push({ text: content, percent: m[7] !== undefined, start: m.index, end: m.index + m[0].length });
    if (m[0].length === 0) ENV.lastIndex++;
  }
  return spans;
}

/** Spans chained by and/or/commas (at most six), as the joined LaTeX pattern matches them. */
function chains(text: string, spans: Match['parts']): Match['parts'][] {
  const out: Match['parts'][] = [];
  let i = 0;
  while (i < spans.length) {
    const chain = [spans[i]];
    while (i + chain.length < spans.length && chain.length < 6) {
      const next = spans[i + chain.length];
      if (!JOIN.test(text.slice(chain[chain.length - 1].end, next.start))) break;
      chain.push(next);
    }
    out.push(chain);
    i += chain.length;
  }
  return out;
}

const FINAL_IS_HOPE_BEFORE = /final answer is:?\s*$/i;
const HOPE_AFTER = /^\.?\s?I hope/;
const FINAL_JUST_IS_BEFORE = /final answer[\s\S]{0,100}?\s+is:?\s*$/i;
const ANSWER_COLON_BEFORE = /answer:[\s\S]{0,50}?$/i;
const ANSWER_BEFORE = /answer[\s\S]{0,50}?$/i;

function anchorPriorities(text: string, start: number, end: number, allowSpaceAfterIs: boolean): number[] {
  const before = text.slice(Math.max(0, start - 220), start);
  const out: number[] = [];
  if (FINAL_IS_HOPE_BEFORE.test(before) && HOPE_AFTER.test(text.slice(end))) out.push(0);
  if (allowSpaceAfterIs ? FINAL_JUST_IS_BEFORE.test(before) : /final answer[\s\S]{0,100}?\s+is:?$/i.test(before)) out.push(50);
  if (ANSWER_COLON_BEFORE.test(before.slice(-60))) out.push(100);
  if (ANSWER_BEFORE.test(before.slice(-60))) out.push(200);
  return out;
}

function latexMatches(text: string): Match[] {
  const out: Match[] = [];
  for (const chain of chains(text, latexSpans(text))) {
    const start = chain[0].start;
    const end = chain[chain.length - 1].end;
    const boxed = chain.some((p) => /\\(?:boxed|fbox)(?![a-zA-Z])/.test(p.text)) ? [50] : [];
    for (const priority of [...anchorPriorities(text, start, end, true), ...boxed, 300]) out.push({ start, end, priority, kind: 'latex', parts: chain });
  }
  const boxes = findBoxes(text);
  if (boxes.length > 0) {
    const first = boxes[0].start;
    const last = boxes[boxes.length - 1].end;
    const joined = extractAllBoxed(text).join(' , ');
    out.push({ start: first, end: last, priority: 50, kind: 'latex', parts: [{ text: joined, percent: /^\s*\\?%/.test(text.slice(last)), start: first, end: last }] });
  }
  return out;
}

function exprMatches(text: string): Match[] {
  const out: Match[] = [];
  const add = (re: RegExp, isNumber: boolean) => {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      let body: string;
      let percent = false;
      if (isNumber) {
        const integer = (m[1] ?? m[3] ?? m[6] ?? '').replace(/[, ]/g, '');
        const decimal = (m[2] ?? m[4] ?? m[5] ?? '').replace(',', '.');
        const sign = integer.startsWith('-') ? '-' : '';
        const digits = integer.replace('-', '').replace(/^0+/, '');
        body = `${sign}${digits === '' ? '0' : digits}${decimal}`;
        percent = m[7] !== undefined;
      } else {
        body = m[1];
      }
      const start = m.index;
      const end = m.index + m[0].length;
      for (const priority of [...anchorPriorities(text, start, end, false), 300]) {
        out.push({ start, end, priority, kind: 'expr', parts: [], expr: { text: body, percent, isNumber } });
      }
      if (m[0].length === 0) re.lastIndex++;
    }
  };
  add(EXPR_ANCHORED, false);
  add(NUMBER_ANCHORED, true);
  return out;
}

function parseMatch(m: Match): { parsed: ParsedAnswer | null; text: string } {
  if (m.kind === 'expr') {
    const e = m.expr!;
    const src = e.text.replace(/×/g, '\\times ').replace(/÷/g, '/').replace(/\*/g, '\\cdot ').replace(/\n/g, ' ');
    const parsed = parseAnswerText(e.percent ? `${src}\\%` : src);
    return { parsed: parsed.unparsed || parsed.text === '' ? null : parsed, text: e.text };
  }
  const texts = m.parts.map((p) => (p.percent ? `${p.text}\\%` : p.text));
  const each = texts.map((t) => parseAnswerText(t, { boxed: 'all' }));
  const text = each.map((p) => p.text).join(' and ');
  if (each.some((p) => p.unparsed || p.text === '')) return { parsed: null, text };
  if (each.length === 1) return { parsed: each[0], text };
  return { parsed: parseAnswerText(each.map((p) => p.text).join(' , ')), text };
}

function overlaps(a: [number, number], b: [number, number]): boolean {
  return a[0] < b[1] && a[1] > b[0];
}

/** The candidates Math-Verify's parse() would return for `text` (parsed answer, then the raw fallback). */
export function extractCandidates(text: string, types: MatchType[]): Candidate[] {
  const all: Match[] = [];
  if (types.includes('latex')) all.push(...latexMatches(text));
  if (types.includes('expr')) all.push(...exprMatches(text));
  const priorities = [...new Set(all.map((m) => m.priority))].sort((a, b) => a - b);
  const failed: [number, number][] = [];
  let fallback: string | null = null;
  for (const priority of priorities) {
    const group = all.filter((m) => m.priority === priority).sort((a, b) => b.end - a.end || a.start - b.start);
    for (const m of group) {
      if (m.kind === 'expr' && failed.some((f) => overlaps([m.start, m.end], f))) continue;
      const { parsed, text: str } = parseMatch(m);
      if (fallback === null && str !== '') fallback = str;
      if (parsed) {
        const out: Candidate[] = [{ text: parsed.text, fallback: false, parsed }];
        if (fallback !== null) out.push({ text: fallback, fallback: true });
        return out;
      }
      if (m.kind === 'latex') failed.push([m.start, m.end]);
    }
  }
  return fallback !== null ? [{ text: fallback, fallback: true }] : [];
}

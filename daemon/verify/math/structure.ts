// The shape of an answer: a list, a set, a bracketed sequence (tuple or interval: the
// brackets are kept, so order and brackets matter), a union, a matrix, a relation, a
// piece of text, or one scalar expression for the CAS.

import { parseScalar, type Json, type Scalar } from './scalar.js';

export type RelOp = '=' | '<' | '<=' | '>' | '>=' | '!=' | 'in';

export type Node =
  | { t: 'expr'; text: string; s: Scalar | null }
  | { t: 'text'; text: string }
  | { t: 'list'; items: Node[] }
  | { t: 'set'; items: Node[]; plusMinus?: boolean }
  | { t: 'seq'; open: string; close: string; items: Node[] }
  | { t: 'union'; parts: Node[] }
  | { t: 'matrix'; rows: Node[][] }
  | { t: 'rel'; ops: RelOp[]; sides: Node[]; text: string };

const OPENERS = new Set(['(', '[', '{']);
const CLOSERS = new Set([')', ']', '}']);

/** Splits `s` at depth 0 wherever `at(s, i)` returns a separator length > 0. */
function splitTop(s: string, at: (s: string, i: number) => number): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      if (s[i + 1] === '{' || s[i + 1] === '}') {
        depth += s[i + 1] === '{' ? 1 : -1;
        i++;
        continue;
      }
      const cmd = /^\\[a-zA-Z]+/.exec(s.slice(i));
      if (cmd) {
        const len = depth === 0 ? at(s, i) : 0;
        if (len > 0) {
          parts.push(s.slice(start, i));
          start = i + len;
          i = start - 1;
          continue;
        }
        i += cmd[0].length - 1;
        continue;
      }
      i++;
      continue;
    }
    if (OPENERS.has(c)) depth++;
    else if (CLOSERS.has(c)) depth = Math.max(0, depth - 1);
    else if (depth === 0) {
      const len = at(s, i);
      if (len > 0) {
        parts.push(s.slice(start, i));
        start = i + len;
        i = start - 1;
      }
    }
  }
  parts.push(s.slice(start));
  return parts;
}

const LIST_SEP = (s: string, i: number): number => {
  const c = s[i];
  if (c === ',' || c === ';') return 1;
  const prev = i > 0 ? s[i - 1] : ' ';
  if (/[a-zA-Z\\]/.test(prev)) return 0;
  const m = /^(?:and|or)(?![a-zA-Z])/.exec(s.slice(i, i + 4));
  return m ? m[0].length : 0;
};

/** The outer bracket pair of `s` when it spans the whole string: `(1,2]`, `\{1,2\}`. */
function outerBrackets(s: string): { open: string; close: string; inner: string } | null {
  const open = s.startsWith('\\{') ? '\\{' : OPENERS.has(s[0]) ? s[0] : null;
  if (!open) return null;
  const close = s.endsWith('\\}') ? '\\}' : CLOSERS.has(s[s.length - 1]) ? s[s.length - 1] : null;
  if (!close || s.length < open.length + close.length) return null;
  const inner = s.slice(open.length, s.length - close.length);
  // The pair must enclose everything: no depth-0 point strictly inside.
  let depth = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '\\') {
      if (inner[i + 1] === '{') depth++;
      if (inner[i + 1] === '}') depth--;
      i++;
    } else if (OPENERS.has(c)) depth++;
    else if (CLOSERS.has(c)) depth--;
    if (depth < 0) return null;
  }
  return depth === 0 ? { open, close, inner } : null;
}

const MATRIX_ENV = /^\\begin\{(pmatrix|bmatrix|Bmatrix|vmatrix|matrix|smallmatrix|array)\}(\{[^{}]*\})?([\s\S]*?)\\end\{\1\}$/;

function parseMatrix(s: string): Node | null {
  const m = MATRIX_ENV.exec(s.trim());
  if (!m || m[3].includes('\\begin{')) return null; // several matrices: see matrixArithmetic
  const rows = m[3]
    .split(/\\\\/)
    .map((r) => r.trim())
    .filter((r) => r !== '' && r !== '\\hline');
  if (rows.length === 0) return null;
  return { t: 'matrix', rows: rows.map((r) => r.split('&').map((c) => parseItem(c.trim()))) };
}

const MATRIX_ANY = /\\begin\{(pmatrix|bmatrix|Bmatrix|vmatrix|matrix|smallmatrix|array)\}[\s\S]*?\\end\{\1\}/g;

type Matrix = Extract<Node, { t: 'matrix' }>;

function entry(n: Node): Scalar | null {
  return n.t === 'expr' ? n.s : null;
}

function combine(json: Json, parts: Scalar[]): Node {
  const s: Scalar = { latex: JSON.stringify(json), json, vars: [...new Set(parts.flatMap((p) => p.vars))].sort(), decimal: parts.some((p) => p.decimal) };
  return { t: 'expr', text: s.latex, s };
}

/** `A + B`, `A - B`, `A B`, `A \cdot B` for written-out matrices; null when not that shape or sizes clash. */
function matrixArithmetic(s: string): Node | null {
  const envs = [...s.matchAll(MATRIX_ANY)];
  if (envs.length < 2) return null;
  const ops: string[] = [];
  let pos = 0;
  for (const m of envs) {
    const between = s.slice(pos, m.index).trim();
    if (pos > 0) {
      if (!/^(?:\+|-|\\cdot|\\times|)$/.test(between)) return null;
      ops.push(between === '' || between === '\\cdot' || between === '\\times' ? '*' : between);
    } else if (between !== '') return null;
    pos = m.index! + m[0].length;
  }
  if (s.slice(pos).trim() !== '') return null;
  const mats = envs.map((m) => parseMatrix(m[0]));
  if (mats.some((m) => m === null || m.t !== 'matrix')) return null;
  let acc = mats[0] as Matrix;
  for (let k = 1; k < mats.length; k++) {
    const b = mats[k] as Matrix;
    const next = ops[k - 1] === '*' ? matMul(acc, b) : matAdd(acc, b, ops[k - 1] === '-');
    if (!next) return null;
    acc = next;
  }
  return acc;
}

function matAdd(a: Matrix, b: Matrix, minus: boolean): Matrix | null {
  if (a.rows.length !== b.rows.length || a.rows.some((r, i) => r.length !== b.rows[i].length)) return null;
  const rows: Node[][] = [];
  for (let i = 0; i < a.rows.length; i++) {
    const row: Node[] = [];
    for (let j = 0; j < a.rows[i].length; j++) {
      const x = entry(a.rows[i][j]);
      const y = entry(b.rows[i][j]);
      if (!x || !y) return null;
      row.push(combine([minus ? 'Subtract' : 'Add', x.json, y.json], [x, y]));
    }
    rows.push(row);
  }
  return { t: 'matrix', rows };
}

function matMul(a: Matrix, b: Matrix): Matrix | null {
  const n = b.rows.length;
  if (a.rows.some((r) => r.length !== n) || n === 0) return null;
  const cols = b.rows[0].length;
  const rows: Node[][] = [];
  for (const r of a.rows) {
    const row: Node[] = [];
    for (let j = 0; j < cols; j++) {
      const terms: Json[] = [];
      const parts: Scalar[] = [];
      for (let k = 0; k < n; k++) {
        const x = entry(r[k]);
        const y = entry(b.rows[k][j]);
        if (!x || !y) return null;
        terms.push(['Multiply', x.json, y.json]);
        parts.push(x, y);
      }
      row.push(combine(['Add', ...terms], parts));
    }
    rows.push(row);
  }
  return { t: 'matrix', rows };
}

/** The left side of `x = 3`, `f(x) = 3`, `|AB| = 1`, `(p, q) = (3, 2)`: names only, no numbers or sums. */
export function isNameLike(text: string): boolean {
  const t = text.replace(/_\{[^{}]*\}|_[a-zA-Z0-9]/g, '').replace(/\\[a-zA-Z]+/g, (c) => (c === '\\frac' ? '' : 'a'));
  return /[a-zA-Z]/.test(t) && !/[\d+\-*=<>!]/.test(t);
}

const REL_AT = (s: string, i: number): number => {
  const two = s.slice(i, i + 2);
  if (two === '<=' || two === '>=' || two === '!=') return 2;
  if (s.startsWith('\\in', i) && !/[a-zA-Z]/.test(s[i + 3] ?? '')) return 3;
  const c = s[i];
  return c === '<' || c === '>' || c === '=' || c === '≈' ? 1 : 0;
};

function relOpAt(s: string, i: number): RelOp | '≈' {
  const two = s.slice(i, i + 2);
  if (two === '<=' || two === '>=' || two === '!=') return two;
  if (s.startsWith('\\in', i)) return 'in';
  return s[i] as RelOp;
}

function isConstant(n: Node): boolean {
  return n.t === 'expr' && n.s !== null && n.s.vars.length === 0;
}

function parseRelation(s: string): Node | null {
  const rawOps: (RelOp | '≈')[] = [];
  let sides = splitTop(s, (str, i) => {
    const len = REL_AT(str, i);
    if (len > 0) rawOps.push(relOpAt(str, i));
    return len;
  }).map((x) => x.trim());
  if (sides.length < 2 || sides.some((x) => x === '')) return null;
  // `x \approx 11` states a value; `1/3 \approx 0.33` adds a rounding that is not the answer.
  const ops: RelOp[] = [];
  for (let k = 0; k < rawOps.length; k++) {
    const op = rawOps[k];
    if (op !== '≈') {
      ops.push(op);
      continue;
    }
    if (isNameLike(sides[k])) ops.push('=');
    else {
      sides = sides.slice(0, k + 1);
      break;
    }
  }
  if (sides.length === 1) return parseItem(sides[0]);
  const nodes = sides.map(parseItem);
  // `\frac{1}{2} = \frac{10}{9}`: a chain of constants answers with its last member.
  if (ops.every((o) => o === '=') && nodes.every(isConstant)) return nodes[nodes.length - 1];
  // `x = 5 + 5 + 1 = 7 = 11`: a chain of equalities answers with its last member.
  if (sides.length > 2 && ops.every((o) => o === '=')) {
    const last = nodes[nodes.length - 1];
    return isNameLike(sides[0]) ? { t: 'rel', ops: ['='], sides: [nodes[0], last], text: s } : last;
  }
  return { t: 'rel', ops, sides: nodes, text: s };
}

/** Expands `a \pm b` into its two values; null when there is no top-level ±. */
function expandPlusMinus(s: string): string[] | null {
  const m = /\\(pm|mp)(?![a-zA-Z])/.exec(s);
  if (!m) return null;
  const head = s.slice(0, m.index);
  const tail = s.slice(m.index + m[0].length);
  const [first, second] = m[1] === 'pm' ? ['+', '-'] : ['-', '+'];
  const out: string[] = [];
  for (const sign of [first, second]) {
    const v = `${head}${sign}${tail}`;
    out.push(...(expandPlusMinus(v) ?? [v]));
  }
  return out.slice(0, 16);
}

export function parseItem(raw: string): Node {
  let s = raw.trim();
  if (s === '') return { t: 'text', text: '' };
  const outer = outerBrackets(s);
  const matrix = parseMatrix(s) ?? (outer && (outer.open === '(' || outer.open === '[') ? parseMatrix(outer.inner) : null);
  if (matrix) return matrix;
  const product = matrixArithmetic(s);
  if (product) return product;
  const rel = parseRelation(s);
  if (rel) return rel;
  const unionParts = splitTop(s, (str, i) => (str.startsWith('\\cup', i) ? 4 : 0));
  if (unionParts.length > 1) return { t: 'union', parts: unionParts.map(parseItem) };
  const br = outerBrackets(s);
  if (br) {
    const items = splitTop(br.inner, LIST_SEP).map((x) => x.trim());
    if (br.open === '\\{') return { t: 'set', items: flattenPlusMinus(items.filter((x) => x !== '').map(parseItem)) };
    if (br.open === '{' && br.close === '}') return parseAnswer(br.inner); // TeX grouping, not a set
    if (items.length >= 2) return { t: 'seq', open: br.open, close: br.close, items: items.map(parseItem) };
    if (br.open === '{' || (br.open === '(' && br.close === ')')) return parseItem(br.inner);
  }
  const pm = expandPlusMinus(s);
  if (pm) return { t: 'set', items: pm.map(parseItem), plusMinus: true };
  const ratio = splitTop(s, (str, i) => (str[i] === ':' ? 1 : 0));
  if (ratio.length === 2 && ratio.every((x) => x.trim() !== '')) s = `\\frac{${ratio[0].trim()}}{${ratio[1].trim()}}`;
  const text = /^\\text\{([^{}]*)\}$/.exec(s);
  if (text) return { t: 'text', text: text[1].trim() };
  if (/^[a-zA-Z][a-zA-Z ]{2,}$/.test(s) && /[a-zA-Z]{4,}/.test(s)) return { t: 'text', text: s };
  return { t: 'expr', text: s, s: parseScalar(s) };
}

/** The whole answer: a bare list when it has separators at the top level, else one item. */
export function parseAnswer(text: string): Node {
  const semis = splitTop(text, (s, i) => (s[i] === ';' ? 1 : 0));
  if (semis.length > 1) {
    // `p=5,q=2; p=7,q=2`: each group of assignments is one tuple of values.
    const groups = semis.map((g) => g.trim()).filter((g) => g !== '');
    return { t: 'list', items: groups.map((g) => parseAnswer(g)).map(assignmentsAsTuple) };
  }
  const items = splitTop(text, LIST_SEP)
    .map((x) => x.trim())
    .filter((x) => x !== '');
  if (items.length === 0) return { t: 'text', text: '' };
  if (items.length === 1) return parseItem(items[0]);
  return { t: 'list', items: flattenPlusMinus(items.map(parseItem)) };
}

/** `\\{1 \\pm \\sqrt{5}, -2\\}` holds three values, not a set inside a set. */
function flattenPlusMinus(items: Node[]): Node[] {
  return items.flatMap((n) => (n.t === 'set' && n.plusMinus ? n.items : [n]));
}

function assignmentsAsTuple(n: Node): Node {
  if (n.t !== 'list' || !n.items.every((x) => x.t === 'rel' && x.ops.length === 1 && x.ops[0] === '=')) return n;
  return { t: 'seq', open: '(', close: ')', items: n.items.map((x) => (x as Extract<Node, { t: 'rel' }>).sides[1]) };
}

/** A leaf that did not parse: the answer cannot be judged beyond its spelling. */
export function hasUnparsed(n: Node): boolean {
  switch (n.t) {
    case 'expr':
      return n.s === null;
    case 'text':
      return false;
    case 'list':
    case 'set':
    case 'seq':
      return n.items.some(hasUnparsed);
    case 'union':
      return n.parts.some(hasUnparsed);
    case 'matrix':
      return n.rows.some((r) => r.some(hasUnparsed));
    case 'rel':
      return n.sides.some(hasUnparsed);
  }
}

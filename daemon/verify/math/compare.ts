// Equivalence of two parsed answers. Order of evidence: identical spelling, exact
// rationals (BigInt), decimals rounded to `precision` places, floats with a relative
// tolerance, random-point identity testing for expressions with variables, and last the
// CAS's own canonical form / simplifier for what the evaluators cannot read.

import * as R from './rational.js';
import { ce, exactValue, numericValue, quietly, type Json, type Scalar } from './scalar.js';
import { isNameLike, type Node, type RelOp } from './structure.js';

export interface CompareOptions {
  /** Decimal places a decimal answer is rounded to before comparing (Math-Verify's float_rounding). */
  precision: number;
  /** Variable names must match (f(x) != f(y)). */
  strict: boolean;
  /** Allow a predicted relation to match a reference set/interval (`x >= 2` vs `[2, \infty)`). */
  allowSetRelation: boolean;
}

export const DEFAULT_COMPARE: CompareOptions = { precision: 6, strict: true, allowSetRelation: false };

export interface Decision {
  equal: boolean;
  rule: string;
}

const yes = (rule: string): Decision => ({ equal: true, rule });
const no = (rule: string): Decision => ({ equal: false, rule });

/** Relative tolerance for irrational values, applied only after exact comparison could not decide. */
const REL_TOL = 1e-9;
const IDENTITY_POINTS = 8;

function sameVars(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function rename(s: Scalar, from: string[], to: string[]): Scalar {
  const map = new Map(from.map((v, i) => [v, to[i]]));
  const walk = (j: Json): Json => {
    if (typeof j === 'string') return map.get(j) ?? j;
    if (Array.isArray(j)) return j.map((x) => walk(x as Json));
    return j;
  };
  return { ...s, json: walk(s.json), vars: [...to].sort() };
}

function closeFloat(a: number, b: number): boolean {
  if (a === b) return true;
  return Math.abs(a - b) <= REL_TOL * Math.max(Math.abs(a), Math.abs(b));
}

function roundFloat(x: number, places: number): number {
  return Number(x.toFixed(Math.min(places, 20)));
}

// A fixed sequence of evaluation points (no Math.random: verdicts are reproducible). The
// later points are small integers, for variables that bound a sum or index a sequence.
function points(vars: string[], k: number): Map<string, number> {
  const env = new Map<string, number>();
  const integral = k >= IDENTITY_POINTS / 2;
  // Non-integer points alternate in sign, so x and |x| (or sqrt(x^2)) are told apart.
  const sign = (n: number) => (n % 2 === 0 ? 1 : -1);
  vars.forEach((v, i) => {
    if (v.startsWith('fn:')) env.set(v, 0.37 + ((k * 31 + i * 17) % 11) / 7);
    else if (integral) env.set(v, 2 + ((k * 3 + i * 5) % 7));
    else env.set(v, sign(k + i) * (0.31 + ((k * 7919 + i * 104729) % 997) / 523));
  });
  return env;
}

export function compareScalars(a: Scalar, b: Scalar, o: CompareOptions): Decision {
  if (a.latex.replace(/\s/g, '') === b.latex.replace(/\s/g, '')) return yes('string');
  const decimal = a.decimal || b.decimal;
  const qa = exactValue(a);
  const qb = exactValue(b);
  if (qa && qb) {
    if (R.eq(qa, qb)) return yes(R.isInt(qa) && R.isInt(qb) ? 'exact-integer' : 'exact-rational');
    if (!decimal) return no(R.isInt(qa) && R.isInt(qb) ? 'exact-integer' : 'exact-rational');
    return R.eq(R.roundTo(qa, o.precision), R.roundTo(qb, o.precision)) ? yes('decimal-rounding') : no('decimal-rounding');
  }
  const complex = complexEqual(a, b, o);
  if (complex) return complex;
  if (!sameVars(a.vars, b.vars)) {
    if (o.strict || a.vars.length !== b.vars.length) return no('variables');
    b = rename(b, b.vars, a.vars);
  }
  if (a.vars.length === 0) {
    const va = numericValue(a);
    const vb = numericValue(b);
    if (Number.isFinite(va) && Number.isFinite(vb)) {
      if (decimal) return roundFloat(va, o.precision) === roundFloat(vb, o.precision) ? yes('decimal-rounding') : no('decimal-rounding');
      return closeFloat(va, vb) ? yes('numeric') : no('numeric');
    }
    if (!Number.isNaN(va) && !Number.isNaN(vb)) return no('numeric'); // infinities spelled differently
  } else {
    let agree = 0;
    for (let k = 0; k < IDENTITY_POINTS; k++) {
      const env = points(a.vars, k);
      const va = numericValue(a, env);
      const vb = numericValue(b, env);
      if (Number.isNaN(va) && Number.isNaN(vb)) continue;
      if (!Number.isFinite(va) || !Number.isFinite(vb)) continue; // outside a domain, or beyond the evaluator
      const ok = decimal ? Math.abs(va - vb) <= Math.pow(10, -o.precision) * Math.max(1, Math.abs(va)) : closeFloat(va, vb) || Math.abs(va - vb) < 1e-12;
      if (!ok) return no('numeric-identity');
      agree++;
    }
    if (agree >= 3) return yes('numeric-identity');
  }
  return casEqual(a, b);
}

/**
 * Answers in the imaginary unit (`6 - 5i`, `(1+i)^2`, `\\sqrt{-4}`): the CAS evaluates both as
 * complex numbers. Null when this is not such a pair or the CAS cannot evaluate it.
 */
function complexEqual(a: Scalar, b: Scalar, o: CompareOptions): Decision | null {
  const vars = new Set([...a.vars, ...b.vars]);
  if (vars.size !== 1 || !vars.has('i')) return null;
  const value = (s: Scalar): [number, number] | null =>
    quietly(() => {
      try {
        const v = ce().box(s.json as never).N();
        const re = v.re;
        const im = v.im;
        return Number.isFinite(re) && Number.isFinite(im) ? [re, im] : null;
      } catch {
        return null;
      }
    });
  const va = value(a);
  const vb = value(b);
  if (!va || !vb) return null;
  const scale = Math.max(Math.hypot(...va), Math.hypot(...vb));
  const close = (x: number, y: number) =>
    a.decimal || b.decimal ? roundFloat(x, o.precision) === roundFloat(y, o.precision) : Math.abs(x - y) <= REL_TOL * scale;
  return close(va[0], vb[0]) && close(va[1], vb[1]) ? yes('complex') : no('complex');
}

/** The CAS decides what the evaluators could not read (sums, unknown functions). */
function casEqual(a: Scalar, b: Scalar): Decision {
  return quietly(() => {
    try {
      const ea = ce().box(a.json as never);
      const eb = ce().box(b.json as never);
      if (ea.isSame(eb)) return yes('cas-canonical');
      const diff = ce().box(['Subtract', a.json, b.json] as never).simplify();
      if (diff.is(0)) return yes('cas-symbolic');
    } catch {
      // The CAS could not read it either: not equal.
    }
    return no('cas-symbolic');
  });
}

type Rel = Extract<Node, { t: 'rel' }>;

function isAssignment(n: Node): boolean {
  return n.t === 'rel' && n.ops.length === 1 && (n.ops[0] === '=' || n.ops[0] === 'in') && isNameLike(nodeText(n.sides[0]));
}

export function nodeText(n: Node): string {
  switch (n.t) {
    case 'expr':
    case 'text':
      return n.text;
    case 'rel':
      return n.text;
    case 'list':
      return n.items.map(nodeText).join(', ');
    case 'set':
      return `\\{${n.items.map(nodeText).join(', ')}\\}`;
    case 'seq':
      return `${n.open}${n.items.map(nodeText).join(', ')}${n.close}`;
    case 'union':
      return n.parts.map(nodeText).join(' \\cup ');
    case 'matrix':
      return `\\begin{pmatrix}${n.rows.map((r) => r.map(nodeText).join(' & ')).join(' \\\\ ')}\\end{pmatrix}`;
  }
}

const INF = (neg: boolean): Node => {
  const text = neg ? '-\\infty' : '\\infty';
  return { t: 'expr', text, s: { latex: text, json: neg ? 'NegativeInfinity' : 'PositiveInfinity', vars: [], decimal: false } };
};

/** `x >= 2` -> `[2, \infty)`, `-2 <= x <= 7` -> `[-2, 7]`; null when the relation is not an interval. */
function relationAsInterval(r: Rel): Node | null {
  const lower = (op: RelOp) => op === '<' || op === '<=';
  const upper = (op: RelOp) => op === '>' || op === '>=';
  const strict = (op: RelOp) => op === '<' || op === '>';
  const abs = r.sides.length === 3 ? /^\|(.+)\|$/.exec(nodeText(r.sides[1]).trim()) : null;
  if (abs && isNameLike(abs[1]) && r.ops.every(lower)) {
    // a <= |x| <= b  ->  [-b, -a] U [a, b]
    const [lo, , hi] = r.sides;
    const nlo = negate(lo);
    const nhi = negate(hi);
    if (!nlo || !nhi) return null;
    const inner = (op: RelOp) => (strict(op) ? '(' : '[');
    const outer = (op: RelOp) => (strict(op) ? ')' : ']');
    return {
      t: 'union',
      parts: [
        { t: 'seq', open: inner(r.ops[1]), close: outer(r.ops[0]), items: [nhi, nlo] },
        { t: 'seq', open: inner(r.ops[0]), close: outer(r.ops[1]), items: [lo, hi] },
      ],
    };
  }
  if (r.sides.length === 3 && r.ops.every(lower) && isNameLike(nodeText(r.sides[1]))) {
    return { t: 'seq', open: strict(r.ops[0]) ? '(' : '[', close: strict(r.ops[1]) ? ')' : ']', items: [r.sides[0], r.sides[2]] };
  }
  if (r.sides.length === 3 && r.ops.every(upper) && isNameLike(nodeText(r.sides[1]))) {
    return { t: 'seq', open: strict(r.ops[1]) ? '(' : '[', close: strict(r.ops[0]) ? ')' : ']', items: [r.sides[2], r.sides[0]] };
  }
  if (r.sides.length !== 2 || !(lower(r.ops[0]) || upper(r.ops[0]))) return null;
  let [l, rhs] = r.sides;
  let op = r.ops[0];
  if (!isNameLike(nodeText(l)) && isNameLike(nodeText(rhs))) {
    [l, rhs] = [rhs, l];
    op = lower(op) ? (op === '<' ? '>' : '>=') : op === '>' ? '<' : '<=';
  }
  if (!isNameLike(nodeText(l))) return null;
  return lower(op)
    ? { t: 'seq', open: '(', close: strict(op) ? ')' : ']', items: [INF(true), rhs] }
    : { t: 'seq', open: strict(op) ? '(' : '[', close: ')', items: [rhs, INF(false)] };
}

function negate(n: Node): Node | null {
  const sc = scalarOf(n);
  if (!sc) return null;
  return { t: 'expr', text: `-(${sc.latex})`, s: { ...sc, latex: `-(${sc.latex})`, json: ['Negate', sc.json] } };
}

function scalarOf(n: Node): Scalar | null {
  return n.t === 'expr' ? n.s : null;
}

function difference(l: Node, r: Node): Scalar | null {
  const a = scalarOf(l);
  const b = scalarOf(r);
  if (!a || !b) return null;
  return {
    latex: `(${a.latex})-(${b.latex})`,
    json: ['Subtract', a.json, b.json],
    vars: [...new Set([...a.vars, ...b.vars])].sort(),
    decimal: a.decimal || b.decimal,
  };
}

/** f and g differ by a constant factor (positive when `positive`): the same equation or inequality. */
function proportional(f: Scalar, g: Scalar, positive: boolean): boolean {
  if (!sameVars(f.vars, g.vars) || f.vars.length === 0) return false;
  let ratio: number | null = null;
  let seen = 0;
  for (let k = 0; k < IDENTITY_POINTS; k++) {
    const env = points(f.vars, k);
    const vf = numericValue(f, env);
    const vg = numericValue(g, env);
    if (!Number.isFinite(vf) || !Number.isFinite(vg)) continue;
    if (vg === 0 || vf === 0) {
      if (vf !== vg) return false;
      continue;
    }
    const r = vf / vg;
    if (ratio === null) ratio = r;
    else if (!closeFloat(r, ratio) && Math.abs(r - ratio) > 1e-9) return false;
    seen++;
  }
  return ratio !== null && seen >= 3 && (!positive || ratio > 0);
}

function flip(op: RelOp): RelOp {
  return ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as Record<string, RelOp>)[op] ?? op;
}

function compareRelations(g: Rel, p: Rel, o: CompareOptions): Decision {
  if (g.ops.length === p.ops.length) {
    const same = g.ops.every((op, i) => op === p.ops[i]) && g.sides.every((s, i) => compareNodes(s, p.sides[i], o).equal);
    if (same) return yes('relation');
    const reversed = g.ops.every((op, i) => op === flip(p.ops[p.ops.length - 1 - i]));
    if (reversed && g.sides.every((s, i) => compareNodes(s, p.sides[p.sides.length - 1 - i], o).equal)) return yes('relation');
  }
  if (g.sides.length === 2 && p.sides.length === 2) {
    // Both as `f > 0` / `f >= 0` / `f = 0`, then f_gold = c * f_pred.
    const norm = (r: Rel): { op: RelOp; f: Scalar | null } => {
      const op = r.ops[0];
      if (op === '<' || op === '<=') return { op: flip(op), f: difference(r.sides[1], r.sides[0]) };
      return { op, f: difference(r.sides[0], r.sides[1]) };
    };
    const a = norm(g);
    const b = norm(p);
    if (a.op === b.op && a.f && b.f && proportional(a.f, b.f, a.op !== '=' && a.op !== '!=')) return yes('relation-proportional');
  }
  return no('relation');
}

/** Every item of one side matches a distinct item of the other (sizes after de-duplication). */
function unorderedEqual(xs: Node[], ys: Node[], o: CompareOptions): boolean {
  const dedup = (ns: Node[]) => ns.filter((n, i) => !ns.slice(0, i).some((m) => compareNodes(m, n, o).equal));
  const a = dedup(xs);
  const b = dedup(ys);
  if (a.length !== b.length) return false;
  const used = new Array<boolean>(b.length).fill(false);
  for (const x of a) {
    const k = b.findIndex((y, i) => !used[i] && compareNodes(x, y, o).equal);
    if (k < 0) return false;
    used[k] = true;
  }
  return true;
}

function orderedEqual(xs: Node[], ys: Node[], o: CompareOptions): boolean {
  return xs.length === ys.length && xs.every((x, i) => compareNodes(x, ys[i], o).equal);
}

export function compareNodes(g: Node, p: Node, o: CompareOptions): Decision {
  // Assignments answer with their value: `x = 3` vs `3`, `x \in [0, 1)` vs `[0, 1)`.
  if (g.t === 'rel' && isAssignment(g) && p.t !== 'rel') return compareNodes(g.sides[1], p, o);
  if (p.t === 'rel' && isAssignment(p) && g.t !== 'rel') return compareNodes(g, p.sides[1], o);
  if (g.t === 'rel' && p.t === 'rel') {
    if (g.ops[0] === 'in' && p.ops[0] !== 'in') return compareNodes(g.sides[1], p, o);
    if (p.ops[0] === 'in' && g.ops[0] !== 'in') return compareNodes(g, p.sides[1], o);
    return compareRelations(g, p, o);
  }
  // A reference relation may be answered by its set; the reverse only when allowed.
  if (g.t === 'rel' && (p.t === 'seq' || p.t === 'union' || p.t === 'set')) {
    const iv = relationAsInterval(g);
    return iv ? compareNodes(iv, p, o) : no('relation-set');
  }
  if (p.t === 'rel' && (g.t === 'seq' || g.t === 'union' || g.t === 'set')) {
    if (!o.allowSetRelation) return no('relation-set');
    const iv = relationAsInterval(p);
    return iv ? compareNodes(g, iv, o) : no('relation-set');
  }
  if (g.t === 'list' && p.t === 'list') return unorderedEqual(g.items, p.items, o) ? yes('set') : no('set');
  if ((g.t === 'set' || g.t === 'list') && (p.t === 'set' || p.t === 'list')) return unorderedEqual(g.items, p.items, o) ? yes('set') : no('set');
  if (g.t === 'list' && p.t === 'seq') return orderedEqual(g.items, p.items, o) ? yes('tuple') : no('tuple');
  if (g.t === 'seq' && p.t === 'list') return orderedEqual(g.items, p.items, o) ? yes('tuple') : no('tuple');
  // A list whose items are all the same value (`\boxed{840} ... \boxed{840}`) against a lone value.
  if ((g.t === 'list' || g.t === 'set') && p.t !== 'list' && p.t !== 'set') return g.items.length > 0 && g.items.every((x) => compareNodes(x, p, o).equal) ? yes('set') : no('shape');
  if ((p.t === 'list' || p.t === 'set') && g.t !== 'list' && g.t !== 'set') return p.items.length > 0 && p.items.every((x) => compareNodes(g, x, o).equal) ? yes('set') : no('shape');
  if (g.t === 'seq' && p.t === 'seq') {
    if (g.open !== p.open || g.close !== p.close) return no('interval-brackets');
    return orderedEqual(g.items, p.items, o) ? yes(g.items.length === 2 ? 'interval' : 'tuple') : no('tuple');
  }
  if (g.t === 'union' && p.t === 'union') return unorderedEqual(g.parts, p.parts, o) ? yes('union') : no('union');
  if (g.t === 'matrix' && p.t === 'matrix') {
    const same = g.rows.length === p.rows.length && g.rows.every((r, i) => orderedEqual(r, p.rows[i], o));
    return same ? yes('matrix') : no('matrix');
  }
  if (g.t === 'text' || p.t === 'text') {
    const norm = (s: string) => s.replace(/[\s(){}\\.]/g, '').toLowerCase();
    return norm(nodeText(g)) === norm(nodeText(p)) && norm(nodeText(g)) !== '' ? yes('text') : no('text');
  }
  if (g.t === 'expr' && p.t === 'expr') {
    if (g.text.replace(/\s/g, '') === p.text.replace(/\s/g, '')) return yes('string');
    if (!g.s || !p.s) return no('unparsed');
    return compareScalars(g.s, p.s, o);
  }
  return no('shape');
}

// One scalar expression: parsed by the CAS (@cortex-js/compute-engine) into MathJSON,
// then evaluated exactly (BigInt rationals) when it is rational, or as a float with its
// free variables bound, for the tolerance-based checks that come after exactness.

import { ComputeEngine } from '@cortex-js/compute-engine';
import * as R from './rational.js';
import type { Q } from './rational.js';

export type Json = number | string | { num: string } | Json[] | { [k: string]: unknown };

let engine: ComputeEngine | null = null;
/** One engine per thread; its first use costs ~200 ms (the parser's dictionaries). */
export function ce(): ComputeEngine {
  engine ??= new ComputeEngine();
  return engine;
}

/**
 * Runs a CAS call with its console output muted: on malformed input the engine logs its
 * internal errors (and we judge by the result), which would only be noise in the daemon's log.
 */
export function quietly<T>(fn: () => T): T {
  const { error, warn } = console;
  console.error = () => {};
  console.warn = () => {};
  try {
    return fn();
  } finally {
    console.error = error;
    console.warn = warn;
  }
}

export interface Scalar {
  latex: string;
  json: Json;
  /** Free variables (their MathJSON spelled as a string), sorted. */
  vars: string[];
  /** The source had a decimal point: compare with rounding, not exactly. */
  decimal: boolean;
}

const CONSTANTS = new Set(['Pi', 'ExponentialE', 'e', 'PositiveInfinity', 'NegativeInfinity', 'ComplexInfinity', 'Half', 'Nothing']);

/** Rewrites the CE's parser lacks: binomials. */
function prepareLatex(latex: string): string {
  let s = latex.replace(/\\[dt]?binom\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, '\\operatorname{binom}($1,$2)');
  s = s.replace(/\{([^{}]*)\\choose([^{}]*)\}/g, '\\operatorname{binom}($1,$2)');
  s = s.replace(/\\[dt]?binom\s*(\d)\s*(\d)/g, '\\operatorname{binom}($1,$2)');
  // `F_k F_{n-k}`: an unbraced subscript is one token (the parser would take `k F_{n-k}`).
  s = s.replace(/_\s*([a-zA-Z0-9])/g, '_{$1}');
  return s;
}

function hasError(j: Json): boolean {
  if (Array.isArray(j)) return j[0] === 'Error' || j.some((x) => hasError(x as Json));
  return false;
}

/** The scalar, or null when the CAS cannot read it (the caller falls back to string comparison). */
export function parseScalar(latex: string): Scalar | null {
  const src = prepareLatex(latex);
  if (src.trim() === '') return null;
  let json: Json;
  try {
    json = quietly(() => ce().parse(src, { canonical: false }).json as Json);
  } catch {
    return null;
  }
  if (hasError(json)) return null;
  if (Array.isArray(json) && (json[0] === 'Sequence' || json[0] === 'Tuple' || json[0] === 'List' || json[0] === 'Set')) return null;
  if (Array.isArray(json) && json[0] === 'Delimiter' && Array.isArray(json[1]) && json[1][0] === 'Sequence') return null;
  const vars = new Set<string>();
  collectVars(json, vars);
  return { latex, json, vars: [...vars].sort(), decimal: /\d\.\d|(?<!\d)\.\d|\d\.(?!\d)/.test(latex) };
}

function isVarNode(j: Json): boolean {
  return Array.isArray(j) && (j[0] === 'At' || j[0] === 'Subscript') && typeof j[1] === 'string' && !isIndexedFunction(j);
}

/** `F_{n-k-1}`: a subscript holding a variable is a function of it (a sequence term), not a name. */
function isIndexedFunction(j: Json): boolean {
  if (!Array.isArray(j) || (j[0] !== 'At' && j[0] !== 'Subscript') || typeof j[1] !== 'string' || j.length !== 3) return false;
  const vars = new Set<string>();
  collectVars(j[2] as Json, vars);
  return vars.size > 0;
}

/** A fixed smooth function per name, keyed by its variable `fn:NAME`, for identity testing. */
function sequenceTerm(key: number, x: number): number {
  return Math.sin(1.7 * x + key) * (1 + key) + 0.5 * x;
}

function symbolName(j: Json): string | null {
  if (typeof j === 'string') {
    if (j.startsWith("'")) return null; // a string literal
    return CONSTANTS.has(j) ? null : j;
  }
  if (isVarNode(j)) return JSON.stringify(j);
  return null;
}

/** `["Sum", body, ["Tuple", k, lo, hi]]`: the index k is bound, not free. */
function bigOperator(j: Json): { body: Json; index: string; lo: Json; hi: Json } | null {
  if (!Array.isArray(j) || (j[0] !== 'Sum' && j[0] !== 'Product') || j.length !== 3) return null;
  const lim = j[2] as Json;
  if (!Array.isArray(lim) || lim[0] !== 'Tuple' || lim.length !== 4 || typeof lim[1] !== 'string') return null;
  return { body: j[1] as Json, index: lim[1], lo: lim[2] as Json, hi: lim[3] as Json };
}

function collectVars(j: Json, out: Set<string>): void {
  const big = bigOperator(j);
  if (big) {
    const inner = new Set<string>();
    collectVars(big.body, inner);
    inner.delete(big.index);
    collectVars(big.lo, inner);
    collectVars(big.hi, inner);
    for (const v of inner) out.add(v);
    return;
  }
  if (Array.isArray(j) && applicationArgs(j, 'binom')) {
    for (const a of applicationArgs(j, 'binom')!) collectVars(a, out);
    return;
  }
  if (isIndexedFunction(j)) {
    out.add(`fn:${(j as Json[])[1]}`);
    collectVars((j as Json[])[2] as Json, out);
    return;
  }
  const name = symbolName(j);
  if (name !== null) {
    out.add(name);
    return;
  }
  if (Array.isArray(j)) {
    const head = j[0];
    for (let k = typeof head === 'string' ? 1 : 0; k < j.length; k++) collectVars(j[k] as Json, out);
  }
}

function numberText(j: Json): string | null {
  if (typeof j === 'number') return Number.isFinite(j) ? String(j) : null;
  if (j && typeof j === 'object' && !Array.isArray(j) && typeof (j as { num?: unknown }).num === 'string') {
    return (j as { num: string }).num.replace(/[()]/g, '');
  }
  return null;
}

function isIntLiteral(j: Json): boolean {
  const t = numberText(j);
  return t !== null && /^\d+$/.test(t);
}

function args(j: Json[]): Json[] {
  return j.slice(1) as Json[];
}

/** Mixed numbers: `2\frac{1}{2}` is 2 + 1/2, as in school answers. */
function isMixedNumber(j: Json[]): boolean {
  const a = args(j);
  if (a.length !== 2 || !isIntLiteral(a[0])) return false;
  const f = a[1];
  return Array.isArray(f) && f[0] === 'Divide' && isIntLiteral(f[1] as Json) && isIntLiteral(f[2] as Json);
}

/** Function applications written as `binom(a, b)`: InvisibleOperator("binom", Delimiter(Sequence(a, b))). */
function applicationArgs(j: Json[], name: string): Json[] | null {
  const a = args(j);
  if (a.length !== 2 || a[0] !== name) return null;
  const d = a[1];
  if (!Array.isArray(d) || d[0] !== 'Delimiter') return null;
  const inner = d[1] as Json;
  return Array.isArray(inner) && inner[0] === 'Sequence' ? args(inner) : [inner];
}

/** Sums and products are expanded term by term up to this many terms (larger ones go to the CAS). */
const MAX_TERMS_EXACT = 2000n;
const MAX_TERMS_FLOAT = 100000;

function substitute(j: Json, name: string, value: number): Json {
  if (j === name) return value;
  if (Array.isArray(j)) return j.map((x) => substitute(x as Json, name, value));
  return j;
}

class NotExact extends Error {}
const notExact = (): never => {
  throw new NotExact();
};

function exact(j: Json): Q {
  const t = numberText(j);
  if (t !== null) return R.fromDecimal(t) ?? notExact();
  if (!Array.isArray(j)) return j === 'Half' ? R.q(1n, 2n) : notExact();
  const head = j[0];
  const a = args(j);
  switch (head) {
    case 'Rational':
    case 'Divide': {
      const den = exact(a[1]);
      if (den.n === 0n) return notExact();
      return R.div(exact(a[0]), den);
    }
    case 'Add':
      return a.map(exact).reduce(R.add, R.ZERO);
    case 'Subtract':
      return a.length === 1 ? R.neg(exact(a[0])) : R.sub(exact(a[0]), exact(a[1]));
    case 'Negate':
      return R.neg(exact(a[0]));
    case 'Multiply':
      return a.map(exact).reduce(R.mul, R.ONE);
    case 'InvisibleOperator': {
      if (isMixedNumber(j)) return R.add(exact(a[0]), exact(a[1]));
      const b = applicationArgs(j, 'binom');
      if (b && b.length === 2) return exactBinomial(exact(b[0]), exact(b[1]));
      return a.map(exact).reduce(R.mul, R.ONE);
    }
    case 'Delimiter':
      return a.length >= 1 && !(Array.isArray(a[0]) && a[0][0] === 'Sequence') ? exact(a[0]) : notExact();
    case 'Square':
      return R.pow(exact(a[0]), 2n);
    case 'Power':
      return exactPower(exact(a[0]), exact(a[1]));
    case 'Sqrt':
      return exactPower(exact(a[0]), R.q(1n, 2n));
    case 'Root': {
      const k = exact(a[1]);
      if (!R.isInt(k) || k.n <= 0n) return notExact();
      return exactPower(exact(a[0]), R.q(1n, k.n));
    }
    case 'Factorial': {
      const n = exact(a[0]);
      if (!R.isInt(n) || n.n < 0n) return notExact();
      return R.q(R.factorial(n.n));
    }
    case 'Abs': {
      const v = exact(a[0]);
      return v.n < 0n ? R.neg(v) : v;
    }
    case 'Sum':
    case 'Product': {
      const big = bigOperator(j);
      if (!big) return notExact();
      const lo = exact(big.lo);
      const hi = exact(big.hi);
      if (!R.isInt(lo) || !R.isInt(hi) || hi.n - lo.n > MAX_TERMS_EXACT) return notExact();
      let acc = head === 'Sum' ? R.ZERO : R.ONE;
      for (let k = lo.n; k <= hi.n; k++) {
        const term = exact(substitute(big.body, big.index, Number(k)));
        acc = head === 'Sum' ? R.add(acc, term) : R.mul(acc, term);
      }
      return acc;
    }
    default:
      return notExact();
  }
}

function exactBinomial(n: Q, k: Q): Q {
  if (!R.isInt(n) || !R.isInt(k) || n.n < 0n) return notExact();
  return R.q(R.binomial(n.n, k.n));
}

/** base^e exactly: integer e, or a rational e when the root is exact (4^{1/2} = 2, 8^{2/3} = 4). */
function exactPower(base: Q, e: Q): Q {
  if (R.isInt(e)) return R.pow(base, e.n);
  if (e.d > 64n) return notExact();
  const k = Number(e.d);
  const rn = R.intRoot(base.n, k);
  const rd = R.intRoot(base.d, k);
  if (rn === null || rd === null) return notExact();
  return R.pow(R.q(rn, rd), e.n);
}

/** The exact rational value, or null when the expression is not a rational constant. */
export function exactValue(s: Scalar): Q | null {
  if (s.vars.length > 0) return null;
  try {
    return exact(s.json);
  } catch (err) {
    if (err instanceof NotExact || err instanceof RangeError) return null;
    throw err; // BudgetExceeded propagates: the caller reports it
  }
}

// ---- floats ----

class NotNumeric extends Error {}
const notNumeric = (): never => {
  throw new NotNumeric();
};

const UNARY: Record<string, (x: number) => number> = {
  Sin: Math.sin,
  Cos: Math.cos,
  Tan: Math.tan,
  Sec: (x) => 1 / Math.cos(x),
  Csc: (x) => 1 / Math.sin(x),
  Cot: (x) => 1 / Math.tan(x),
  Arcsin: Math.asin,
  Arccos: Math.acos,
  Arctan: Math.atan,
  Sinh: Math.sinh,
  Cosh: Math.cosh,
  Tanh: Math.tanh,
  Ln: Math.log,
  Lb: Math.log2,
  Lg: Math.log10,
  Exp: Math.exp,
  Sqrt: Math.sqrt,
  Abs: Math.abs,
  Negate: (x) => -x,
  Square: (x) => x * x,
  Floor: Math.floor,
  Ceil: Math.ceil,
  Degrees: (x) => (x * Math.PI) / 180,
};

function gammaInt(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 170) return notNumeric();
  let r = 1;
  for (let i = 2; i <= n; i++) r *= i;
  return r;
}

function num(j: Json, env: Map<string, number>): number {
  const t = numberText(j);
  if (t !== null) return Number(t);
  if (typeof j === 'string') {
    if (j === 'Pi') return Math.PI;
    if (j === 'ExponentialE' || j === 'e') return Math.E;
    if (j === 'PositiveInfinity') return Infinity;
    if (j === 'NegativeInfinity') return -Infinity;
    if (j === 'Half') return 0.5;
    return env.get(j) ?? notNumeric();
  }
  if (!Array.isArray(j)) return notNumeric();
  if (isVarNode(j)) return env.get(JSON.stringify(j)) ?? notNumeric();
  if (isIndexedFunction(j)) return sequenceTerm(env.get(`fn:${j[1]}`) ?? notNumeric(), num(j[2] as Json, env));
  const head = j[0];
  const a = args(j);
  if (typeof head === 'string' && UNARY[head] && a.length === 1) return UNARY[head](num(a[0], env));
  switch (head) {
    case 'Add':
      return a.reduce((s: number, x) => s + num(x, env), 0);
    case 'Subtract':
      return a.length === 1 ? -num(a[0], env) : num(a[0], env) - num(a[1], env);
    case 'Multiply':
      return a.reduce((s: number, x) => s * num(x, env), 1);
    case 'InvisibleOperator': {
      if (isMixedNumber(j)) return num(a[0], env) + num(a[1], env);
      const b = applicationArgs(j, 'binom');
      if (b && b.length === 2) {
        const n = num(b[0], env);
        const k = num(b[1], env);
        return gammaInt(n) / (gammaInt(k) * gammaInt(n - k));
      }
      return a.reduce((s: number, x) => s * num(x, env), 1);
    }
    case 'Delimiter':
      return a.length >= 1 && !(Array.isArray(a[0]) && a[0][0] === 'Sequence') ? num(a[0], env) : notNumeric();
    case 'Divide':
    case 'Rational':
      return num(a[0], env) / num(a[1], env);
    case 'Power':
      return Math.pow(num(a[0], env), num(a[1], env));
    case 'Root':
      return Math.pow(num(a[0], env), 1 / num(a[1], env));
    case 'Log':
      return a.length === 2 ? Math.log(num(a[0], env)) / Math.log(num(a[1], env)) : Math.log10(num(a[0], env));
    case 'Factorial':
      return gammaInt(num(a[0], env));
    case 'Sum':
    case 'Product': {
      const big = bigOperator(j);
      if (!big) return notNumeric();
      const lo = num(big.lo, env);
      const hi = num(big.hi, env);
      if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi - lo > MAX_TERMS_FLOAT) return notNumeric();
      let acc = head === 'Sum' ? 0 : 1;
      const inner = new Map(env);
      for (let k = lo; k <= hi; k++) {
        inner.set(big.index, k);
        const t = num(big.body, inner);
        acc = head === 'Sum' ? acc + t : acc * t;
      }
      return acc;
    }
    default:
      return notNumeric();
  }
}

/** The float value with `env` binding the free variables, or NaN when it cannot be evaluated. */
export function numericValue(s: Scalar, env: Map<string, number> = new Map()): number {
  try {
    return num(s.json, env);
  } catch (err) {
    if (err instanceof NotNumeric) return NaN;
    throw err;
  }
}

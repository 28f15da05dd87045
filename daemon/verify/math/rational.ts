// Exact rationals over BigInt: the comparison that decides before any float tolerance,
// so 1/2004! vs 1/2006! and two 18-digit integers one apart are never "equal".

/** Largest intermediate result, in bits, before exact arithmetic gives up (100000! has ~1.5M bits). */
export const BIT_BUDGET = 1 << 20;

/** Thrown when an exact result would exceed BIT_BUDGET: the check is too expensive to decide. */
export class BudgetExceeded extends Error {
  constructor(what: string) {
    super(`exact arithmetic budget exceeded: ${what} needs more than ${BIT_BUDGET} bits`);
  }
}

export interface Q {
  n: bigint;
  /** Always > 0, and gcd(n, d) = 1. */
  d: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export function bitLength(x: bigint): number {
  if (x < 0n) x = -x;
  return x === 0n ? 0 : x.toString(16).length * 4;
}

export function q(n: bigint, d: bigint = 1n): Q {
  if (d === 0n) throw new RangeError('division by zero');
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = gcd(n, d);
  return g === 1n ? { n, d } : { n: n / g, d: d / g };
}

export const ZERO = q(0n);
export const ONE = q(1n);

export const add = (a: Q, b: Q): Q => q(a.n * b.d + b.n * a.d, a.d * b.d);
export const sub = (a: Q, b: Q): Q => q(a.n * b.d - b.n * a.d, a.d * b.d);
export const mul = (a: Q, b: Q): Q => q(a.n * b.n, a.d * b.d);
export const div = (a: Q, b: Q): Q => q(a.n * b.d, a.d * b.n);
export const neg = (a: Q): Q => ({ n: -a.n, d: a.d });
export const eq = (a: Q, b: Q): boolean => a.n === b.n && a.d === b.d;
export const isInt = (a: Q): boolean => a.d === 1n;

function powInt(base: bigint, e: bigint): bigint {
  if (bitLength(base) * Number(e) > BIT_BUDGET) throw new BudgetExceeded(`${base}^${e}`);
  return base ** e;
}

/** a^e for an integer e (exact); throws BudgetExceeded when the result is too large. */
export function pow(a: Q, e: bigint): Q {
  if (e === 0n) return ONE;
  if (a.n === 0n) {
    if (e < 0n) throw new RangeError('division by zero');
    return ZERO;
  }
  if ((a.n === 1n || a.n === -1n) && a.d === 1n) return q(e % 2n === 0n ? 1n : a.n);
  const k = e < 0n ? -e : e;
  if (k > BigInt(BIT_BUDGET)) throw new BudgetExceeded(`power with exponent ${e}`);
  const r = q(powInt(a.n, k), powInt(a.d, k));
  return e < 0n ? div(ONE, r) : r;
}

/** The exact integer k-th root of x, or null when x is not a perfect k-th power. */
export function intRoot(x: bigint, k: number): bigint | null {
  if (x < 0n) {
    if (k % 2 === 0) return null;
    const r = intRoot(-x, k);
    return r === null ? null : -r;
  }
  if (x < 2n) return x;
  // Newton from a float estimate, then settle exactly.
  let r = BigInt(Math.floor(Math.pow(Number(x), 1 / k)));
  if (!Number.isFinite(Math.pow(Number(x), 1 / k))) r = 1n << BigInt(Math.ceil(bitLength(x) / k));
  const K = BigInt(k);
  for (let i = 0; i < 200; i++) {
    const next = ((K - 1n) * r + x / (r === 0n ? 1n : r ** (K - 1n))) / K;
    if (next >= r && i > 0) break;
    if (next === r) break;
    r = next <= 0n ? 1n : next;
  }
  for (const c of [r - 1n, r, r + 1n]) if (c >= 0n && c ** K === x) return c;
  return null;
}

export function factorial(n: bigint): bigint {
  if (n < 0n) throw new RangeError('factorial of a negative number');
  // log2(n!) ~ n log2 n: refuse before spending the time.
  const N = Number(n);
  if (N > 2 && N * Math.log2(N) > BIT_BUDGET) throw new BudgetExceeded(`${n}!`);
  let r = 1n;
  for (let i = 2n; i <= n; i++) r *= i;
  return r;
}

export function binomial(n: bigint, k: bigint): bigint {
  if (k < 0n || k > n) return 0n;
  if (k > n - k) k = n - k;
  if (Number(k) * Math.log2(Math.max(2, Number(n))) > BIT_BUDGET) throw new BudgetExceeded(`binomial(${n}, ${k})`);
  let r = 1n;
  for (let i = 1n; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** A decimal literal as an exact rational: "0.0833" -> 833/10000, "1e5" -> 100000. */
export function fromDecimal(text: string): Q | null {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const digits = BigInt((m[2] || '0') + (m[3] ?? ''));
  let exp = -(m[3] ?? '').length + Number(m[4] ?? 0);
  if (Math.abs(exp) * 3.33 > BIT_BUDGET) throw new BudgetExceeded(`decimal ${text}`);
  let r = exp >= 0 ? q(digits * 10n ** BigInt(exp)) : q(digits, 10n ** BigInt(-exp));
  if (m[1] === '-') r = neg(r);
  return r;
}

export function toNumber(a: Q): number {
  const bn = bitLength(a.n);
  const bd = bitLength(a.d);
  if (bn < 1000 && bd < 1000) return Number(a.n) / Number(a.d);
  // Scale both to ~60 bits so huge numerators/denominators still give a float ratio.
  const shiftN = Math.max(0, bn - 60);
  const shiftD = Math.max(0, bd - 60);
  const n = Number(a.n >> BigInt(shiftN)) * (a.n < 0n && shiftN > 0 ? 1 : 1);
  const d = Number(a.d >> BigInt(shiftD));
  return (n / d) * Math.pow(2, shiftN - shiftD);
}

/** Rounds to `places` decimals (half away from zero), exactly. */
export function roundTo(a: Q, places: number): Q {
  const scale = 10n ** BigInt(places);
  const scaled = a.n * scale;
  const sign = scaled < 0n ? -1n : 1n;
  const abs = scaled < 0n ? -scaled : scaled;
  const r = (abs * 2n + a.d) / (2n * a.d);
  return q(sign * r, scale);
}

export function toString(a: Q): string {
  return a.d === 1n ? a.n.toString() : `${a.n}/${a.d}`;
}

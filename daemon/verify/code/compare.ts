// Output comparison for stdin/stdout tests, as LiveCodeBench does it: both sides stripped,
// compared line by line (each line stripped); a line that differs as text may still match
// token by token as numbers. Integers compare exactly (big ones too); only tokens with a
// fraction or exponent get a tolerance, so 10^18 and 10^18+1 stay different.

export const DEFAULT_FLOAT_TOLERANCE = 1e-9;

export type OutputComparison = { equal: true } | { equal: false; line: number; reason: string };

function lines(text: string): string[] {
  return text.trim().split('\n').map((l) => l.trim());
}

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function tokensEqual(expected: string, actual: string, tolerance: number): boolean {
  if (expected === actual) return true;
  if (INTEGER.test(expected) && INTEGER.test(actual)) {
    return BigInt(expected.replace(/^\+/, '')) === BigInt(actual.replace(/^\+/, ''));
  }
  if (!NUMBER.test(expected) || !NUMBER.test(actual)) return false;
  const e = Number(expected);
  const a = Number(actual);
  return Math.abs(e - a) <= tolerance * Math.max(1, Math.abs(e), Math.abs(a));
}

function lineEqual(expected: string, actual: string, tolerance: number): boolean {
  if (expected === actual) return true;
  const e = expected.split(/\s+/);
  const a = actual.split(/\s+/);
  return e.length === a.length && e.every((tok, i) => tokensEqual(tok, a[i], tolerance));
}

export function compareOutput(expected: string, actual: string, tolerance = DEFAULT_FLOAT_TOLERANCE): OutputComparison {
  const e = lines(expected);
  const a = lines(actual);
  const n = Math.min(e.length, a.length);
  for (let i = 0; i < n; i++) {
    if (!lineEqual(e[i], a[i], tolerance)) return { equal: false, line: i + 1, reason: 'line differs' };
  }
  if (e.length !== a.length) {
    return { equal: false, line: n + 1, reason: `expected ${e.length} lines, got ${a.length}` };
  }
  return { equal: true };
}

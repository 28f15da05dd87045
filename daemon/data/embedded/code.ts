// Small Python tasks for a character-level policy: a function `f` (call-based tests) or a
// stdin program, answered in one ```python block. Five rungs:
//   1  f(x) = x +-* K                   4  f linear, given f(0) and f(1): slope by subtraction
//   2  f(x) = x +- a +- b (fold a+-b)   5  f linear, given f(1) and f(2): slope and intercept
//   3  stdin: read n, print n*a*b+-c (fold a*b)
// Only rung 1 is pure copying: rungs 2-5 need the arithmetic the math stages train (worked
// in a # comment), so code accuracy is not just copying the prompt, and math RL can move it
// (the paper's cross-domain finding, measured in daemon/assets/warmstart/README.md).
import type { CodeTask, IoTest } from '../../../shared/verify.js';
import type { Draft } from './types.js';
import type { Rng } from '../../util/random.js';

export const CODE_LEVELS = 5;

function fence(lines: string[]): string {
  return ['```python', ...lines, '```'].join('\n');
}

/** `3*x+4`, `-2*x-5`, `x` for slope 1. */
function linearExpr(slope: number, intercept: number): string {
  const s = slope === 1 ? 'x' : slope === -1 ? '-x' : `${slope}*x`;
  return intercept === 0 ? s : `${s}${intercept < 0 ? '-' : '+'}${Math.abs(intercept)}`;
}

function callTests(fn: (...args: number[]) => number, argSets: number[][]): IoTest[] {
  return argSets.map((args) => ({ input: args.map((a) => JSON.stringify(a)).join('\n'), output: JSON.stringify(fn(...args)) }));
}

function callTask(fn: (...args: number[]) => number, argSets: number[][]): CodeTask {
  return { kind: 'code', fn_name: 'f', tests: callTests(fn, argSets) };
}

function inputs(rng: Rng, n: number, arity: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: arity }, () => rng.int(-20, 20)));
}

const ONE_OP = [
  { words: 'x plus', expr: 'x+', fn: (x: number, k: number) => x + k },
  { words: 'x minus', expr: 'x-', fn: (x: number, k: number) => x - k },
  { words: 'x times', expr: 'x*', fn: (x: number, k: number) => x * k },
] as const;

function oneOperation(rng: Rng): Draft {
  const k = rng.int(1, 60);
  const op = rng.pick(ONE_OP);
  return {
    level: 1,
    prompt: `Write f(x): ${op.words} ${k}.`,
    solution: fence(['def f(x):', `    return ${op.expr}${k}`]),
    task: callTask((x) => op.fn(x, k), inputs(rng, 4, 1)),
  };
}

const WORD = { '+': 'plus', '-': 'minus' } as const;

/** f(x) = x +- a +- b: the constant is worked out in a comment first (math rung 1's facts). */
function foldedConstant(rng: Rng): Draft {
  const [a, b] = [rng.int(1, 9), rng.int(1, 9)];
  const [o1, o2] = [rng.pick(['+', '-'] as const), rng.pick(['+', '-'] as const)];
  const k = (o1 === '+' ? a : -a) + (o2 === '+' ? b : -b);
  return {
    level: 2,
    prompt: `Write f(x): x ${WORD[o1]} ${a} ${WORD[o2]} ${b}.`,
    solution: fence([`# ${o1 === '-' ? '-' : ''}${a}${o2}${b}=${k}`, 'def f(x):', `    return ${linearExpr(1, k)}`]),
    task: callTask((x) => x + k, inputs(rng, 4, 1)),
  };
}

/** stdin: print n*a*b+-c, the product worked out first (math rung 3's facts). */
function stdinProgram(rng: Rng): Draft {
  const [a, b, c] = [rng.int(2, 9), rng.int(2, 9), rng.pick([-1, 1]) * rng.int(1, 9)];
  const p = a * b;
  const tests: IoTest[] = inputs(rng, 4, 1).map(([n]) => ({ input: `${n}\n`, output: `${n * p + c}\n` }));
  const [word, sign] = c < 0 ? ['minus', '-'] : ['plus', '+'];
  return {
    level: 3,
    prompt: `Read n; print n times ${a} times ${b} ${word} ${Math.abs(c)}.`,
    solution: fence([`# ${a}*${b}=${p}`, 'n=int(input())', `print(n*${p}${sign}${Math.abs(c)})`]),
    task: { kind: 'code', tests },
  };
}

/** f(x) = m*x + c, shown by two values; the comment works out m (and c) by subtraction. */
function linearFromValues(rng: Rng, fromOne: boolean): Draft {
  const m = rng.pick([-1, 1]) * rng.int(1, 9);
  const c = rng.int(-9, 9);
  const f = (x: number) => m * x + c;
  const [x0, x1] = fromOne ? [1, 2] : [0, 1];
  const [y0, y1] = [f(x0), f(x1)];
  const work = [`# m=${y1}${y0 < 0 ? '+' : '-'}${Math.abs(y0)}=${m}`];
  if (fromOne) work.push(`# c=${y0}${m < 0 ? '+' : '-'}${Math.abs(m)}=${c}`);
  return {
    level: fromOne ? 5 : 4,
    prompt: `f(${x0})=${y0}, f(${x1})=${y1}, f linear. Write f(x).`,
    solution: fence([...work, 'def f(x):', `    return ${linearExpr(m, c)}`]),
    task: callTask(f, inputs(rng, 4, 1)),
  };
}

export function codeDraft(rng: Rng, level: number): Draft {
  switch (level) {
    case 1:
      return oneOperation(rng);
    case 2:
      return foldedConstant(rng);
    case 3:
      return stdinProgram(rng);
    case 4:
      return linearFromValues(rng, false);
    default:
      return linearFromValues(rng, true);
  }
}

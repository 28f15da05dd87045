// Small Python tasks for a character-level policy: a function `f` (call-based tests) or a
// stdin program, answered in one ```python block. Five rungs:
//   1  f(x) = x +-* K                   4  f linear, given f(0) and f(1): slope by subtraction
//   2  f(x) = x*A+-B; max/min        5  f linear, given f(1) and f(2): slope and intercept
//   3  stdin: read n, print n*A+B
// Rungs 4-5 need the arithmetic the math stages train (worked in a # comment), which is where
// math RL can move code accuracy.
import type { CodeTask, IoTest } from '../../../shared/verify.js';
import type { Draft } from './types.js';
import type { Rng } from './rng.js';

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

function scaleOrPick(rng: Rng): Draft {
  if (rng.next() < 0.2) {
    const pick = rng.pick(['max', 'min'] as const);
    return {
      level: 2,
      prompt: `Write f(x,y): the ${pick === 'max' ? 'larger' : 'smaller'} of x and y.`,
      solution: fence(['def f(x,y):', `    return ${pick}(x,y)`]),
      task: callTask((x, y) => Math[pick](x, y), inputs(rng, 4, 2)),
    };
  }
  const [a, b] = [rng.int(2, 9), rng.pick([-1, 1]) * rng.int(1, 20)];
  return {
    level: 2,
    prompt: `Write f(x): x times ${a} ${b < 0 ? 'minus' : 'plus'} ${Math.abs(b)}.`,
    solution: fence(['def f(x):', `    return x*${a}${b < 0 ? '-' : '+'}${Math.abs(b)}`]),
    task: callTask((x) => x * a + b, inputs(rng, 4, 1)),
  };
}

function stdinProgram(rng: Rng): Draft {
  const [a, b] = [rng.int(2, 9), rng.pick([-1, 1]) * rng.int(1, 20)];
  const tests: IoTest[] = inputs(rng, 4, 1).map(([n]) => ({ input: `${n}\n`, output: `${n * a + b}\n` }));
  const [word, sign] = b < 0 ? ['minus', '-'] : ['plus', '+'];
  return {
    level: 3,
    prompt: `Read n; print n times ${a} ${word} ${Math.abs(b)}.`,
    solution: fence(['n=int(input())', `print(n*${a}${sign}${Math.abs(b)})`]),
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
      return scaleOrPick(rng);
    case 3:
      return stdinProgram(rng);
    case 4:
      return linearFromValues(rng, false);
    default:
      return linearFromValues(rng, true);
  }
}

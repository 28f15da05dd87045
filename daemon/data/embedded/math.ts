// Math problems for a character-level policy, sized for what a tiny model can learn from a
// few thousand examples (single-digit operands, so each fact recurs often): short prompts, a worked solution of one line
// per step, the answer in \boxed{} (an integer, possibly negative, or a fraction). Five rungs:
//   1  a+b / a-b                       3  a+b*c, a*b-c (precedence)   5  ax+b=c, fraction x
//   2  a+b-c (two steps, may go < 0)   4  ax+b=c, integer x
import type { Draft } from './types.js';
import type { Rng } from '../../util/random.js';

export const MATH_LEVELS = 5;

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

/** `+ 4` / `- 4` glued to what precedes it. */
function signed(n: number): string {
  return n < 0 ? `-${-n}` : `+${n}`;
}

function boxed(answer: string): string {
  return `\\boxed{${answer}}`;
}

function draft(level: number, prompt: string, steps: string[], answer: string): Draft {
  return { level, prompt, solution: [...steps, boxed(answer)].join('\n'), task: { kind: 'math', answer } };
}

function sumOrDifference(rng: Rng): Draft {
  const a = rng.int(0, 9);
  const b = rng.int(0, 9);
  const op = rng.pick(['+', '-']);
  const r = op === '+' ? a + b : a - b;
  return draft(1, `${a}${op}${b}=?`, [`${a}${op}${b}=${r}`], String(r));
}

function twoSteps(rng: Rng): Draft {
  const [a, b, c] = [rng.int(1, 9), rng.int(1, 9), rng.int(1, 9)];
  const [o1, o2] = [rng.pick(['+', '-']), rng.pick(['+', '-'])];
  const r1 = o1 === '+' ? a + b : a - b;
  const r2 = o2 === '+' ? r1 + c : r1 - c;
  return draft(2, `${a}${o1}${b}${o2}${c}=?`, [`${a}${o1}${b}=${r1}`, `${r1}${o2}${c}=${r2}`], String(r2));
}

function precedence(rng: Rng): Draft {
  const a = rng.int(1, 9);
  const [b, c] = [rng.int(2, 9), rng.int(2, 9)];
  const op = rng.pick(['+', '-']);
  const p = b * c;
  const r = op === '+' ? a + p : a - p;
  if (rng.next() < 0.5) return draft(3, `${a}${op}${b}*${c}=?`, [`${b}*${c}=${p}`, `${a}${op}${p}=${r}`], String(r));
  // a*b-c: the product comes first in the text too.
  const r2 = op === '+' ? p + a : p - a;
  return draft(3, `${b}*${c}${op}${a}=?`, [`${b}*${c}=${p}`, `${p}${op}${a}=${r2}`], String(r2));
}

/** ax+b=c: isolate ax, then divide. `frac` picks a non-integer, already-reduced x. */
function linear(rng: Rng, frac: boolean): Draft {
  const a = rng.int(2, 5);
  const b = rng.pick([-1, 1]) * rng.int(1, 9);
  let num: number;
  for (;;) {
    num = frac ? rng.int(-20, 20) : a * rng.int(-5, 5);
    if (!frac || (num % a !== 0 && gcd(num, a) === 1)) break;
  }
  const c = num + b;
  // Moving b across flips its sign: 3x+4=19 -> 3x=19-4.
  const steps = [`${a}x=${c}${signed(-b)}=${num}`];
  let answer: string;
  if (frac) {
    answer = `${num < 0 ? '-' : ''}\\frac{${Math.abs(num)}}{${a}}`;
    steps.push(`x=${answer}`);
  } else {
    answer = String(num / a);
    steps.push(`x=${num}/${a}=${answer}`);
  }
  return draft(frac ? 5 : 4, `${a}x${signed(b)}=${c}, x=?`, steps, answer);
}

export function mathDraft(rng: Rng, level: number): Draft {
  switch (level) {
    case 1:
      return sumOrDifference(rng);
    case 2:
      return twoSteps(rng);
    case 3:
      return precedence(rng);
    case 4:
      return linear(rng, false);
    default:
      return linear(rng, true);
  }
}

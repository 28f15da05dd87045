// The embedded default's datasets: seeded generators with disjoint train and held-out splits.
// A problem belongs to the held-out split when the hash of its prompt says so, whatever the
// seed, so no training draw can ever repeat an evaluation prompt.
import { codeDraft, CODE_LEVELS } from './code.js';
import { mathDraft, MATH_LEVELS } from './math.js';
import { combineSeeds, fnv1a, Rng } from '../../util/random.js';
import type { Draft, Problem, ProblemKind } from './types.js';

export type { Problem, ProblemKind } from './types.js';

export type Split = 'train' | 'heldout';

/** One prompt in four (by hash) is held out: the small rungs have only a few hundred prompts. */
const HELDOUT_MODULUS = 4;

export function isHeldOut(prompt: string): boolean {
  return fnv1a(prompt) % HELDOUT_MODULUS === 0;
}

const GENERATORS = {
  math: { draft: mathDraft, levels: MATH_LEVELS },
  code: { draft: codeDraft, levels: CODE_LEVELS },
} as const;

/**
 * `count` problems of one domain and split, levels in rotation (1, 2, ..., L, 1, ...) so every
 * rung is equally represented. Held-out problems are distinct; training draws may repeat.
 */
export function generateProblems(domain: ProblemKind, split: Split, count: number, seed = 0): Problem[] {
  const g = GENERATORS[domain];
  const rng = new Rng(combineSeeds(seed, domain === 'math' ? 1 : 2, split === 'train' ? 1 : 2));
  const seen = new Set<string>();
  const out: Problem[] = [];
  // Bounded: the small rungs have a few hundred held-out prompts, far more than any eval uses.
  for (let attempts = 0; out.length < count && attempts < count * 400; attempts++) {
    const level = (out.length % g.levels) + 1;
    const d = g.draft(rng, level);
    if (isHeldOut(d.prompt) !== (split === 'heldout')) continue;
    if (split === 'heldout') {
      if (seen.has(d.prompt)) continue;
      seen.add(d.prompt);
    }
    out.push(fromDraft(`${domain}:${split}:${out.length}`, `embedded:${domain}`, out.length + 1, d));
  }
  if (out.length < count) throw new Error(`embedded ${domain} ${split}: could only generate ${out.length} of ${count} problems`);
  return out;
}

/** The fixed evaluation set: the same problems for every run and seed. */
export function heldOutProblems(domain: ProblemKind, count: number): Problem[] {
  return generateProblems(domain, 'heldout', count, 0);
}

/** Training pool size per domain for `embedded:*` datasets. */
export const EMBEDDED_POOL_SIZE = 16384;

/** `embedded:math` | `embedded:code` | `embedded:mixed` (both, interleaved). */
export function embeddedTrainPool(name: string, seed: number): Problem[] | null {
  if (name === 'embedded:math' || name === 'embedded:code') {
    return generateProblems(name === 'embedded:math' ? 'math' : 'code', 'train', EMBEDDED_POOL_SIZE, seed);
  }
  if (name === 'embedded:mixed') {
    const m = generateProblems('math', 'train', EMBEDDED_POOL_SIZE, seed);
    const c = generateProblems('code', 'train', EMBEDDED_POOL_SIZE, seed);
    return m.flatMap((p, i) => [p, c[i]]);
  }
  return null;
}

/** A generator's draw as the shared Problem: the task's answer or tests become its fields. */
function fromDraft(id: string, file: string, line: number, d: Draft): Problem {
  const p: Problem = { id, kind: d.task.kind, prompt: d.prompt, solution: d.solution, level: d.level, source: { file, line } };
  if (d.task.kind === 'math') p.answer = d.task.answer;
  else {
    p.tests = d.task.tests;
    if (d.task.fn_name) p.fn_name = d.task.fn_name;
  }
  return p;
}

// Difficulty by the current policy (RECIPE.md: between-stage easy-prompt filtering, and
// the curation's pass-rate scoring): sample k responses per problem, verify each, keep
// the pass rate, and keep the problem when the rate lies in the configured range.
// By default never-solved (teaches nothing: every group has zero variance) and
// always-solved (too easy) problems go.
import { inPassRange } from '../../../../shared/curate.js';
import type { Filter, FilterContext } from '../filter.js';
import { passCount } from '../checks.js';
import type { Problem } from '../problem.js';

/** Draws k responses for one problem from the policy under test. */
export type SampleFn = (problem: Problem, k: number) => Promise<string[]>;

export interface DifficultyOptions {
  k: number;
  sample: SampleFn;
  /** Keep pass rates >= minPass (default: > 0, i.e. solved at least once). */
  minPass?: number;
  /** Keep pass rates <= maxPass (default: < 1, i.e. failed at least once). */
  maxPass?: number;
}

export interface DifficultyFilter extends Filter {
  /** Pass counts (0..k) of every problem scored, by id. */
  readonly passes: Map<string, number>;
  readonly k: number;
}

// In shared/: the report webview colours the histogram's kept bars with the same rule.
export { inPassRange };

export function difficulty(opts: DifficultyOptions): DifficultyFilter {
  const passes = new Map<string, number>();
  const range = `${opts.minPass === undefined ? '(0' : `[${opts.minPass}`}, ${opts.maxPass === undefined ? '1)' : `${opts.maxPass}]`}`;
  return {
    name: 'difficulty',
    kinds: ['math', 'code'],
    description: `pass rate over ${opts.k} samples outside ${range}`,
    passes,
    k: opts.k,
    async run(problems: readonly Problem[], ctx: FilterContext): Promise<(string | null)[]> {
      const verify = ctx.verify;
      if (!verify) throw new Error('difficulty filter: no verifier available to score the samples');
      const out: (string | null)[] = [];
      // One problem at a time: the policy batches its k samples itself.
      for (const p of problems) {
        const passed = await passCount(p, opts.k, opts.sample, verify);
        passes.set(p.id, passed);
        const rate = passed / opts.k;
        out.push(inPassRange(rate, opts.minPass, opts.maxPass) ? null : `pass rate ${passed}/${opts.k} outside ${range}`);
      }
      return out;
    },
  };
}

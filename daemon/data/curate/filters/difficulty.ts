// Difficulty by the current policy (RECIPE.md: between-stage easy-prompt filtering, and
// the curation's pass-rate scoring): sample k responses per problem, verify each, keep
// the pass rate, and keep the problem when the rate lies in the configured range.
// By default never-solved (teaches nothing: every group has zero variance) and
// always-solved (too easy) problems go. The measurement is engine/pass-rates.ts's.
import { inPassRange } from '../../../../shared/curate.js';
import { measurePassRates, responseRoom, verifyEach } from '../../../engine/pass-rates.js';
import type { LanguageModel } from '../../../model/language-model.js';
import type { Filter, FilterContext } from '../filter.js';
import { CURATE_TEMPERATURE, CURATE_TOP_P } from '../policy-sampler.js';
import type { Problem } from '../../records/record.js';

export interface DifficultyOptions {
  k: number;
  /** The policy under test. */
  policy: LanguageModel;
  /** Sampling seed (default 0). */
  seed?: number;
  /** Response budget (default: what the policy's context leaves after the longest prompt). */
  maxNewTokens?: number;
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
      if (problems.length === 0) return [];
      const room = responseRoom(opts.policy, problems);
      if (room < 1) {
        const p = problems.find((q) => responseRoom(opts.policy, [q]) < 1)!;
        throw new Error(`${p.source.file}:${p.source.line}: the prompt does not fit the policy's context (${opts.policy.contextLength} tokens)`);
      }
      // Curation's sampling settings: evaluation's temperature and top_p, the stated budget.
      const measured = await measurePassRates(opts.policy, verifyEach(verify), problems, opts.k, {
        maxNewTokens: Math.min(opts.maxNewTokens ?? room, room),
        temperature: CURATE_TEMPERATURE,
        topP: CURATE_TOP_P,
        seed: opts.seed ?? 0,
      });
      return measured.map((m) => {
        passes.set(m.problem.id, m.passed);
        if (inPassRange(m.passed / opts.k, opts.minPass, opts.maxPass)) return null;
        const failed = m.verifierFailed ? ` (verifier failed on ${m.verifierFailed}/${opts.k} samples)` : '';
        return `pass rate ${m.passed}/${opts.k} outside ${range}${failed}`;
      });
    },
  };
}

// A curation step: a named filter that gives, for every problem it sees, the reason it
// drops it (or null to keep it). The pipeline runs filters in order; each sees only
// what the earlier ones kept, so every dropped record names exactly one filter.
import type { VerifyResult, VerifyTask } from '../../../shared/verify.js';
import type { Problem, ProblemKind } from '../records/record.js';

/** The reward call the filters need (math answer check, code sandbox): daemon/verify's verify(). */
export type VerifyFn = (task: VerifyTask, response: string) => Promise<VerifyResult>;

export interface FilterContext {
  verify?: VerifyFn;
  /** The kinds verify can judge (undefined: all). */
  verifyKinds?: ProblemKind[];
  /** How many verifier calls may be in flight at once (the machine is shared: keep it small). */
  concurrency?: number;
  log?: (message: string) => void;
}

export interface Filter {
  readonly name: string;
  readonly kinds: readonly ProblemKind[];
  /** One line for the report table. */
  readonly description: string;
  run(problems: readonly Problem[], ctx: FilterContext): Promise<(string | null)[]>;
}

/** A filter that judges each problem on its own text, synchronously. */
export function ruleFilter(
  name: string,
  kinds: readonly ProblemKind[],
  description: string,
  check: (p: Problem) => string | null,
): Filter & { check: (p: Problem) => string | null } {
  return { name, kinds, description, check, run: async (problems) => problems.map(check) };
}

/** Runs fn over items with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

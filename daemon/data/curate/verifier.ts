// The verify() the curation filters call. daemon/verify/index.ts (math checker + code
// sandbox, worker pool) is loaded on demand so `rlvr curate` on a math-only dataset pays
// nothing for the sandbox; where only the math checker is built, code goes unverified.
import type { ProblemKind } from './problem.js';
import type { VerifyFn } from './filter.js';

export interface LoadedVerifier {
  verify: VerifyFn;
  /** The kinds this verifier can judge. */
  kinds: ProblemKind[];
  close(): Promise<void>;
}

interface VerifyModule {
  verify: VerifyFn;
  closeVerifiers?: () => Promise<void> | void;
}

function isMissing(err: unknown, spec: string): boolean {
  const e = err as NodeJS.ErrnoException;
  return e.code === 'ERR_MODULE_NOT_FOUND' && e.message.includes(spec.replace(/^(\.\.\/)+/, ''));
}

export async function loadVerifier(): Promise<LoadedVerifier> {
  const full = '../../verify/index.js';
  try {
    const mod = (await import(full)) as VerifyModule;
    return { verify: mod.verify, kinds: ['math', 'code'], close: async () => void (await mod.closeVerifiers?.()) };
  } catch (err) {
    if (!isMissing(err, full)) throw err;
  }
  const mathOnly = '../../verify/math/index.js';
  const mod = (await import(mathOnly)) as { verifyMath: (task: { kind: 'math'; answer: string }, response: string) => Awaited<ReturnType<VerifyFn>> };
  return {
    verify: async (task, response) => {
      if (task.kind !== 'math') throw new Error('the code sandbox is not available in this build');
      return mod.verifyMath(task, response);
    },
    kinds: ['math'],
    close: async () => {},
  };
}

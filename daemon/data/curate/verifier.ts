// The verify() the curation filters call: daemon/verify's single entry point (math in a
// worker pool with a deadline per call, code in the sandbox). Its pools start on first
// use, so curating a math-only set never starts the sandbox.
import { closeVerifiers, verify } from '../../verify/index.js';
import type { VerifyFn } from './filter.js';
import type { ProblemKind } from '../records/record.js';

export interface LoadedVerifier {
  verify: VerifyFn;
  /** The kinds this verifier can judge. */
  kinds: ProblemKind[];
  close(): Promise<void>;
}

export async function loadVerifier(): Promise<LoadedVerifier> {
  return { verify, kinds: ['math', 'code'], close: closeVerifiers };
}

// A verl row's ground truth (`gts` in its rollout dumps) back into our verifier's task: math,
// the answer; code, the tests JSON our reward module reads ({inputs, outputs, fn_name?} or
// {functional, fn_name?}). This is what "Verify problem" and the Test Explorer run on a
// rollout of a watched or imported verl run, whose run keeps no stage config.
import type { StageKind } from '../../shared/protocol.js';
import type { VerifyTask } from '../../shared/verify.js';
import { parseTests } from '../data/records/code-tests.js';

export function taskFromGroundTruth(gold: string, kind: StageKind): VerifyTask | null {
  if (kind === 'math') return gold.trim() ? { kind: 'math', answer: gold } : null;
  if (kind !== 'code') return null;
  let v: unknown;
  try {
    v = JSON.parse(gold);
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const parsed = parseTests(v, v as Record<string, unknown>);
  if ('reason' in parsed) return null;
  if (Array.isArray(parsed.tests) && parsed.tests.length === 0) return null;
  return { kind: 'code', tests: parsed.tests, ...(parsed.fn_name ? { fn_name: parsed.fn_name } : {}) };
}

// Messages between the math pool and its workers.

import type { MathTask, VerifyResult } from '../../shared/verify.js';
import type { CompareOptions } from './math/compare.js';
import type { CaseVerdict, MathVerifyOptions } from './math/index.js';

export type MathJob =
  | { id: number; op: 'verify'; task: MathTask; response: string; options?: CompareOptions }
  | { id: number; op: 'case'; gold: string; pred: string; options?: MathVerifyOptions };

export type MathJobResult =
  | { id: number; op: 'verify'; value: VerifyResult }
  | { id: number; op: 'case'; value: CaseVerdict }
  | { id: number; op: 'error'; message: string };

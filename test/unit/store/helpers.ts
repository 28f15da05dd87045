// Builders for store tests: a step's metrics and its rollouts, deterministic from (step, i).
import type { NewRollout } from '../../../daemon/engine/api.js';
import type { StepMetrics } from '../../../shared/protocol.js';
import type { VerifyResult } from '../../../shared/verify.js';

export function metrics(runId: string, stageIndex: number, step: number, globalStep = step, stage = `s${stageIndex}`): StepMetrics {
  return {
    runId,
    stage,
    stageIndex,
    step,
    globalStep,
    meanReward: 0.5,
    accuracy: 0.5,
    entropy: 0.3,
    meanResponseLength: 40,
    maxResponseLength: 64,
    truncatedShare: 0.25,
    zeroVarianceShare: 0,
    verifierFailureShare: 0,
    tokensPerSecond: 1000,
    sampleSeconds: 1,
    verifySeconds: 0.1,
    updateSeconds: 2,
    loss: -0.01 * step,
  };
}

export function codeVerify(pass: boolean): VerifyResult {
  return {
    reward: pass ? 1 : 0,
    verdict: pass ? 'passed' : 'wrong_answer',
    details: {
      kind: 'code',
      program: 'print(int(input()) * 2)',
      tests: [
        { verdict: 'passed', input: '1\n', expected: '2', actual: '2', wallMs: 12, cpuMs: 10, peakMemoryKb: 9000 },
        pass
          ? { verdict: 'passed', input: '2\n', expected: '4', actual: '4', wallMs: 11 }
          : { verdict: 'wrong_answer', input: '2\n', expected: '4', actual: '5', firstDiffLine: 1, stderrTail: '' },
      ],
    },
  };
}

/** `groups` problems x `g` samples; problem p passes on samples < p (so pass rates differ). */
export function rollouts(runId: string, stage: string, step: number, groups = 2, g = 4, kind: 'math' | 'code' = 'code'): NewRollout[] {
  const out: NewRollout[] = [];
  for (let p = 0; p < groups; p++) {
    for (let i = 0; i < g; i++) {
      const pass = i < p;
      out.push({
        runId,
        stage,
        step,
        problemId: `p${p}`,
        sampleIndex: i,
        kind,
        prompt: `problem ${p}`,
        response: `step ${step} sample ${i}`,
        gold: kind === 'code' ? '' : String(p),
        reward: pass ? 1 : 0,
        advantage: pass ? 1 : -1,
        verdict: kind === 'code' ? (pass ? 'passed' : 'wrong_answer') : pass ? 'correct' : 'wrong',
        extractedAnswer: kind === 'math' ? String(i) : null,
        promptTokens: 10,
        responseTokens: 20 + i,
        truncated: i === g - 1,
        verify: kind === 'code' ? codeVerify(pass) : null,
      });
    }
  }
  return out;
}

// A load generator that honours the engine contract (engine/api.ts) without a model: it
// writes `steps` steps of synthetic rollouts through the real RunSink and notifies exactly
// as the engine does (stepMetrics, then rollouts with their store ids). The server's load
// test and bench use it to measure fan-out and storage, not training.
import { Notifications, type StepMetrics } from '../../shared/protocol.js';
import type { NewRollout, RunCurriculumOptions, RunOutcome } from '../engine/api.js';

export interface StreamShape {
  steps: number;
  prompts: number;
  groupSize: number;
  /** Bytes of response text per rollout. */
  responseBytes: number;
}

export function syntheticStep(runId: string, step: number, s: StreamShape): { metrics: StepMetrics; rollouts: NewRollout[] } {
  const rollouts: NewRollout[] = [];
  for (let p = 0; p < s.prompts; p++) {
    for (let i = 0; i < s.groupSize; i++) {
      const pass = (p + i + step) % 3 === 0;
      rollouts.push({
        runId,
        stage: 'load',
        step,
        problemId: `p${p}`,
        sampleIndex: i,
        kind: 'math',
        prompt: `What is ${p} + ${step}?`,
        response: `step ${step} sample ${i} `.padEnd(s.responseBytes, 'x'),
        gold: String(p + step),
        reward: pass ? 1 : 0,
        advantage: pass ? 1 : -0.5,
        verdict: pass ? 'correct' : 'wrong',
        extractedAnswer: String(p),
        promptTokens: 12,
        responseTokens: s.responseBytes,
        truncated: false,
        verify: { reward: pass ? 1 : 0, verdict: pass ? 'correct' : 'wrong', details: { kind: 'math', extracted: String(p), normalizedPred: String(p), normalizedGold: String(p + step), rule: 'exact-integer' } },
      });
    }
  }
  const metrics: StepMetrics = {
    runId, stage: 'load', stageIndex: 0, step, globalStep: step,
    meanReward: rollouts.filter((r) => r.reward === 1).length / rollouts.length, accuracy: 0, entropy: 0.3,
    meanResponseLength: s.responseBytes, maxResponseLength: s.responseBytes, truncatedShare: 0, zeroVarianceShare: 0,
    verifierFailureShare: 0, tokensPerSecond: 0, sampleSeconds: 0, verifySeconds: 0, updateSeconds: 0, loss: 0,
  };
  return { metrics, rollouts };
}

export function streamEngine(shape: StreamShape, onStep?: (step: number) => void | Promise<void>) {
  return {
    async runCurriculum(o: RunCurriculumOptions): Promise<RunOutcome> {
      const notify = o.notify ?? (() => {});
      const runId = o.sink.createRun({ name: o.name ?? 'load', configPath: null, config: { shape }, seed: 0 });
      const stage = { index: 0, name: 'load', kind: 'math' as const, status: 'running' as const, stepsDone: 0, stepsPlanned: shape.steps };
      o.sink.upsertStage(runId, stage);
      let status: 'finished' | 'stopped' = 'finished';
      for (let step = 1; step <= shape.steps; step++) {
        await o.waitWhilePaused?.();
        if (o.signal?.aborted) {
          status = 'stopped';
          break;
        }
        notify(Notifications.progress, { runId, stage: 'load', stageIndex: 0, step, stepsPlanned: shape.steps, phase: 'sample' });
        const { metrics, rollouts } = syntheticStep(runId, step, shape);
        const stored = o.sink.recordStep(metrics, rollouts) ?? [];
        notify(Notifications.stepMetrics, metrics);
        notify(Notifications.rollouts, { runId, step, rollouts: stored });
        await onStep?.(step);
        // Let the sockets drain between steps, as the real engine does while it samples.
        await new Promise((r) => setImmediate(r));
      }
      o.sink.upsertStage(runId, { ...stage, status: status === 'finished' ? 'done' : 'stopped', stepsDone: shape.steps });
      o.sink.setRunStatus(runId, status);
      notify(Notifications.runChanged, { id: runId } as never);
      return { runId, status, summary: { backend: 'none', wall_s: 0, evals: [] } };
    },
  };
}

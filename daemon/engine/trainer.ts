// One stage of the curriculum, written out as a loop. Simplifications, as in the paper:
// binary rewards from the verifier only; advantages normalised within each group; token-level
// loss over the batch; strictly on-policy by default (one update per rollout batch, so the
// PPO ratio is 1 and clipping never acts); no KL term, no entropy bonus.
// Every random draw of step s is seeded from (run seed, stage index, s), so a run resumed
// from a checkpoint after step s repeats steps s+1.. exactly.
import type { StageConfig } from '../../shared/config.js';
import { ErrorCodes, Notifications, type StepMetrics } from '../../shared/protocol.js';
import { RlvrError } from '../../shared/errors.js';
import { isVerifierFailure } from '../../shared/verify.js';
import { combineSeeds, Rng } from '../util/random.js';
import type { Problem } from '../../shared/problem.js';
import type { Policy } from './policy.js';
import { promptIds, targetIds } from './prompt.js';
import type { NewRollout, Notify, RunSink } from './api.js';
import { groupAdvantages } from './grpo.js';
import { sampleAndScore, type Rollout, type VerifyBatch } from './rollouts.js';

export interface StageRun {
  runId: string;
  stage: StageConfig;
  stageIndex: number;
  /** Global step of this stage's step 0 (sum of earlier stages' steps). */
  globalStepBase: number;
  seed: number;
  policy: Policy;
  verify: VerifyBatch;
  /** Training problems (after the easy-prompt filter). */
  pool: Problem[];
  sink: RunSink;
  notify: Notify;
  signal?: AbortSignal;
  waitWhilePaused?: () => Promise<void>;
  /** Steps already done (resume); the loop runs from step startStep + 1. */
  startStep: number;
  /** Held-out accuracy for this stage's domain; called on eval_every steps and the last step. */
  evaluate: (step: number) => Promise<number>;
  /** Save a checkpoint after `step`. */
  checkpoint: (step: number) => Promise<void>;
}

/** Thrown when a step's rewards are all 0 because the verifier failed, not the answers. */
export class VerifierFailedError extends RlvrError {
  constructor(message: string) {
    super(ErrorCodes.VerifierFailed, message);
    this.name = 'VerifierFailedError';
  }
}

/** Linear warm-up, then constant or cosine decay to 10% of the peak (over schedule_steps when set). */
export function learningRateAt(stage: StageConfig, step: number): number {
  const peak = stage.learning_rate;
  if (step <= stage.warmup_steps) return (peak * step) / Math.max(1, stage.warmup_steps);
  if (stage.lr_schedule === 'constant') return peak;
  const length = stage.schedule_steps ?? stage.steps;
  const t = (step - stage.warmup_steps) / Math.max(1, length - stage.warmup_steps);
  return peak * (0.1 + 0.45 * (1 + Math.cos(Math.PI * Math.min(1, t))));
}

/** The prompts of step `step`: distinct problems drawn from the pool, seeded by the step. */
export function drawProblems(pool: Problem[], count: number, seed: number, stageIndex: number, step: number): Problem[] {
  if (pool.length < count) throw new Error(`prompts_per_step is ${count} but the dataset has only ${pool.length} problems`);
  const rng = new Rng(combineSeeds(seed, stageIndex, step, 11));
  const picked = new Set<number>();
  // Rejection sampling needs few retries while at most half the pool is taken; beyond that, shuffle.
  if (count * 2 > pool.length) return rng.shuffle([...pool]).slice(0, count);
  while (picked.size < count) picked.add(Math.floor(rng.next() * pool.length));
  return [...picked].map((i) => pool[i]);
}

export async function runStage(r: StageRun): Promise<{ stepsDone: number; stopped: boolean }> {
  const { stage, stageIndex, policy } = r;
  for (let step = r.startStep + 1; step <= stage.steps; step++) {
    // The step boundary: a pause holds here, and a stop (also one sent while paused) ends
    // the stage before the next step starts.
    await r.waitWhilePaused?.();
    if (r.signal?.aborted) return { stepsDone: step - 1, stopped: true };
    const progress = (phase: 'sample' | 'verify' | 'update' | 'eval' | 'checkpoint') =>
      r.notify(Notifications.progress, { runId: r.runId, stage: stage.name, stageIndex, step, stepsPlanned: stage.steps, phase });
    const problems = drawProblems(r.pool, stage.prompts_per_step, r.seed, stageIndex, step);
    const lr = learningRateAt(stage, step);
    const base = { runId: r.runId, stage: stage.name, stageIndex, step, globalStep: r.globalStepBase + step };

    let metrics: StepMetrics;
    let rollouts: NewRollout[] = [];
    if (stage.kind === 'sft') {
      // update: cross-entropy on the reference solutions
      progress('update');
      const t0 = performance.now();
      const samples = problems.map((p) => ({ prompt: promptIds(policy.tokenizer, p), target: targetIds(policy.tokenizer, p.solution ?? '') }));
      const { loss } = await policy.supervisedStep(samples, { learningRate: lr });
      const updateSeconds = (performance.now() - t0) / 1000;
      const tokens = samples.reduce((a, s) => a + s.target.length, 0);
      metrics = {
        ...base, ...zeroRewardMetrics(), loss, updateSeconds,
        meanResponseLength: tokens / samples.length,
        maxResponseLength: Math.max(...samples.map((s) => s.target.length)),
        tokensPerSecond: tokens / Math.max(updateSeconds, 1e-9),
      };
    } else {
      // sample: G responses per prompt, one batched call
      progress('sample');
      const batch = await sampleAndScore(policy.model, r.verify, problems, {
        groupSize: stage.group_size,
        maxNewTokens: stage.max_response_length,
        temperature: stage.temperature,
        topP: stage.top_p,
        seed: combineSeeds(r.seed, stageIndex, step, 7),
      });
      const rs = batch.rollouts;

      // score: binary rewards; a step that is all 0 because the verifier failed stops the run
      const rewards = rs.map((x) => x.result.reward);
      const failures = rs.filter((x) => isVerifierFailure(x.result.verdict));
      if (rewards.every((x) => x === 0) && failures.length * 2 >= rs.length) {
        throw new VerifierFailedError(verifierFailureMessage(stage, step, failures, rs.length));
      }

      // advantages: normalised within each group; equal-reward groups get 0 and are counted
      const adv = groupAdvantages(rewards, stage.group_size);

      // update: one token-level policy-gradient step per batch (more = off-policy, clipped)
      progress('update');
      const t0 = performance.now();
      const samples = rs.map((x, i) => ({
        prompt: x.promptIds,
        response: x.responseIds,
        advantage: adv.advantages[i],
        mask: !(stage.mask_truncated && x.truncated),
        oldLogProbs: stage.updates_per_batch > 1 ? x.logProbs : undefined,
      }));
      let stats = { loss: 0, entropy: 0, gradNorm: 0, tokens: 0 };
      for (let u = 0; u < stage.updates_per_batch; u++) {
        stats = await policy.policyGradientStep(samples, {
          learningRate: lr,
          temperature: stage.temperature,
          clipRatio: stage.updates_per_batch > 1 ? stage.clip_ratio : undefined,
        });
      }
      const updateSeconds = (performance.now() - t0) / 1000;

      // log: the step's metrics, as the issue lists them
      const lengths = rs.map((x) => x.responseIds.length);
      const entropies = rs.flatMap((x) => x.entropy);
      metrics = {
        ...base,
        meanReward: mean(rewards),
        accuracy: mean(rewards),
        entropy: mean(entropies),
        meanResponseLength: mean(lengths),
        maxResponseLength: Math.max(...lengths),
        truncatedShare: rs.filter((x) => x.truncated).length / rs.length,
        zeroVarianceShare: adv.zeroVarianceGroups / adv.groups,
        verifierFailureShare: failures.length / rs.length,
        tokensPerSecond: batch.tokens / Math.max(batch.sampleSeconds, 1e-9),
        sampleSeconds: batch.sampleSeconds,
        verifySeconds: batch.verifySeconds,
        updateSeconds,
        loss: stats.loss,
      };
      rollouts = rs.map((x, i) => toNewRollout(r.runId, stage, step, x, adv.advantages[i]));
    }

    // eval: held-out accuracy on eval_every steps and after the last step
    if ((stage.eval_every > 0 && step % stage.eval_every === 0) || step === stage.steps) {
      progress('eval');
      metrics.heldOutAccuracy = await r.evaluate(step);
    }

    // store: metrics and rollouts in one transaction, then tell subscribers
    const stored = r.sink.recordStep(metrics, rollouts);
    r.notify(Notifications.stepMetrics, metrics);
    if (rollouts.length > 0) {
      const records = stored ?? rollouts.map(({ verify: _v, ...rest }, i) => ({ ...rest, id: -1 - i }));
      r.notify(Notifications.rollouts, { runId: r.runId, step, rollouts: records });
    }

    // checkpoint: every N steps and after the stage's last step
    if ((stage.checkpoint_every > 0 && step % stage.checkpoint_every === 0) || step === stage.steps) {
      progress('checkpoint');
      await r.checkpoint(step);
    }
  }
  return { stepsDone: stage.steps, stopped: false };
}

function mean(xs: number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

function zeroRewardMetrics() {
  return {
    meanReward: 0, accuracy: 0, entropy: 0, meanResponseLength: 0, maxResponseLength: 0, truncatedShare: 0,
    zeroVarianceShare: 0, verifierFailureShare: 0, tokensPerSecond: 0, sampleSeconds: 0, verifySeconds: 0,
    updateSeconds: 0, loss: 0,
  };
}

function verifierFailureMessage(stage: StageConfig, step: number, failures: Rollout[], total: number): string {
  const counts = new Map<string, number>();
  for (const f of failures) counts.set(f.result.verdict, (counts.get(f.result.verdict) ?? 0) + 1);
  const what = [...counts].map(([v, n]) => `${n} ${v}`).join(', ');
  const d = failures[0].result.details;
  const detail = d.message ? `; first: ${d.message}` : '';
  return (
    `stage ${stage.name}, step ${step}: every reward is 0 because the verifier failed ` +
    `(${what} of ${total} responses)${detail}. Stopping: training on these rewards would teach nothing. ` +
    `Check the verifier (for code: bubblewrap and python3 installed, \`rlvr doctor\`).`
  );
}

function toNewRollout(runId: string, stage: StageConfig, step: number, x: Rollout, advantage: number): NewRollout {
  const d = x.result.details;
  return {
    runId,
    stage: stage.name,
    step,
    problemId: x.problem.id,
    sampleIndex: x.sampleIndex,
    kind: stage.kind,
    prompt: x.problem.prompt,
    response: x.text,
    gold: x.problem.kind === 'math' ? (x.problem.answer ?? '') : x.problem.solution || JSON.stringify(x.problem.tests ?? []),
    reward: x.result.reward,
    advantage,
    verdict: x.result.verdict,
    extractedAnswer: d.kind === 'math' ? d.extracted : d.program,
    promptTokens: x.promptIds.length,
    responseTokens: x.responseIds.length,
    truncated: x.truncated,
    verify: x.result,
  };
}

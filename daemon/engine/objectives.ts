// The training objectives, as functions of the per-token log-probs a model computes:
// GRPO's token-level policy-gradient loss (PPO-clipped when an off-policy batch carries its
// sampling-time log-probs) and the supervised cross-entropy of the warm start. Each returns
// the summed loss of one chunk; weights already carry the 1/n of the token-level mean.
import * as tf from '@tensorflow/tfjs';
import { stopGradient } from '../model/ops.js';

/**
 * loss = -sum_t w_t * ratio_t, w_t = A_i / n on the unmasked response tokens of sample i.
 * On-policy (no old log-prob) ratio = exp(logp - sg(logp)) = 1, so only grad logp acts; with
 * old log-probs ratio = exp(logp - old), clipped to [1 - eps, 1 + eps] PPO-style when
 * `clipRatio` is set. No KL, no entropy bonus (RECIPE.md).
 */
export function policyGradientLoss(clipRatio?: number) {
  return (logp: tf.Tensor1D, w: tf.Tensor1D, old?: tf.Tensor1D): tf.Scalar => {
    // ratio [N]: exp(logp - old) where old is known, else exp(logp - sg(logp)) (= 1).
    const sg = stopGradient(logp);
    const base = old ? tf.where(old.isNaN(), sg, old) : sg;
    const ratio = logp.sub(base).exp();
    let obj = ratio.mul(w); // w = A_i / n per token
    if (clipRatio !== undefined) obj = tf.minimum(obj, ratio.clipByValue(1 - clipRatio, 1 + clipRatio).mul(w));
    return obj.sum().neg() as tf.Scalar;
  };
}

/** Cross-entropy on the target tokens; w = 1/n on them, so the sum is the mean over the batch. */
export function supervisedLoss() {
  return (logp: tf.Tensor1D, w: tf.Tensor1D): tf.Scalar => logp.mul(w).sum().neg() as tf.Scalar;
}

export type ChunkLoss = (logp: tf.Tensor1D, w: tf.Tensor1D, old?: tf.Tensor1D) => tf.Scalar;

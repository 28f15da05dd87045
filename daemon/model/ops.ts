// Ops with hand-written gradients, for the WASM backend's sake (measured on 2 cores):
// its matMul is fast (XNNPACK) only for un-transposed 2-D products, and it has no kernel
// for tf.gather's gradient (UnsortedSegmentSum).
import * as tf from '@tensorflow/tfjs';

type CustomGradFn = Parameters<typeof tf.customGrad>[0];

// x [N, in] @ w [in, out] with a gradient made of un-transposed 2-D products.
export const linearFast = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: tf.Tensor2D, [xs, ws]: tf.Tensor[]) => [
      tf.matMul(dy, tf.transpose(ws)), // [N, out] @ [out, in]
      tf.matMul(tf.transpose(xs), dy), // [in, N] @ [N, out]
    ],
  };
}) as unknown as CustomGradFn) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

// wte[ids]: gather forward; one-hot matMul backward (WASM has no UnsortedSegmentSum).
export const embed = tf.customGrad(((ids: tf.Tensor1D, wte: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([ids]);
  return {
    value: tf.gather(wte, ids),
    gradFunc: (dy: tf.Tensor2D, [idsS]: tf.Tensor[]) => [
      tf.zerosLike(idsS),
      tf.matMul(tf.transpose(tf.oneHot(idsS as tf.Tensor1D, wte.shape[0]).toFloat()), dy), // [V, N] @ [N, d]
    ],
  };
}) as unknown as CustomGradFn) as (ids: tf.Tensor1D, wte: tf.Tensor2D) => tf.Tensor2D;

// Identity forward, zero gradient: the on-policy ratio exp(logp - sg(logp)) is 1 with d/dlogp = 1.
export const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: x.clone(),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as CustomGradFn) as (x: tf.Tensor) => tf.Tensor;

// x[idx] along axis 0: gather forward; scatter-add backward (ScatterNd sums repeated indices,
// and unlike tf.gather's own gradient it has a WASM kernel). Embedding lookups over large
// vocabularies use it: a one-hot product would cost V x N x d.
export const gatherRows = tf.customGrad(((x: tf.Tensor2D, idx: tf.Tensor1D, save: tf.GradSaveFunc) => {
  save([idx]);
  return {
    value: tf.gather(x, idx),
    gradFunc: (dy: tf.Tensor2D, [idxS]: tf.Tensor[]) => [
      tf.scatterND(idxS.reshape([-1, 1]), dy, x.shape),
      tf.zerosLike(idxS),
    ],
  };
}) as unknown as CustomGradFn) as (x: tf.Tensor2D, idx: tf.Tensor1D) => tf.Tensor2D;

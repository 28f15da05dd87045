// Ops with hand-written gradients, for the WASM backend's sake (measured on 2 cores):
// its matMul is fast (XNNPACK) only for un-transposed 2-D products, and it has no kernel
// for tf.gather's gradient (UnsortedSegmentSum).
import * as tf from '@tensorflow/tfjs';

type CustomGradFn = Parameters<typeof tf.customGrad>[0];

// What a gradient function needs goes through customGrad's save(), which keeps it past the
// forward pass (variableGrads disposes the forward's intermediates) - by cloning it, and on WASM
// a clone is a copy. Saving a weight matrix therefore copied it at every call (a whole model's
// weights per training chunk): variables, which nothing disposes, are read from the closure.

// x [N, in] @ w [in, out] with a gradient made of un-transposed 2-D products.
export const linearFast = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, save: tf.GradSaveFunc) => {
  const isVar = w instanceof tf.Variable;
  save(isVar ? [x] : [x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const xs = saved[0] as tf.Tensor2D;
      const ws = isVar ? w : (saved[1] as tf.Tensor2D);
      return [
        tf.matMul(dy, tf.transpose(ws)), // [N, out] @ [out, in]
        tf.matMul(tf.transpose(xs), dy), // [in, N] @ [N, out]
      ];
    },
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
  save([idx]); // x only for its shape
  return {
    value: tf.gather(x, idx),
    gradFunc: (dy: tf.Tensor2D, [idxS]: tf.Tensor[]) => [tf.scatterND(idxS.reshape([-1, 1]), dy, x.shape), tf.zerosLike(idxS)],
  };
}) as unknown as CustomGradFn) as (x: tf.Tensor2D, idx: tf.Tensor1D) => tf.Tensor2D;

/**
 * f(x, weights) whose backward pass recomputes f instead of keeping its activations (activation
 * checkpointing): only x is kept. The recomputation runs a nested gradient inside the outer
 * backward pass; tfjs 4.22's engine supports nesting but drops the outer tape's bookkeeping when
 * the inner one finishes, so the outer tape is put back (the engine state is internal: a test
 * compares checkpointed and plain gradients).
 */
export function recomputedInBackward(f: (x: tf.Tensor2D, weights: tf.Tensor[]) => tf.Tensor2D): (x: tf.Tensor2D, weights: tf.Tensor[]) => tf.Tensor2D {
  return (x, weights) => {
    const op = tf.customGrad(((...args: unknown[]) => {
      const save = args.pop() as tf.GradSaveFunc;
      const [xIn, ...ws] = args as tf.Tensor[];
      save([xIn]);
      return {
        value: f(xIn as tf.Tensor2D, ws),
        gradFunc: (dy: tf.Tensor2D, [xs]: tf.Tensor[]) => {
          const state = (tf.engine() as unknown as { state: { activeTape: unknown } }).state;
          const outer = state.activeTape;
          try {
            return tf.grads((xx: tf.Tensor, ...ww: tf.Tensor[]) => f(xx as tf.Tensor2D, ww))([xs, ...ws], dy);
          } finally {
            state.activeTape = outer;
          }
        },
      };
    }) as unknown as CustomGradFn) as (...ts: tf.Tensor[]) => tf.Tensor2D;
    return op(x, ...weights);
  };
}

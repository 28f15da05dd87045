// AdamW (decoupled weight decay) with its state in tf variables, so a checkpoint can carry
// it and a resumed run takes exactly the step it would have taken.
import * as tf from '@tensorflow/tfjs';

export interface AdamWState {
  step: number;
  /** First and second moments, one pair per parameter, in parameter order. */
  m: tf.Variable[];
  v: tf.Variable[];
}

export interface AdamWOptions {
  learningRate: number;
  beta1?: number; // default 0.9
  beta2?: number; // default 0.999
  epsilon?: number; // default 1e-8
  /** Decoupled decay, applied to matrices only (not biases, norms); default 0. */
  weightDecay?: number;
}

export function createAdamWState(params: tf.Variable[]): AdamWState {
  return {
    step: 0,
    m: params.map((p) => tf.variable(tf.zerosLike(p), false)),
    v: params.map((p) => tf.variable(tf.zerosLike(p), false)),
  };
}

/** One update: params[i] -= lr * (mhat / (sqrt(vhat) + eps) + wd * params[i]). */
export function adamWUpdate(params: tf.Variable[], grads: tf.Tensor[], state: AdamWState, o: AdamWOptions): void {
  const b1 = o.beta1 ?? 0.9;
  const b2 = o.beta2 ?? 0.999;
  const eps = o.epsilon ?? 1e-8;
  const wd = o.weightDecay ?? 0;
  state.step += 1;
  const c1 = 1 - b1 ** state.step;
  const c2 = 1 - b2 ** state.step;
  tf.tidy(() => {
    params.forEach((p, i) => {
      const g = grads[i];
      const m = state.m[i];
      const v = state.v[i];
      m.assign(m.mul(b1).add(g.mul(1 - b1)));
      v.assign(v.mul(b2).add(g.square().mul(1 - b2)));
      let update = m.div(c1).div(v.div(c2).sqrt().add(eps));
      if (wd > 0 && p.rank >= 2) update = update.add(p.mul(wd));
      p.assign(p.sub(update.mul(o.learningRate)));
    });
  });
}

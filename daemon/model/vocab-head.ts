// The output head's log-probs without the full logits. For each row of h [N, d] and its target
// token: log p(target) and the entropy of softmax(h W^T / T), W [V, d] being the embedding
// table (tied) or an lm_head (HF stores both [V, d]). With V = 151,936 the logits of a
// 16 x 256-token batch would take 2.5 GB, so they are computed a slice of rows at a time, and
// the backward pass recomputes them slice by slice instead of keeping them.
//
// Gradients, per row with z = logits / T, p = softmax(z), H = entropy:
//   d log p(y) / dz = onehot(y) - p
//   d H / dz        = -p * (log p + H)
// and z = h W^T / T gives dh = dz W / T, dW = dz^T h / T (accumulated as dW^T = h^T dz).
// Every product is a 2-D un-transposed matMul: the only fast kind on WASM (~10x the others).
import * as tf from '@tensorflow/tfjs';

type CustomGradFn = Parameters<typeof tf.customGrad>[0];

/** Logit elements per slice (x 4 bytes, a few copies alive at once). */
const SLICE_ELEMENTS = 1 << 22;

function slices(n: number, V: number): [number, number][] {
  const rows = Math.max(1, Math.floor(SLICE_ELEMENTS / V));
  const out: [number, number][] = [];
  for (let r = 0; r < n; r += rows) out.push([r, Math.min(rows, n - r)]);
  return out;
}

/** [n, 2] indices (row, target) for scatter / gather into [n, V]. */
function targetIndices(targets: number[], start: number, n: number): tf.Tensor2D {
  const idx = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    idx[2 * i] = i;
    idx[2 * i + 1] = targets[start + i];
  }
  return tf.tensor2d(idx, [n, 2], 'int32');
}

/**
 * log p(targets[i] | h[i]) and the entropy at each row, under softmax(h W^T / temperature).
 * Differentiable w.r.t. h and W; memory O(N + slice x V), never O(N x V).
 */
export function vocabLogProbs(h: tf.Tensor2D, w: tf.Tensor2D, targets: number[], temperature: number): { logp: tf.Tensor1D; entropy: tf.Tensor1D } {
  if (!(temperature > 0)) throw new Error(`temperature must be > 0 for log-probs, got ${temperature}`);
  const [N, d] = h.shape;
  const V = w.shape[0];
  if (targets.length !== N) throw new Error(`vocabLogProbs: ${targets.length} targets for ${N} rows`);
  const invT = 1 / temperature;
  const parts = slices(N, V);

  const fused = tf.customGrad(((hIn: tf.Tensor2D, wIn: tf.Tensor2D, save: tf.GradSaveFunc) => {
    const wt = tf.transpose(wIn) as tf.Tensor2D; // [d, V]
    const lse: tf.Tensor1D[] = [];
    const logps: tf.Tensor1D[] = [];
    const ents: tf.Tensor1D[] = [];
    for (const [r0, n] of parts) {
      const [l, lp, en] = tf.tidy(() => {
        const z = tf.matMul(hIn.slice([r0, 0], [n, d]), wt).mul(invT) as tf.Tensor2D; // [n, V]
        const m = z.max(-1, true);
        const e = z.sub(m).exp();
        const s = e.sum(-1, true);
        const logZ = m.add(s.log()).reshape([n]) as tf.Tensor1D; // [n]
        const zy = tf.gatherND(z, targetIndices(targets, r0, n)) as tf.Tensor1D; // [n]
        const entropy = logZ.sub(e.div(s).mul(z).sum(-1)) as tf.Tensor1D; // H = logZ - sum p z
        return [logZ, zy.sub(logZ) as tf.Tensor1D, entropy];
      });
      lse.push(l);
      logps.push(lp);
      ents.push(en);
    }
    wt.dispose();
    const join = (xs: tf.Tensor1D[]) => (xs.length === 1 ? xs[0] : tf.concat(xs));
    const logZ = join(lse);
    const entropy = join(ents);
    const value = tf.stack([join(logps), entropy], 1) as tf.Tensor2D;
    // Saved (copied, on WASM) are h and two [N] vectors; W, a variable, is read from the closure.
    const wIsVar = wIn instanceof tf.Variable;
    save(wIsVar ? [hIn, logZ, entropy] : [hIn, logZ, entropy, wIn]);
    return {
      value, // [N, 2]: log p(target), entropy
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [hS, lseS, entS] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
        const wS = wIsVar ? wIn : (saved[3] as tf.Tensor2D);
        const wtB = tf.transpose(wS) as tf.Tensor2D; // [d, V]
        const dh: tf.Tensor2D[] = [];
        let dwt: tf.Tensor2D | null = null; // [d, V]
        for (const [r0, n] of parts) {
          const [dhPart, dwtNext] = tf.tidy(() => {
            const hc = hS.slice([r0, 0], [n, d]) as tf.Tensor2D;
            const z = tf.matMul(hc, wtB).mul(invT); // [n, V], recomputed
            const logp = z.sub(lseS.slice([r0], [n]).reshape([n, 1])); // log p, [n, V]
            const p = logp.exp();
            const g = dy.slice([r0, 0], [n, 2]);
            const gLogp = g.slice([0, 0], [n, 1]);
            const gEnt = g.slice([0, 1], [n, 1]);
            const ent = entS.slice([r0], [n]).reshape([n, 1]);
            // dz = gLogp * (onehot - p) - gEnt * p * (log p + H), then / T for the logits
            let dz = p.mul(gLogp).add(p.mul(logp.add(ent)).mul(gEnt)).neg();
            dz = dz.add(tf.scatterND(targetIndices(targets, r0, n), gLogp.reshape([n]), [n, V]));
            dz = dz.mul(invT) as tf.Tensor2D;
            const dhc = tf.matMul(dz, wS) as tf.Tensor2D; // [n, V] @ [V, d]
            const part = tf.matMul(tf.transpose(hc), dz) as tf.Tensor2D; // [d, n] @ [n, V]
            return [dhc, dwt ? dwt.add(part) : part] as [tf.Tensor2D, tf.Tensor2D];
          });
          dwt?.dispose();
          dwt = dwtNext;
          dh.push(dhPart);
        }
        wtB.dispose();
        const dhAll = dh.length === 1 ? dh[0] : tf.concat(dh);
        if (dh.length > 1) tf.dispose(dh);
        const dw = tf.transpose(dwt!);
        dwt!.dispose();
        return [dhAll, dw];
      },
    };
  }) as unknown as CustomGradFn) as (h: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

  const both = fused(h, w);
  const logp = both.slice([0, 0], [N, 1]).reshape([N]) as tf.Tensor1D;
  const entropy = both.slice([0, 1], [N, 1]).reshape([N]) as tf.Tensor1D;
  return { logp, entropy };
}

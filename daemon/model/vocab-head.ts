// The output head's log-probs without the full logits. For each row of h [N, d] and its target
// token: log p(target) and the entropy of softmax(h W^T / T), W [V, d] being the embedding
// table (tied) or an lm_head (HF stores both [V, d]). With V = 151,936 the logits of a
// 16 x 256-token batch would take 2.5 GB, so they are computed a block of vocabulary columns at
// a time with a running logsumexp (as flash attention does over keys), and the backward pass
// recomputes each block instead of keeping it. No transposed copy of W is ever whole: on
// Qwen2.5-0.5B that alone would be 545 MB.
//
// Per row, z = h W^T / T, p = softmax(z), H = entropy = logsumexp(z) - sum p z:
//   d log p(y) / dz = onehot(y) - p
//   d H / dz        = -p * (log p + H)
// and dh = dz W / T, dW = dz^T h / T, block by block. Every product is a 2-D un-transposed
// matMul (the only fast kind on WASM, ~10x the others): blocks of W are transposed explicitly.
import * as tf from '@tensorflow/tfjs';

type CustomGradFn = Parameters<typeof tf.customGrad>[0];

/** Logit elements per block (x 4 bytes, a few copies alive at once). */
const BLOCK_ELEMENTS = 1 << 22;

/** Vocabulary blocks [start, size) for N rows. */
function blocks(N: number, V: number): [number, number][] {
  const cols = Math.max(1, Math.min(V, Math.floor(BLOCK_ELEMENTS / Math.max(1, N))));
  const out: [number, number][] = [];
  for (let c = 0; c < V; c += cols) out.push([c, Math.min(cols, V - c)]);
  return out;
}

/**
 * log p(targets[i] | h[i]) and the entropy at each row, under softmax(h W^T / temperature).
 * Differentiable w.r.t. h and W; memory O(N x d + block), never O(N x V) nor a whole W^T.
 */
export function vocabLogProbs(h: tf.Tensor2D, w: tf.Tensor2D, targets: number[], temperature: number): { logp: tf.Tensor1D; entropy: tf.Tensor1D } {
  if (!(temperature > 0)) throw new Error(`temperature must be > 0 for log-probs, got ${temperature}`);
  const [N, d] = h.shape;
  const V = w.shape[0];
  if (targets.length !== N) throw new Error(`vocabLogProbs: ${targets.length} targets for ${N} rows`);
  const invT = 1 / temperature;
  const parts = blocks(N, V);
  const targetIds = () => tf.tensor1d(targets, 'int32');
  /** z of one block of columns, [N, size]. */
  const logits = (hIn: tf.Tensor2D, wIn: tf.Tensor2D, c0: number, size: number) =>
    tf.matMul(hIn, tf.transpose(wIn.slice([c0, 0], [size, d]))).mul(invT) as tf.Tensor2D;

  const fused = tf.customGrad(((hIn: tf.Tensor2D, wIn: tf.Tensor2D, save: tf.GradSaveFunc) => {
    // Running max m, s = sum exp(z - m) and s2 = sum exp(z - m) (z - m) over the blocks; then
    // logZ = m + log s and H = log s - s2 / s (z - m, not z: no cancellation of large terms).
    let m: tf.Tensor2D | null = null;
    let s: tf.Tensor2D | null = null;
    let s2: tf.Tensor2D | null = null;
    for (const [c0, size] of parts) {
      const next = tf.tidy(() => {
        const z = logits(hIn, wIn, c0, size);
        const mNew = m ? tf.maximum(m, z.max(-1, true)) : z.max(-1, true);
        const zc = z.sub(mNew);
        const e = zc.exp();
        if (!m || !s || !s2) return [mNew, e.sum(-1, true), e.mul(zc).sum(-1, true)] as tf.Tensor2D[];
        const shift = m.sub(mNew); // <= 0: the old sums move to the new max
        const r = shift.exp();
        return [mNew, s.mul(r).add(e.sum(-1, true)), s2.add(shift.mul(s)).mul(r).add(e.mul(zc).sum(-1, true))] as tf.Tensor2D[];
      });
      tf.dispose([m, s, s2].filter((t): t is tf.Tensor2D => t !== null));
      [m, s, s2] = next;
    }
    const [logZ, entropy, logp] = tf.tidy(() => {
      const logS = s!.log();
      const lse = m!.add(logS).reshape([N]) as tf.Tensor1D;
      const ent = logS.sub(s2!.div(s!)).reshape([N]) as tf.Tensor1D;
      // z at the target: the target's row of W dotted with h
      const zy = tf.gather(wIn, targetIds()).mul(hIn).sum(-1).mul(invT) as tf.Tensor1D;
      return [lse, ent, zy.sub(lse) as tf.Tensor1D];
    });
    tf.dispose([m!, s!, s2!]);
    const value = tf.stack([logp, entropy], 1) as tf.Tensor2D;
    logp.dispose();
    // Saved (copied, on WASM) are h and two [N] vectors; W, a variable, is read from the closure.
    const wIsVar = wIn instanceof tf.Variable;
    save(wIsVar ? [hIn, logZ, entropy] : [hIn, logZ, entropy, wIn]);
    return {
      value, // [N, 2]: log p(target), entropy
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [hS, lseS, entS] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
        const wS = wIsVar ? wIn : (saved[3] as tf.Tensor2D);
        const [gLogp, gEnt, lse, ent] = tf.tidy(() => [dy.slice([0, 0], [N, 1]), dy.slice([0, 1], [N, 1]), lseS.reshape([N, 1]), entS.reshape([N, 1])]);
        let dh = tf.zeros([N, d]) as tf.Tensor2D;
        const dw: tf.Tensor2D[] = [];
        for (const [c0, size] of parts) {
          const [dhNext, dwBlock] = tf.tidy(() => {
            const z = logits(hS, wS, c0, size); // [N, size], recomputed
            const logp = z.sub(lse);
            const p = logp.exp();
            // dz = gLogp * (onehot - p) - gEnt * p * (log p + H), then / T for the logits
            let dz = p.mul(gLogp).add(p.mul(logp.add(ent)).mul(gEnt)).neg();
            const inBlock = targets.flatMap((t, i) => (t >= c0 && t < c0 + size ? [i] : []));
            if (inBlock.length > 0) {
              const idx = tf.tensor2d(inBlock.flatMap((i) => [i, targets[i] - c0]), [inBlock.length, 2], 'int32');
              dz = dz.add(tf.scatterND(idx, tf.gather(gLogp.reshape([N]), tf.tensor1d(inBlock, 'int32')), [N, size]));
            }
            dz = dz.mul(invT) as tf.Tensor2D;
            const wBlock = wS.slice([c0, 0], [size, d]) as tf.Tensor2D;
            return [dh.add(tf.matMul(dz, wBlock)) as tf.Tensor2D, tf.matMul(tf.transpose(dz), hS) as tf.Tensor2D]; // [N, d], [size, d]
          });
          dh.dispose();
          dh = dhNext;
          dw.push(dwBlock);
        }
        tf.dispose([gLogp, gEnt, lse, ent]);
        const dW = dw.length === 1 ? dw[0] : tf.concat(dw, 0);
        if (dw.length > 1) tf.dispose(dw);
        return [dh, dW];
      },
    };
  }) as unknown as CustomGradFn) as (h: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

  const both = fused(h, w);
  const logp = both.slice([0, 0], [N, 1]).reshape([N]) as tf.Tensor1D;
  const entropy = both.slice([0, 1], [N, 1]).reshape([N]) as tf.Tensor1D;
  return { logp, entropy };
}

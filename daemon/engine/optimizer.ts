// AdamW (decoupled weight decay) over a model's parameters, with its state in tf variables, so
// a checkpoint can carry it and a resumed run takes exactly the step it would have taken.
// The state is saved beside the model's own files as rlvr-optimizer.json (step, tensor names
// and shapes) + rlvr-optimizer.f32 (first moments, then second moments, in parameter order):
// names no Hugging Face tool loads (vLLM reads every *.safetensors / *.bin of a folder).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { withFloat32View } from '../model/tensor-view.js';
import type { NamedVariable } from '../model/language-model.js';

export interface AdamWOptions {
  learningRate: number;
  beta1?: number; // default 0.9
  beta2?: number; // default 0.999
  epsilon?: number; // default 1e-8
  /** Decoupled decay, applied to matrices only (not biases, norms); default 0. */
  weightDecay?: number;
}

export const OPTIMIZER_FILES = { meta: 'rlvr-optimizer.json', state: 'rlvr-optimizer.f32' } as const;
const FORMAT = 'rlvr-adamw/1';

/**
 * Where the moments live and the update runs. 'device': tf variables beside the parameters (a
 * GPU keeps everything on the GPU). 'host': Float32Arrays in the Node process, the update in JS:
 * on WASM the tf heap is capped at 2 GB, and a 135M-parameter model's weights, gradients and two
 * moments alone fill it. The host update rounds every operation to float32 in the device's order,
 * so both placements take bit-identical steps (tested).
 */
export type OptimizerPlacement = 'device' | 'host';

/** Host on the CPU backends (WASM, plain CPU), device elsewhere. */
export function defaultPlacement(): OptimizerPlacement {
  return ['wasm', 'cpu'].includes(tf.getBackend()) ? 'host' : 'device';
}

const f32 = Math.fround;

export class AdamW {
  step = 0;
  /** First and second moments, one pair per parameter, in parameter order. */
  private readonly m: (tf.Variable | Float32Array)[];
  private readonly v: (tf.Variable | Float32Array)[];

  constructor(
    private readonly params: readonly NamedVariable[],
    readonly placement: OptimizerPlacement = defaultPlacement(),
  ) {
    const zeros = (p: NamedVariable) => (placement === 'device' ? tf.variable(tf.zerosLike(p.variable), false) : new Float32Array(p.variable.size));
    this.m = params.map(zeros);
    this.v = params.map(zeros);
  }

  /**
   * One update: p -= lr * (mhat / (sqrt(vhat) + eps) + wd * p), grads in parameter order: tensors
   * for a device optimizer, Float32Arrays for a host one (which it uses up: they hold the new
   * weights afterwards).
   */
  async apply(grads: (tf.Tensor | Float32Array)[], o: AdamWOptions): Promise<void> {
    const b1 = o.beta1 ?? 0.9;
    const b2 = o.beta2 ?? 0.999;
    const eps = o.epsilon ?? 1e-8;
    const wd = o.weightDecay ?? 0;
    this.step += 1;
    const c1 = 1 - b1 ** this.step;
    const c2 = 1 - b2 ** this.step;
    if (this.placement === 'device') {
      this.params.forEach(({ variable: p }, i) => {
        tf.tidy(() => {
          const g = grads[i] as tf.Tensor;
          const m = this.m[i] as tf.Variable;
          const v = this.v[i] as tf.Variable;
          m.assign(m.mul(b1).add(g.mul(1 - b1)));
          v.assign(v.mul(b2).add(g.square().mul(1 - b2)));
          let update = m.div(c1).div(v.div(c2).sqrt().add(eps));
          if (wd > 0 && p.rank >= 2) update = update.add(p.mul(wd));
          p.assign(p.sub(update.mul(o.learningRate)));
        });
      });
      return;
    }
    // The same operations, each rounded to float32 as the device's kernels round them (a tf
    // scalar is a float32, so every constant is rounded first).
    const [b1f, b2f, nb1, nb2, c1f, c2f, epsf, lrf, wdf] = [b1, b2, 1 - b1, 1 - b2, c1, c2, eps, o.learningRate, wd].map(f32);
    for (let i = 0; i < this.params.length; i++) {
      const p = this.params[i].variable;
      const g = grads[i] as Float32Array;
      const m = this.m[i] as Float32Array;
      const v = this.v[i] as Float32Array;
      const decay = wd > 0 && p.rank >= 2;
      // The new weights go into the gradient's array (each g[k] is read before it is written):
      // no 0.5 GB of weight copies per step for the garbage collector to find late.
      await withFloat32View(p, (w) => {
        for (let k = 0; k < w.length; k++) {
          const mk = (m[k] = f32(f32(m[k] * b1f) + f32(g[k] * nb1)));
          const vk = (v[k] = f32(f32(v[k] * b2f) + f32(f32(g[k] * g[k]) * nb2)));
          let update = f32(f32(mk / c1f) / f32(f32(Math.sqrt(f32(vk / c2f))) + epsf));
          if (decay) update = f32(update + f32(w[k] * wdf));
          g[k] = f32(w[k] - f32(update * lrf));
        }
      });
      // Assigned, never written into the variable's heap bytes: the WASM backend keeps XNNPACK's
      // packed copy of a weight per data id, and it would go on multiplying by the old values.
      // WASM copies the values into its heap; the CPU backend would keep the array itself.
      const next = tf.tensor(tf.getBackend() === 'wasm' ? g : g.slice(), p.shape);
      p.assign(next);
      next.dispose();
    }
  }

  /** The two files that hold the state, for a model's save(dir, {extraFiles}). */
  async files(): Promise<{ name: string; data: Buffer | string }[]> {
    const meta = {
      format: FORMAT,
      step: this.step,
      tensors: this.params.map((p) => ({ name: p.name, shape: p.variable.shape })),
    };
    const parts = await Promise.all([...this.m, ...this.v].map((t) => (t instanceof Float32Array ? t : (t.data() as Promise<Float32Array>))));
    const total = parts.reduce((a, p) => a + p.length, 0);
    const all = new Float32Array(total);
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    return [
      { name: OPTIMIZER_FILES.state, data: Buffer.from(all.buffer, all.byteOffset, all.byteLength) },
      { name: OPTIMIZER_FILES.meta, data: JSON.stringify(meta, null, 1) + '\n' },
    ];
  }

  /** Restores state saved by files() (or the char model's older in-manifest form); false if the folder has none. */
  async restore(dir: string): Promise<boolean> {
    const found = await readOptimizerState(dir);
    if (!found) return false;
    const { step, names, data, file } = found;
    const expected = this.params.map((p) => p.name);
    if (names.join('\n') !== expected.join('\n')) {
      const missing = expected.find((n) => !names.includes(n)) ?? names.find((n) => !expected.includes(n));
      throw new Error(`${file}: optimizer state does not match the model's parameters (first difference: '${missing ?? 'order'}')`);
    }
    const sizes = this.params.map((p) => p.variable.size);
    const total = sizes.reduce((a, b) => a + b, 0);
    if (data.length !== 2 * total) throw new Error(`${file}: ${data.length * 4} bytes, the model's parameters need ${total * 8}`);
    let o = 0;
    for (const moments of [this.m, this.v]) {
      moments.forEach((t, i) => {
        const values = data.subarray(o, (o += sizes[i]));
        if (t instanceof Float32Array) t.set(values);
        else t.assign(tf.tensor(values, t.shape));
      });
    }
    this.step = step;
    return true;
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) if (!(t instanceof Float32Array)) t.dispose();
  }
}

/** The saved moments per tensor name (tests compare them across backends). */
export async function readOptimizerMoments(dir: string): Promise<{ step: number; m: Map<string, Float32Array>; v: Map<string, Float32Array> } | null> {
  const found = await readOptimizerState(dir);
  if (!found) return null;
  const shapes = await readFile(path.join(dir, OPTIMIZER_FILES.meta), 'utf8').then(
    (t) => (JSON.parse(t) as { tensors: { shape: number[] }[] }).tensors.map((x) => x.shape),
    async () => (JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as { tensors: { shape: number[] }[] }).tensors.map((x) => x.shape),
  );
  const sizes = shapes.map((sh) => sh.reduce((a, b) => a * b, 1));
  const total = sizes.reduce((a, b) => a + b, 0);
  const m = new Map<string, Float32Array>();
  const v = new Map<string, Float32Array>();
  let o = 0;
  found.names.forEach((n, i) => m.set(n, found.data.subarray(o, (o += sizes[i]))));
  if (o !== total) throw new Error(`${found.file}: sizes do not add up`);
  found.names.forEach((n, i) => v.set(n, found.data.subarray(o, (o += sizes[i]))));
  return { step: found.step, m, v };
}

async function readOptimizerState(dir: string): Promise<{ step: number; names: string[]; data: Float32Array; file: string } | null> {
  const metaFile = path.join(dir, OPTIMIZER_FILES.meta);
  const read = async (file: string) => {
    const buf = await readFile(file);
    return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  };
  const meta = await readFile(metaFile, 'utf8').then((t) => JSON.parse(t) as { format?: string; step: number; tensors: { name: string }[] }, () => null);
  if (meta) {
    if (meta.format !== FORMAT) throw new Error(`${metaFile}: field 'format' is ${JSON.stringify(meta.format)}, expected "${FORMAT}"`);
    const file = path.join(dir, OPTIMIZER_FILES.state);
    return { step: meta.step, names: meta.tensors.map((t) => t.name), data: await read(file), file };
  }
  // Char-model checkpoints saved before the optimizer moved to the engine: the step in
  // manifest.json's `optimizer`, moments in optimizer.bin, in the manifest's tensor order.
  const manifest = await readFile(path.join(dir, 'manifest.json'), 'utf8').then((t) => JSON.parse(t), () => null);
  if (!manifest?.optimizer) return null;
  const file = path.join(dir, 'optimizer.bin');
  return { step: manifest.optimizer.step, names: manifest.tensors.map((t: { name: string }) => t.name), data: await read(file), file };
}

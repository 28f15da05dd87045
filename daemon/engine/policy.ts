// The policy being trained: a model (any family behind LanguageModel) and its optimizer, with
// the two updates the recipe takes - a GRPO policy-gradient step and a supervised step - and
// the log-probs of given responses. Gradients are summed over memory-bounded chunks of rows,
// then one clipped AdamW step is taken: one update per call, as strictly on-policy GRPO wants.
import * as tf from '@tensorflow/tfjs';
import type { GenerateOptions, Generation, LanguageModel, SaveOptions, TokenRow } from '../model/language-model.js';
import { loadModel, type LoadModelOptions } from '../model/load.js';
import { policyGradientLoss, supervisedLoss, type ChunkLoss } from './objectives.js';
import { AdamW } from './optimizer.js';
import { withFloat32View } from '../model/tensor-view.js';

export interface PgSample {
  prompt: number[];
  response: number[];
  advantage: number;
  /** false: excluded from the loss (overlong filtering). */
  mask: boolean;
  /** Off-policy option: log-probs at sampling time, one per response token (PPO ratio + clip). */
  oldLogProbs?: number[];
}

export interface PgOptions {
  learningRate: number;
  /** PPO clip epsilon; only acts when oldLogProbs are given and differ from the current policy. */
  clipRatio?: number;
  /** Clip the global gradient norm to this. */
  maxGradNorm?: number;
  /** Logits are divided by this before the log-softmax (match the sampling temperature
   *  when oldLogProbs come from generate()); default 1. */
  temperature?: number;
  weightDecay?: number;
}

export interface StepStats {
  loss: number;
  /** Mean entropy of softmax(logits / T) over the unmasked response tokens. */
  entropy: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Unmasked response tokens in the loss. */
  tokens: number;
}

/** A training row with a weight per predicted token (0 where it is not in the loss). */
interface WeightedRow extends TokenRow {
  weight: number[];
  /** Per target position: old log-prob (off-policy), NaN where unused. */
  old?: number[];
}

export class Policy {
  /** The last step's host gradient sum, filled again by the next step instead of reallocated. */
  private hostGradients: Float32Array[] | null = null;

  constructor(
    readonly model: LanguageModel,
    readonly optimizer: AdamW = new AdamW(model.parameters),
  ) {}

  /** A model folder (char checkpoint or HF folder) and, when it has one, its optimizer state. */
  static async load(dir: string, opts: LoadModelOptions = {}): Promise<Policy> {
    const model = await loadModel(dir, opts);
    const policy = new Policy(model);
    try {
      await policy.optimizer.restore(dir);
    } catch (err) {
      policy.dispose();
      throw err;
    }
    return policy;
  }

  get tokenizer() {
    return this.model.tokenizer;
  }

  /** The model in its own format, with the optimizer state beside it (for --resume). */
  async save(dir: string, opts: Omit<SaveOptions, 'extraFiles'> = {}): Promise<void> {
    await this.model.save(dir, { ...opts, extraFiles: await this.optimizer.files() });
  }

  generate(prompts: number[][], opts: GenerateOptions): Promise<Generation[]> {
    return this.model.generate(prompts, opts);
  }

  numParameters(): number {
    return this.model.numParameters();
  }

  dispose(): void {
    this.hostGradients = null;
    this.optimizer.dispose();
    this.model.dispose();
  }

  /** Per-token log p(response token) under softmax(logits / T), T = opts.temperature ?? 1. */
  async tokenLogProbs(samples: { prompt: number[]; response: number[] }[], opts: { temperature?: number } = {}): Promise<number[][]> {
    const rows = samples.map((s) => this.toRow(s.prompt, s.response, 1));
    const out: number[][] = samples.map(() => []);
    for (const chunk of this.chunks(rows)) {
      const lp = tf.tidy(() => this.model.targetLogProbs(chunk.map((i) => rows[i]), opts.temperature ?? 1, { inference: true }).logp);
      const data = (await lp.data()) as Float32Array;
      lp.dispose();
      let o = 0;
      for (const i of chunk) {
        const start = o + samples[i].prompt.length - 1;
        out[i] = Array.from(data.subarray(start, start + samples[i].response.length));
        o += rows[i].input.length;
      }
    }
    return out;
  }

  /**
   * One GRPO update, token-level as in DAPO: loss = -(1 / n) * sum over unmasked response
   * tokens t of sample i of A_i * ratio_t, n = number of those tokens in the whole batch.
   */
  async policyGradientStep(samples: PgSample[], opts: PgOptions): Promise<StepStats> {
    const n = samples.reduce((a, s) => a + (s.mask ? s.response.length : 0), 0);
    const rows = samples.map((s, i) => {
      if (s.oldLogProbs && s.oldLogProbs.length !== s.response.length) {
        throw new Error(`policyGradientStep: sample ${i} has ${s.oldLogProbs.length} oldLogProbs for ${s.response.length} response tokens`);
      }
      return this.toRow(s.prompt, s.response, s.mask && n > 0 ? s.advantage / n : 0, s.oldLogProbs);
    });
    return this.update(rows, n, opts, policyGradientLoss(opts.clipRatio), opts.temperature ?? 1);
  }

  /** Cross-entropy on target tokens only, mean over all target tokens of the batch. */
  async supervisedStep(samples: { prompt: number[]; target: number[] }[], opts: { learningRate: number; maxGradNorm?: number; weightDecay?: number }): Promise<{ loss: number }> {
    const n = samples.reduce((a, s) => a + s.target.length, 0);
    const rows = samples.map((s) => this.toRow(s.prompt, s.target, n > 0 ? 1 / n : 0));
    const { loss } = await this.update(rows, n, opts, supervisedLoss(), 1);
    return { loss };
  }

  /**
   * Gradients of the summed chunk losses, then one clipped AdamW step. The sum is kept where the
   * optimizer keeps its moments (host memory beside a host optimizer, off WASM's 2 GB heap), and
   * each chunk's gradients are let go as soon as they are added.
   */
  private async update(
    rows: WeightedRow[],
    n: number,
    opts: { learningRate: number; maxGradNorm?: number; weightDecay?: number },
    lossOf: ChunkLoss,
    temperature: number,
  ): Promise<StepStats> {
    const params = this.model.parameters.map((p) => p.variable);
    const sum = new GradientSum(params.length, this.optimizer.placement === 'host', this.hostGradients);
    let loss = 0;
    let entropySum = 0;
    for (const chunk of this.chunks(rows)) {
      const part = chunk.map((i) => rows[i]);
      if (part.every((r) => r.weight.every((w) => w === 0))) continue; // nothing to learn from
      const w = part.flatMap((r) => r.weight);
      const anyOld = part.some((r) => r.old);
      // NaN = no old log-prob (on-policy row): the loss uses sg(logp) there.
      const old = anyOld ? part.flatMap((r) => r.old ?? new Array(r.input.length).fill(NaN)) : undefined;
      let ent: tf.Scalar | null = null;
      const { value, grads: g } = tf.variableGrads(() => {
        const { logp, entropy } = this.model.targetLogProbs(part, temperature);
        const wt = tf.tensor1d(w);
        ent = tf.keep(entropy.mul(wt.notEqual(0).toFloat()).sum() as tf.Scalar);
        return lossOf(logp, wt, old ? tf.tensor1d(old) : undefined);
      }, params);
      loss += (await value.data())[0];
      entropySum += (await ent!.data())[0];
      tf.dispose([value, ent!]);
      await sum.add(params.map((p) => g[p.name]));
    }
    if (sum.empty) return { loss: 0, entropy: 0, gradNorm: 0, tokens: n };
    const gradNorm = await sum.norm();
    if (opts.maxGradNorm !== undefined && gradNorm > opts.maxGradNorm) sum.scale(opts.maxGradNorm / (gradNorm + 1e-6));
    await this.optimizer.apply(sum.grads, { learningRate: opts.learningRate, weightDecay: opts.weightDecay });
    this.hostGradients = sum.hostArrays();
    sum.dispose();
    return { loss, entropy: n > 0 ? entropySum / n : 0, gradNorm, tokens: n };
  }

  private toRow(prompt: number[], response: number[], weight: number, old?: number[]): WeightedRow {
    if (prompt.length === 0) throw new Error('every prompt needs at least one token (e.g. bos)');
    const seq = [...prompt, ...response];
    if (seq.length > this.model.contextLength) {
      throw new Error(`sequence of ${seq.length} tokens exceeds contextLength ${this.model.contextLength}`);
    }
    const k = prompt.length - 1; // first target position that predicts a response token
    const w = new Array(seq.length - 1).fill(0);
    for (let t = 0; t < response.length; t++) w[k + t] = weight;
    let o: number[] | undefined;
    if (old) {
      o = new Array(seq.length - 1).fill(NaN);
      for (let t = 0; t < response.length; t++) o[k + t] = old[t];
    }
    return { input: seq.slice(0, -1), target: seq.slice(1), weight: w, old: o };
  }

  /** Row indices grouped by similar length into chunks of at most model.chunkTokens padded tokens. */
  private chunks(rows: TokenRow[]): number[][] {
    const order = rows.map((_, i) => i).sort((a, b) => rows[a].input.length - rows[b].input.length || a - b);
    const out: number[][] = [];
    let cur: number[] = [];
    for (const i of order) {
      const len = Math.max(1, rows[i].input.length);
      if (cur.length > 0 && (cur.length + 1) * len > this.model.chunkTokens) {
        out.push(cur);
        cur = [];
      }
      cur.push(i);
    }
    if (cur.length) out.push(cur);
    return out;
  }
}

/** Per-parameter gradient sums over chunks: tensors on the device, or Float32Arrays on the host. */
class GradientSum {
  private device: tf.Tensor[] | null = null;
  private host: Float32Array[] | null = null;

  /** `reusable`: host arrays of an earlier sum to fill again (0.5 GB for a 135M model). */
  constructor(
    private readonly count: number,
    private readonly onHost: boolean,
    private readonly reusable: Float32Array[] | null = null,
  ) {}

  get empty(): boolean {
    return this.device === null && this.host === null;
  }

  get grads(): (tf.Tensor | Float32Array)[] {
    return (this.onHost ? this.host : this.device) ?? [];
  }

  /** Adds one chunk's gradients (in parameter order) and disposes them. */
  async add(grads: tf.Tensor[]): Promise<void> {
    if (!this.onHost) {
      if (this.device === null) this.device = grads;
      else {
        for (let i = 0; i < this.count; i++) {
          const next = this.device[i].add(grads[i]);
          tf.dispose([this.device[i], grads[i]]);
          this.device[i] = next;
        }
      }
      return;
    }
    const first = this.host === null;
    this.host ??= [];
    for (let i = 0; i < this.count; i++) {
      if (first) {
        const reused = this.reusable?.[i];
        this.host.push(await withFloat32View(grads[i], (g) => (reused?.length === g.length ? (reused.set(g), reused) : g.slice())));
      } else {
        const acc = this.host[i];
        await withFloat32View(grads[i], (g) => {
          for (let k = 0; k < acc.length; k++) acc[k] += g[k]; // stored as float32, as the device's add rounds
        });
      }
      grads[i].dispose();
    }
  }

  async norm(): Promise<number> {
    if (this.host) {
      let s = 0;
      for (const g of this.host) for (let k = 0; k < g.length; k++) s += g[k] * g[k];
      return Math.sqrt(s);
    }
    const normT = tf.tidy(() => tf.addN(this.device!.map((g) => g.square().sum())).sqrt());
    const v = (await normT.data())[0];
    normT.dispose();
    return v;
  }

  scale(factor: number): void {
    if (this.host) {
      const f = Math.fround(factor);
      for (const g of this.host) for (let k = 0; k < g.length; k++) g[k] *= f;
      return;
    }
    const prev = this.device!;
    this.device = prev.map((g) => g.mul(factor));
    tf.dispose(prev);
  }

  /** The host arrays, for the next step's sum to reuse. */
  hostArrays(): Float32Array[] | null {
    return this.host;
  }

  dispose(): void {
    if (this.device) tf.dispose(this.device);
    this.device = null;
    this.host = null;
  }
}

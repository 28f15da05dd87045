// config.json of a Hugging Face causal LM: read, checked against what this project implements,
// with the defaults transformers' Qwen2Config / Qwen3Config / LlamaConfig give a missing field.
// The shape fields (vocab_size, hidden_size, ...) are required: transformers would default them
// to a 7B model's sizes, which only turns a broken config into a confusing shape error later.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FloatDtype } from './dtype.js';
import { HfFormatError } from './errors.js';

export const HF_ARCHITECTURES = ['Qwen2ForCausalLM', 'Qwen3ForCausalLM', 'LlamaForCausalLM'] as const;
export type HfArchitecture = (typeof HF_ARCHITECTURES)[number];

/** Rotary scalings implemented (as inverse-frequency adjustments); `default` is `null`. */
export type RopeScaling =
  | { type: 'linear'; factor: number }
  | { type: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositionEmbeddings: number };

export interface HfModelConfig {
  /** The folder and its config.json. */
  dir: string;
  file: string;
  architecture: HfArchitecture;
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number; // num_hidden_layers
  numHeads: number; // num_attention_heads
  numKvHeads: number; // num_key_value_heads (GQA); default numHeads
  headDim: number; // head_dim; default hidden/heads (Qwen3: 128, as Qwen3Config)
  ropeTheta: number; // default 10000
  ropeScaling: RopeScaling | null;
  rmsNormEps: number; // default 1e-6
  tieWordEmbeddings: boolean; // default false: lm_head.weight is its own tensor
  maxPositionEmbeddings: number;
  bosTokenId: number | null;
  eosTokenIds: number[]; // eos_token_id may be one id or a list
  /** torch_dtype (or `dtype`, its newer name); null when the config does not say. */
  dtype: FloatDtype | null;
  /** Which Linear layers carry a bias (Qwen2: q, k, v always; Llama / Qwen3: attention_bias, mlp_bias). */
  bias: { qkv: boolean; o: boolean; mlp: boolean };
  /** Qwen3: RMSNorm over head_dim on each head of q and k (q_norm / k_norm) before the rotation. */
  qkNorm: boolean;
  /** config.json as parsed, so a save writes it back unchanged. */
  raw: Record<string, unknown>;
}

const TORCH_DTYPES: Record<string, FloatDtype> = { bfloat16: 'BF16', float16: 'F16', float32: 'F32' };
const show = (v: unknown): string => JSON.stringify(v) ?? String(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Typed reads of config.json fields; each failure names the file and the field. */
class Fields {
  constructor(
    readonly file: string,
    readonly raw: Record<string, unknown>,
  ) {}

  fail(field: string, reason: string): never {
    throw new HfFormatError(this.file, { field }, reason);
  }

  has(field: string): boolean {
    return this.raw[field] !== undefined && this.raw[field] !== null;
  }

  positiveInt(field: string, fallback?: number): number {
    const v = this.raw[field] ?? fallback;
    if (v === undefined) this.fail(field, 'missing (required)');
    if (!Number.isSafeInteger(v) || (v as number) <= 0) this.fail(field, `expected a positive integer, got ${show(v)}`);
    return v as number;
  }

  positiveNumber(field: string, fallback: number): number {
    const v = this.raw[field] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) this.fail(field, `expected a positive number, got ${show(v)}`);
    return v;
  }

  bool(field: string, fallback: boolean): boolean {
    const v = this.raw[field] ?? fallback;
    if (typeof v !== 'boolean') this.fail(field, `expected true or false, got ${show(v)}`);
    return v;
  }

  tokenIds(field: string): number[] {
    const v = this.raw[field] ?? [];
    const ids = Array.isArray(v) ? v : [v];
    if (!ids.every((id) => Number.isSafeInteger(id) && id >= 0)) this.fail(field, `expected a token id or a list of them, got ${show(v)}`);
    return ids as number[];
  }
}

function folderListing(dir: string): string {
  const names = readdirSync(dir).sort();
  return names.length ? names.join(', ') : 'nothing';
}

/** Reads `<dir>/config.json`; anything this project does not implement is an error naming the field. */
export function readHfConfig(dir: string): HfModelConfig {
  const file = path.join(dir, 'config.json');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new HfFormatError(dir, {}, 'not a folder: a Hugging Face model is a folder with config.json and model.safetensors');
  }
  if (!existsSync(file)) {
    throw new HfFormatError(file, {}, `not found: a Hugging Face model folder needs config.json beside its safetensors weights; ${dir} holds: ${folderListing(dir)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new HfFormatError(file, {}, `not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(raw)) throw new HfFormatError(file, {}, `expected a JSON object, got ${show(raw).slice(0, 80)}`);
  const f = new Fields(file, raw);

  const architecture = readArchitecture(f);
  unsupportedFeatures(f, architecture);
  const hiddenSize = f.positiveInt('hidden_size');
  const numHeads = f.positiveInt('num_attention_heads');
  const numKvHeads = f.positiveInt('num_key_value_heads', numHeads);
  if (numHeads % numKvHeads !== 0) {
    f.fail('num_key_value_heads', `${numKvHeads} does not divide num_attention_heads (${numHeads}): grouped-query attention shares each KV head among a whole number of query heads`);
  }
  const headDim = readHeadDim(f, architecture, hiddenSize, numHeads);
  const attentionBias = architecture !== 'Qwen2ForCausalLM' && f.bool('attention_bias', false);
  const cfg: HfModelConfig = {
    dir,
    file,
    architecture,
    vocabSize: f.positiveInt('vocab_size'),
    hiddenSize,
    intermediateSize: f.positiveInt('intermediate_size'),
    numLayers: f.positiveInt('num_hidden_layers'),
    numHeads,
    numKvHeads,
    headDim,
    ...readRope(f),
    rmsNormEps: f.positiveNumber('rms_norm_eps', 1e-6),
    tieWordEmbeddings: f.bool('tie_word_embeddings', false),
    maxPositionEmbeddings: f.positiveInt('max_position_embeddings', architecture === 'LlamaForCausalLM' ? 2048 : 32768),
    bosTokenId: f.has('bos_token_id') ? f.tokenIds('bos_token_id')[0] : null,
    eosTokenIds: f.tokenIds('eos_token_id'),
    dtype: readDtype(f),
    bias: {
      qkv: architecture === 'Qwen2ForCausalLM' || attentionBias,
      o: attentionBias, // Qwen2's o_proj never has one
      mlp: architecture === 'LlamaForCausalLM' && f.bool('mlp_bias', false),
    },
    qkNorm: architecture === 'Qwen3ForCausalLM',
    raw,
  };
  return cfg;
}

function readArchitecture(f: Fields): HfArchitecture {
  const v = f.raw.architectures;
  const known = HF_ARCHITECTURES.join(', ');
  if (!Array.isArray(v) || v.length !== 1) f.fail('architectures', `expected a list of one architecture (${known}), got ${show(v)}`);
  const arch = v[0] as string;
  if (!(HF_ARCHITECTURES as readonly string[]).includes(arch)) f.fail('architectures', `${show(arch)} is not supported (supported: ${known})`);
  return arch as HfArchitecture;
}

/** Features of these architectures that the model here does not implement: refused, never ignored. */
function unsupportedFeatures(f: Fields, arch: HfArchitecture): void {
  if (arch !== 'LlamaForCausalLM' && f.bool('use_sliding_window', false)) {
    f.fail('use_sliding_window', 'true: sliding-window attention is not implemented (every layer attends to the whole context here)');
  }
  const layerTypes = f.raw.layer_types;
  if (Array.isArray(layerTypes) && layerTypes.some((t) => t !== 'full_attention')) {
    f.fail('layer_types', `only "full_attention" layers are implemented, got ${show(layerTypes)}`);
  }
  if (f.has('quantization_config')) f.fail('quantization_config', 'quantized checkpoints are not supported: use a BF16, F16 or F32 one');
  if (f.has('partial_rotary_factor') && f.raw.partial_rotary_factor !== 1) {
    f.fail('partial_rotary_factor', `${show(f.raw.partial_rotary_factor)}: only a rotation of the whole head (1.0) is implemented`);
  }
  const act = f.raw.hidden_act ?? 'silu';
  if (act !== 'silu') f.fail('hidden_act', `${show(act)}: only "silu" (the SwiGLU MLP) is implemented`);
}

function readHeadDim(f: Fields, arch: HfArchitecture, hiddenSize: number, numHeads: number): number {
  let headDim: number;
  if (f.has('head_dim')) headDim = f.positiveInt('head_dim');
  else if (arch === 'Qwen3ForCausalLM') headDim = 128; // Qwen3Config's default, not hidden/heads
  else {
    if (hiddenSize % numHeads !== 0) f.fail('num_attention_heads', `${numHeads} does not divide hidden_size (${hiddenSize}) and there is no head_dim`);
    headDim = hiddenSize / numHeads;
  }
  if (headDim % 2 !== 0) f.fail('head_dim', `${headDim} is odd: the rotary embedding rotates pairs of dimensions`);
  return headDim;
}

function readDtype(f: Fields): FloatDtype | null {
  // transformers 5 writes `dtype`; older versions `torch_dtype`.
  const field = f.has('dtype') ? 'dtype' : 'torch_dtype';
  if (!f.has(field)) return null;
  const v = f.raw[field];
  const dtype = typeof v === 'string' ? TORCH_DTYPES[v] : undefined;
  if (!dtype) f.fail(field, `${show(v)}: expected ${Object.keys(TORCH_DTYPES).join(', ')}`);
  return dtype;
}

/**
 * rope_theta and rope_scaling (transformers 4), or both inside rope_parameters (transformers 5).
 * `type` is the older spelling of `rope_type`.
 */
function readRope(f: Fields): { ropeTheta: number; ropeScaling: RopeScaling | null } {
  const params = f.raw.rope_parameters;
  const blockField = f.has('rope_scaling') ? 'rope_scaling' : f.has('rope_parameters') ? 'rope_parameters' : null;
  let ropeTheta = 10000;
  if (f.has('rope_theta')) ropeTheta = f.positiveNumber('rope_theta', 10000);
  else if (isObject(params) && params.rope_theta !== undefined) ropeTheta = new Fields(f.file, params).positiveNumber('rope_theta', 10000);
  if (!Number.isFinite(ropeTheta) || ropeTheta <= 1) f.fail('rope_theta', `expected a base above 1, got ${ropeTheta}`);
  if (blockField === null) return { ropeTheta, ropeScaling: null };

  const block = f.raw[blockField];
  if (!isObject(block)) f.fail(blockField, `expected an object or null, got ${show(block)}`);
  const typeKey = block.rope_type !== undefined ? 'rope_type' : block.type !== undefined ? 'type' : null;
  const type = typeKey ? block[typeKey] : 'default';
  const num = (key: string, positive = true): number => {
    const v = block[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || (positive && v <= 0)) {
      f.fail(`${blockField}.${key}`, `expected a ${positive ? 'positive ' : ''}number for rope_type ${show(type)}, got ${show(v)}`);
    }
    return v;
  };
  if (type === 'default') return { ropeTheta, ropeScaling: null };
  if (type === 'linear') return { ropeTheta, ropeScaling: { type: 'linear', factor: num('factor') } };
  if (type === 'llama3') {
    const scaling: RopeScaling = {
      type: 'llama3',
      factor: num('factor'),
      lowFreqFactor: num('low_freq_factor'),
      highFreqFactor: num('high_freq_factor'),
      originalMaxPositionEmbeddings: num('original_max_position_embeddings'),
    };
    if (scaling.highFreqFactor <= scaling.lowFreqFactor) {
      f.fail(`${blockField}.high_freq_factor`, `${scaling.highFreqFactor} must be above low_freq_factor (${scaling.lowFreqFactor})`);
    }
    return { ropeTheta, ropeScaling: scaling };
  }
  return f.fail(`${blockField}.${typeKey ?? 'rope_type'}`, `${show(type)} is not implemented (implemented: default, linear, llama3)`);
}

/**
 * The rotary inverse frequencies, one per pair of head dimensions (length headDim / 2):
 * theta^(-2i/headDim), then the config's scaling. Float64: the caller rounds when it builds cos/sin.
 */
export function ropeInverseFrequencies(cfg: Pick<HfModelConfig, 'headDim' | 'ropeTheta' | 'ropeScaling'>): Float64Array {
  const half = cfg.headDim / 2;
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / cfg.ropeTheta ** ((2 * i) / cfg.headDim);
  const s = cfg.ropeScaling;
  if (s?.type === 'linear') {
    // Dividing the frequencies = dividing the positions by `factor`.
    for (let i = 0; i < half; i++) inv[i] /= s.factor;
  } else if (s?.type === 'llama3') {
    // Llama 3.1: wavelengths shorter than original/high_freq_factor stay, longer than
    // original/low_freq_factor are stretched by `factor`, and those between are blended.
    const lowFreqWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
    const highFreqWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
    for (let i = 0; i < half; i++) {
      const wavelen = (2 * Math.PI) / inv[i];
      if (wavelen > lowFreqWavelen) inv[i] /= s.factor;
      else if (wavelen >= highFreqWavelen) {
        const smooth = (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
        inv[i] = ((1 - smooth) * inv[i]) / s.factor + smooth * inv[i];
      }
    }
  }
  return inv;
}

export interface ExpectedTensor {
  name: string;
  shape: number[];
}

/** Every tensor the architecture needs, with Hugging Face's names and shapes (Linear weights are [out, in]). */
export function expectedTensors(cfg: Pick<HfModelConfig, 'vocabSize' | 'hiddenSize' | 'intermediateSize' | 'headDim' | 'numHeads' | 'numKvHeads' | 'numLayers' | 'bias' | 'qkNorm' | 'tieWordEmbeddings'>): ExpectedTensor[] {
  const { hiddenSize: h, intermediateSize: inter, headDim: hd, numHeads, numKvHeads } = cfg;
  const out: ExpectedTensor[] = [{ name: 'model.embed_tokens.weight', shape: [cfg.vocabSize, h] }];
  const linear = (name: string, outDim: number, inDim: number, bias: boolean): void => {
    out.push({ name: `${name}.weight`, shape: [outDim, inDim] });
    if (bias) out.push({ name: `${name}.bias`, shape: [outDim] });
  };
  for (let i = 0; i < cfg.numLayers; i++) {
    const p = `model.layers.${i}`;
    out.push({ name: `${p}.input_layernorm.weight`, shape: [h] });
    linear(`${p}.self_attn.q_proj`, numHeads * hd, h, cfg.bias.qkv);
    linear(`${p}.self_attn.k_proj`, numKvHeads * hd, h, cfg.bias.qkv);
    linear(`${p}.self_attn.v_proj`, numKvHeads * hd, h, cfg.bias.qkv);
    linear(`${p}.self_attn.o_proj`, h, numHeads * hd, cfg.bias.o);
    if (cfg.qkNorm) {
      out.push({ name: `${p}.self_attn.q_norm.weight`, shape: [hd] });
      out.push({ name: `${p}.self_attn.k_norm.weight`, shape: [hd] });
    }
    out.push({ name: `${p}.post_attention_layernorm.weight`, shape: [h] });
    linear(`${p}.mlp.gate_proj`, inter, h, cfg.bias.mlp);
    linear(`${p}.mlp.up_proj`, inter, h, cfg.bias.mlp);
    linear(`${p}.mlp.down_proj`, h, inter, cfg.bias.mlp);
  }
  out.push({ name: 'model.norm.weight', shape: [h] });
  if (!cfg.tieWordEmbeddings) out.push({ name: 'lm_head.weight', shape: [cfg.vocabSize, h] });
  return out;
}

// Element types of safetensors files and exact conversion of the float ones to and from f32.
// Conversions work on bit patterns (Uint32 views), never through JS numbers, so NaN payloads
// survive and a bf16/f16 -> f32 -> bf16/f16 round trip is bit-exact for every value.
// (Not @petamoriken/float16: it converts through JS numbers, which canonicalises NaNs, and one
// DataView call per element; these are the few lines of IEEE 754 bit arithmetic it would hide.)

/** Every dtype of the safetensors format, with its size in bytes (the format's own table). */
export const SAFETENSORS_DTYPE_BYTES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
} as const;

export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPE_BYTES;

/** The dtypes a model's weights may have here. */
export type FloatDtype = 'BF16' | 'F16' | 'F32';

export function isSafetensorsDtype(s: unknown): s is SafetensorsDtype {
  return typeof s === 'string' && Object.hasOwn(SAFETENSORS_DTYPE_BYTES, s);
}

export function isFloatDtype(s: unknown): s is FloatDtype {
  return s === 'BF16' || s === 'F16' || s === 'F32';
}

// ---- bf16: the upper half of an f32 ----

export function bf16ToF32Bits(h: number): number {
  return (h << 16) >>> 0;
}

/** Round-to-nearest-even; overflow goes to infinity; a NaN stays a NaN (quiet bit set if truncation would clear it). */
export function f32BitsToBf16(bits: number): number {
  if ((bits & 0x7fffffff) > 0x7f800000) {
    const h = bits >>> 16;
    return (h & 0x7f) === 0 ? h | 0x40 : h;
  }
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

// ---- f16: 1 sign, 5 exponent (bias 15), 10 mantissa bits ----

function f16ToF32BitsSlow(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0; // inf / NaN, payload kept
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // Subnormal f16 = normal f32: shift the mantissa up until its leading 1 is the implicit bit.
  let e = 113;
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}

// 65,536 entries (256 KB): decoding a large f16 tensor is then one lookup per element.
const F16_TO_F32 = new Uint32Array(65536);
for (let h = 0; h < 65536; h++) F16_TO_F32[h] = f16ToF32BitsSlow(h);

export function f16ToF32Bits(h: number): number {
  return F16_TO_F32[h & 0xffff];
}

/** Round-to-nearest-even, subnormals included; |x| >= 65520 goes to infinity; a NaN stays a NaN. */
export function f32BitsToF16(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const abs = bits & 0x7fffffff;
  if (abs > 0x7f800000) {
    const mant = (abs >>> 13) & 0x3ff;
    return sign | 0x7c00 | (mant === 0 ? 0x200 : mant);
  }
  if (abs >= 0x477ff000) return sign | 0x7c00; // 65520 = halfway from 65504 to 2^16: ties to even = inf
  if (abs >= 0x38800000) {
    // Normal f16: rebias the exponent (127 -> 15), then round away the 13 low mantissa bits.
    const v = abs - 0x38000000;
    return sign | ((v + 0xfff + ((v >>> 13) & 1)) >>> 13);
  }
  if (abs < 0x33000000) return sign; // below 2^-25 (half the smallest subnormal): zero
  // Subnormal f16 = k * 2^-24; k = mantissa (with implicit 1) >> (126 - exponent), rounded.
  const exp = abs >>> 23;
  const mant = (abs & 0x7fffff) | 0x800000;
  const shift = 126 - exp;
  let k = mant >>> shift;
  const rest = mant & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (rest > half || (rest === half && (k & 1) === 1)) k++;
  return sign | k; // k = 1024 is the smallest normal, encoded the same way
}

// ---- bulk conversion, a chunk at a time ----

// safetensors is little-endian; on a little-endian host (every platform Node ships for but s390x)
// f32 data is copied as bytes.
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Decode `count` elements of `dtype` from little-endian `src` into `out` (f32 bits) from index `at`. */
export function decodeToF32Bits(src: Buffer, dtype: FloatDtype, count: number, out: Uint32Array, at: number): void {
  if (dtype === 'F32') {
    if (HOST_LITTLE_ENDIAN) new Uint8Array(out.buffer, out.byteOffset + at * 4, count * 4).set(src.subarray(0, count * 4));
    else for (let i = 0; i < count; i++) out[at + i] = src.readUInt32LE(i * 4);
    return;
  }
  let halves: Uint16Array;
  if (HOST_LITTLE_ENDIAN && src.byteOffset % 2 === 0) halves = new Uint16Array(src.buffer, src.byteOffset, count);
  else {
    halves = new Uint16Array(count);
    for (let i = 0; i < count; i++) halves[i] = src[2 * i] | (src[2 * i + 1] << 8);
  }
  if (dtype === 'F16') for (let i = 0; i < count; i++) out[at + i] = F16_TO_F32[halves[i]];
  else for (let i = 0; i < count; i++) out[at + i] = halves[i] << 16;
}

/** Encode `count` f32 bit patterns from `src` (from index `from`) as little-endian `dtype` into `dst`. */
export function encodeFromF32Bits(src: Uint32Array, from: number, count: number, dtype: FloatDtype, dst: Buffer): void {
  if (dtype === 'F32') {
    if (HOST_LITTLE_ENDIAN) dst.set(new Uint8Array(src.buffer, src.byteOffset + from * 4, count * 4));
    else for (let i = 0; i < count; i++) dst.writeUInt32LE(src[from + i], i * 4);
    return;
  }
  const toHalf = dtype === 'F16' ? f32BitsToF16 : f32BitsToBf16;
  for (let i = 0; i < count; i++) {
    const h = toHalf(src[from + i]);
    dst[2 * i] = h & 0xff;
    dst[2 * i + 1] = h >>> 8;
  }
}

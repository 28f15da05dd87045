// BF16 / F16 <-> F32 conversions, checked against IEEE 754 arithmetic done independently in
// float64 (every bf16/f16 value and every midpoint between neighbours is exact in f32 and f64).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bf16ToF32Bits, f16ToF32Bits, f32BitsToBf16, f32BitsToF16 } from '../../../../daemon/model/hf/dtype.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const bitsOf = (x: number): number => ((f32[0] = x), u32[0]);
const valueOf = (bits: number): number => ((u32[0] = bits), f32[0]);

/** The value of an f16 bit pattern from the definition: (-1)^s * 2^(e-15) * 1.m, or 2^-14 * 0.m. */
function f16Value(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0x1f) return m ? NaN : s * Infinity;
  return e === 0 ? s * m * 2 ** -24 : s * (1 + m / 1024) * 2 ** (e - 15);
}

test('f16 -> f32 is exact for all 65,536 bit patterns (NaNs stay NaN with their payload)', () => {
  for (let h = 0; h < 65536; h++) {
    const got = valueOf(f16ToF32Bits(h));
    const want = f16Value(h);
    if (Number.isNaN(want)) {
      assert.ok(Number.isNaN(got), `0x${h.toString(16)}`);
      assert.equal(f32BitsToF16(f16ToF32Bits(h)), h, `NaN 0x${h.toString(16)} round-trips bit for bit`);
    } else {
      assert.ok(Object.is(got, want), `0x${h.toString(16)}: ${got} != ${want}`);
    }
  }
});

test('f32 -> f16 rounds to nearest, ties to even, over every pair of neighbouring f16 values', () => {
  for (let h = 0; h < 0x7bff; h++) {
    // Positive finite neighbours a < b; the same holds for negatives by symmetry (checked below).
    const a = f16Value(h);
    const b = f16Value(h + 1);
    const mid = (a + b) / 2;
    assert.equal(f32BitsToF16(bitsOf(a)), h, `${a} is itself`);
    assert.equal(f32BitsToF16(bitsOf(mid)), h % 2 === 0 ? h : h + 1, `tie ${mid} goes to the even one`);
    const below = valueOf(bitsOf(mid) - 1);
    const above = valueOf(bitsOf(mid) + 1);
    assert.equal(f32BitsToF16(bitsOf(below)), h, `just below the midpoint ${mid}`);
    assert.equal(f32BitsToF16(bitsOf(above)), h + 1, `just above the midpoint ${mid}`);
    assert.equal(f32BitsToF16(bitsOf(-mid)), (h % 2 === 0 ? h : h + 1) | 0x8000, `negative tie ${-mid}`);
  }
  assert.equal(f32BitsToF16(bitsOf(65504)), 0x7bff, 'max f16');
  assert.equal(f32BitsToF16(bitsOf(65519.99)), 0x7bff, 'below the overflow midpoint');
  assert.equal(f32BitsToF16(bitsOf(65520)), 0x7c00, 'the midpoint to 2^16 ties to even: infinity');
  assert.equal(f32BitsToF16(bitsOf(1e10)), 0x7c00);
  assert.equal(f32BitsToF16(bitsOf(-Infinity)), 0xfc00);
  assert.equal(f32BitsToF16(bitsOf(2 ** -25)), 0x0000, 'half the smallest subnormal ties to zero');
  assert.equal(f32BitsToF16(bitsOf(2 ** -25 * 1.0001)), 0x0001);
  assert.equal(f32BitsToF16(bitsOf(1e-30)), 0x0000);
  assert.equal(f32BitsToF16(bitsOf(-0)), 0x8000, 'negative zero keeps its sign');
  assert.ok(Number.isNaN(f16Value(f32BitsToF16(bitsOf(NaN)))), 'NaN stays NaN');
  assert.ok(Number.isNaN(f16Value(f32BitsToF16(0x7f800001))), 'a NaN whose payload is below f16 precision stays NaN');
});

test('f32 -> bf16 rounds to nearest, ties to even, on hand-picked values', () => {
  // bf16 keeps 8 significant bits: between 1 and 2 the step is 2^-7.
  const step = 2 ** -7;
  const cases: [number, number][] = [
    [1, 0x3f80],
    [1 + step / 2, 0x3f80], // tie between 1.0 (even mantissa 0) and 1+step: to 1.0
    [1 + step * 1.5, 0x3f82], // tie between 1+step (odd) and 1+2step (even): up
    [1 + step / 2 + 2 ** -23, 0x3f81], // just above the tie: up
    [1 + step * 1.5 - 2 ** -23, 0x3f81], // just below the tie: down
    [-(1 + step / 2), 0xbf80],
    [3.140625, 0x4049], // exact
    [0.1, 0x3dcd], // 0x3dcccccd rounds up
    [3.4028234663852886e38, 0x7f80], // max f32 rounds past the max bf16: infinity
    [-Infinity, 0xff80],
    [2 ** -133, 0x0001], // an f32 subnormal that is a bf16 subnormal
    [-0, 0x8000],
  ];
  for (const [x, want] of cases) assert.equal(f32BitsToBf16(bitsOf(x)), want, `${x}`);
  assert.equal(f32BitsToBf16(0x7f800001), 0x7fc0, 'a NaN whose payload is only in the low bits stays NaN (quiet)');
  assert.equal(f32BitsToBf16(0xffc12345), 0xffc1, 'a NaN keeps its sign and upper payload');
  for (let h = 0; h < 65536; h++) {
    assert.equal(f32BitsToBf16(bf16ToF32Bits(h)), h, `bf16 0x${h.toString(16)} round-trips through f32`);
    assert.equal(bf16ToF32Bits(h), (h << 16) >>> 0);
  }
});

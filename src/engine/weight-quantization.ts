/**
 * Post-training weight quantization in tfjs's own weights-manifest format: each quantized entry carries
 * `quantization: { dtype, min, scale }` (affine uint8/uint16) or `{ dtype: 'float16' }`, which every tfjs
 * loader (tf.io.decodeWeights, loadGraphModel, our studentFromArtifacts) dequantizes on load. Only the
 * download shrinks; inference still runs in float32.
 */
import * as tf from '@tensorflow/tfjs';
import { weightBytes } from './weights-io';

export { weightBytes };

export type WeightQuantization = 'float32' | 'float16' | 'uint16' | 'uint8';
export const WEIGHT_QUANTIZATIONS: readonly WeightQuantization[] = ['float32', 'float16', 'uint16', 'uint8'];

export interface QuantizeOptions {
  /**
   * Tensors with fewer elements stay float32: BatchNorm statistics and biases are tiny, and an affine
   * 8-bit grid over a running variance would round its small entries to the grid's minimum.
   */
  minElements?: number;
}

// One scratch word for the bit reinterpretation (the conversion runs once per weight).
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits of a float32 value, rounded to nearest even (overflow → ±Infinity). */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // underflows to ±0
    mant |= 0x800000; // subnormal: shift in the implicit bit
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rounded = mant + half - 1 + ((mant >>> shift) & 1);
    return sign | (rounded >>> shift);
  }
  const rounded = mant + 0xfff + ((mant >>> 13) & 1);
  if (rounded & 0x800000) {
    // mantissa overflow carries into the exponent
    return e + 1 >= 0x1f ? sign | 0x7c00 : sign | ((e + 1) << 10);
  }
  return sign | (e << 10) | (rounded >>> 13);
}

function quantizeAffine(values: Float32Array, bits: 8 | 16): { bytes: ArrayBuffer; min: number; scale: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const levels = bits === 8 ? 255 : 65535;
  const scale = max > min ? (max - min) / levels : 1;
  const out = bits === 8 ? new Uint8Array(values.length) : new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    out[i] = Math.min(levels, Math.max(0, Math.round((values[i] - min) / scale)));
  }
  return { bytes: out.buffer as ArrayBuffer, min, scale };
}

/**
 * Returns new artifacts whose float32 weights (with at least `minElements` values) are stored as
 * `dtype`. Artifacts already quantized, or 'float32', come back unchanged.
 */
export function quantizeArtifacts(
  artifacts: tf.io.ModelArtifacts,
  dtype: WeightQuantization,
  opts: QuantizeOptions = {},
): tf.io.ModelArtifacts {
  if (dtype === 'float32') return artifacts;
  const specs = artifacts.weightSpecs;
  if (!specs || !artifacts.weightData) throw new Error('model has no weights to quantize');
  const minElements = opts.minElements ?? 1024;
  const source = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const chunks: ArrayBuffer[] = [];
  const outSpecs: tf.io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const spec of specs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.quantization || spec.dtype !== 'float32') {
      throw new Error(`weight "${spec.name}" is not plain float32 (dtype ${spec.dtype}); quantize float32 models only`);
    }
    const values = new Float32Array(source.slice(offset, offset + 4 * n));
    offset += 4 * n;
    if (n < minElements) {
      chunks.push(values.buffer);
      outSpecs.push({ ...spec });
    } else if (dtype === 'float16') {
      const half = new Uint16Array(n);
      for (let i = 0; i < n; i++) half[i] = float32ToFloat16Bits(values[i]);
      chunks.push(half.buffer);
      outSpecs.push({ ...spec, quantization: { dtype: 'float16' } });
    } else {
      const { bytes, min, scale } = quantizeAffine(values, dtype === 'uint8' ? 8 : 16);
      chunks.push(bytes);
      outSpecs.push({ ...spec, quantization: { dtype, min, scale } });
    }
  }
  return { ...artifacts, weightSpecs: outSpecs, weightData: tf.io.CompositeArrayBuffer.join(chunks) };
}

/** Which quantization the entries of a manifest use (for reports): 'float32' when none, else the dtype(s). */
export function describeQuantization(specs: tf.io.WeightsManifestEntry[]): string {
  const kinds = new Set(specs.map((s) => s.quantization?.dtype ?? 'float32'));
  return [...kinds].sort().join('+');
}

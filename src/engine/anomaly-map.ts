/**
 * Anomaly maps: per scale M_k = 1 − cos(E_k, D_k) along channels, bilinear upsampling to the input
 * size, fusion across scales (sum, as in the paper; product as an option), Gaussian smoothing, and the
 * image score = max of the smoothed map.
 */
import * as tf from '@tensorflow/tfjs';
import { gaussianKernel1d, reflectIndices } from './gaussian';
import { cosineSimilarity } from './loss';

export { gaussianKernel1d, reflectIndices };

export type Fusion = 'sum' | 'product';
export const FUSIONS: readonly Fusion[] = ['sum', 'product'];

/** Per-scale raw maps [N, h_k, w_k] (not upsampled). */
export function scaleAnomalyMaps(teacher: tf.Tensor4D[], student: tf.Tensor4D[]): tf.Tensor3D[] {
  return teacher.map((t, k) => tf.tidy(() => tf.sub(1, cosineSimilarity(t, student[k], 3)) as tf.Tensor3D));
}

/** Bilinear upsampling of [N, h, w] maps to [N, H, W] (half-pixel centres, no corner alignment). */
export function upsampleMap(map: tf.Tensor3D, height: number, width: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [n, h, w] = map.shape;
    const up = tf.image.resizeBilinear(tf.reshape(map, [n, h, w, 1]) as tf.Tensor4D, [height, width], false, true);
    return tf.reshape(up, [n, height, width]) as tf.Tensor3D;
  });
}

/** Upsample every scale to the input size and combine them. */
export function fuseScaleMaps(maps: tf.Tensor3D[], height: number, width: number, fusion: Fusion = 'sum'): tf.Tensor3D {
  return tf.tidy(() => {
    const ups = maps.map((m) => upsampleMap(m, height, width));
    if (fusion === 'sum') return tf.addN(ups) as tf.Tensor3D;
    return ups.reduce((acc, m) => tf.mul(acc, m)) as tf.Tensor3D;
  });
}

/**
 * The 1-D Gaussian with scipy's reflect border as an n×n matrix: row i holds the weights with which
 * output i sums the inputs, with the mirrored taps folded back onto the inputs they repeat. Blurring
 * becomes two plain matMuls (fast on every backend, any radius, no padding).
 */
export function gaussianBlurMatrix(n: number, sigma: number): Float32Array {
  const taps = gaussianKernel1d(sigma);
  const r = (taps.length - 1) / 2;
  const idx = reflectIndices(n, r);
  const m = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < taps.length; k++) m[i * n + idx[i + k]] += taps[k];
  }
  return m;
}

/** Separable Gaussian blur of [N, H, W] maps, σ ≥ 0 (0 = unchanged), reflect border like scipy. */
export function gaussianBlur(maps: tf.Tensor3D, sigma: number): tf.Tensor3D {
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new Error(`gaussian σ must be a finite number ≥ 0, got ${sigma}`);
  if (sigma === 0) return tf.clone(maps);
  return tf.tidy(() => {
    const [n, h, w] = maps.shape;
    const rows = tf.tensor3d(gaussianBlurMatrix(h, sigma), [1, h, h]);
    const cols = tf.tensor2d(gaussianBlurMatrix(w, sigma), [w, w]);
    // along W: [N·H, W] × colsᵀ; along H: rows × [H, W] per image (matMul broadcasts the batch of 1:
    // no tf.tile, which is a slow full copy on wasm)
    const horizontal = tf.reshape(tf.matMul(tf.reshape(maps, [n * h, w]), cols, false, true), [n, h, w]);
    return tf.matMul(rows, horizontal) as tf.Tensor3D;
  });
}

/** Image score = max of each smoothed map: [N, H, W] → [N]. */
export function imageScores(maps: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => tf.max(maps, [1, 2]) as tf.Tensor1D);
}

export interface AnomalyMapOptions {
  height: number;
  width: number;
  sigma: number;
  fusion?: Fusion;
  /** Which scales (0 = stride 4 … 2 = stride 16) enter the fused map; default all. */
  useScales?: readonly number[];
}

export interface AnomalyMapResult {
  /** Raw per-scale maps [N, h_k, w_k], before upsampling — cached by the UI to re-smooth for free. */
  scales: tf.Tensor3D[];
  /** Fused and smoothed [N, H, W]. */
  map: tf.Tensor3D;
  /** Max of `map` per image. */
  scores: tf.Tensor1D;
}

export function computeAnomalyMap(teacher: tf.Tensor4D[], student: tf.Tensor4D[], opts: AnomalyMapOptions): AnomalyMapResult {
  if (opts.useScales && !teacher.some((_, k) => opts.useScales!.includes(k))) throw new Error('anomaly map: no scale selected');
  const scales = scaleAnomalyMaps(teacher, student);
  const used = opts.useScales ? scales.filter((_, k) => opts.useScales!.includes(k)) : scales;
  const map = tf.tidy(() => gaussianBlur(fuseScaleMaps(used, opts.height, opts.width, opts.fusion ?? 'sum'), opts.sigma));
  return { scales, map, scores: imageScores(map) };
}

export function disposeAnomalyMap(result: AnomalyMapResult): void {
  tf.dispose([result.map, result.scores, ...result.scales]);
}

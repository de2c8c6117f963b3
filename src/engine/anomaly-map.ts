/**
 * Anomaly maps: per scale M_k = 1 − cos(E_k, D_k) along channels, bilinear upsampling to the input
 * size, fusion across scales (sum, as in the paper; product as an option), Gaussian smoothing, and the
 * image score = max of the smoothed map.
 */
import * as tf from '@tensorflow/tfjs';
import type { Fusion } from './fusion';
import { gaussianKernel1d, reflectIndices } from './gaussian';
import { cosineSimilarity } from './loss';

export { gaussianKernel1d, reflectIndices };
export { FUSIONS, type Fusion } from './fusion';

/** Per-scale raw maps [N, h_k, w_k] (not upsampled). */
export function scaleAnomalyMaps(teacher: tf.Tensor4D[], student: tf.Tensor4D[]): tf.Tensor3D[] {
  return teacher.map((t, k) => tf.tidy(() => tf.sub(1, cosineSimilarity(t, student[k], 3)) as tf.Tensor3D));
}

/**
 * Bilinear resampling from n to m samples (half-pixel centres, no corner alignment, edge clamped — the rule
 * of tf.image.resizeBilinear(…, false, true)) as an m×n matrix: row i holds output i's two weights.
 */
export function bilinearMatrix(m: number, n: number): Float32Array {
  const out = new Float32Array(m * n);
  const scale = n / m;
  for (let i = 0; i < m; i++) {
    const src = Math.min(n - 1, Math.max(0, (i + 0.5) * scale - 0.5));
    const lo = Math.floor(src);
    const hi = Math.min(n - 1, lo + 1);
    const f = src - lo;
    out[i * n + lo] += 1 - f;
    out[i * n + hi] += f;
  }
  return out;
}

/** a (m×k) · b (k×n): the 1-D map that applies b, then a. */
function compose(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float32Array {
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < k; j++) {
      const w = a[i * k + j];
      if (w !== 0) for (let c = 0; c < n; c++) out[i * n + c] += w * b[j * n + c];
    }
  }
  return out;
}

/**
 * [N, h, w] → [N, H, W] through a separable linear map: rows (H×h) along the height, cols (W×w) along the
 * width, as two small matMuls (the batch of 1 broadcasts: no tf.tile). wasm's ResizeBilinear is a slow
 * scalar loop; XNNPACK's matMul is not.
 */
function separable(map: tf.Tensor3D, rows: Float32Array, cols: Float32Array, height: number, width: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [n, h, w] = map.shape;
    const vertical = tf.matMul(tf.tensor3d(rows, [1, height, h]), map); // [N, H, w]
    const horizontal = tf.matMul(tf.reshape(vertical, [n * height, w]), tf.tensor2d(cols, [width, w]), false, true);
    return tf.reshape(horizontal, [n, height, width]) as tf.Tensor3D;
  });
}

/** Bilinear upsampling of [N, h, w] maps to [N, H, W] (half-pixel centres, no corner alignment). */
export function upsampleMap(map: tf.Tensor3D, height: number, width: number): tf.Tensor3D {
  const [, h, w] = map.shape;
  return separable(map, bilinearMatrix(height, h), bilinearMatrix(width, w), height, width);
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
  checkSigma(sigma);
  if (sigma === 0) return tf.clone(maps);
  const [, h, w] = maps.shape;
  return separable(maps, gaussianBlurMatrix(h, sigma), gaussianBlurMatrix(w, sigma), h, w);
}

/** Largest map σ the CLIs' --sigma and the worker's training option mapSigma accept. */
export const MAX_MAP_SIGMA = 64;

function checkSigma(sigma: number): void {
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new Error(`gaussian σ must be a finite number ≥ 0, got ${sigma}`);
}

/** B·U for an n → m axis (cached: the same few sizes and σ come back for every image). */
const upsampleBlurCache = new Map<string, Float32Array>();
function upsampleBlurMatrix(m: number, n: number, sigma: number): Float32Array {
  const key = `${m}/${n}/${sigma}`;
  let out = upsampleBlurCache.get(key);
  if (!out) {
    out = sigma > 0 ? compose(gaussianBlurMatrix(m, sigma), bilinearMatrix(m, n), m, m, n) : bilinearMatrix(m, n);
    if (upsampleBlurCache.size >= 64) upsampleBlurCache.delete(upsampleBlurCache.keys().next().value!);
    upsampleBlurCache.set(key, out);
  }
  return out;
}

/**
 * Sum fusion + blur in one step per scale: blur(Σ_k up(M_k)) = Σ_k (B_H·U_k) M_k (B_W·U_k)ᵀ, both linear
 * along each axis, so each scale goes straight from its own grid to the smoothed input-size map through
 * two small matMuls — no input-size intermediate per scale, no separate blur pass.
 */
function fusedSumAndBlur(maps: tf.Tensor3D[], height: number, width: number, sigma: number): tf.Tensor3D {
  return tf.tidy(() => {
    const terms = maps.map((m) => {
      const [, h, w] = m.shape;
      return separable(m, upsampleBlurMatrix(height, h, sigma), upsampleBlurMatrix(width, w, sigma), height, width);
    });
    return (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Tensor3D;
  });
}

/** One [N, h, w] map → bilinear up to [N, H, W] and Gaussian σ, in the same two matMuls as a scale of the fused map. */
export function upsampleBlur(map: tf.Tensor3D, height: number, width: number, sigma: number): tf.Tensor3D {
  checkSigma(sigma);
  return fusedSumAndBlur([map], height, width, sigma);
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
  checkSigma(opts.sigma);
  const fusion = opts.fusion ?? 'sum';
  const map = fusion === 'sum'
    ? fusedSumAndBlur(used, opts.height, opts.width, opts.sigma)
    : tf.tidy(() => gaussianBlur(fuseScaleMaps(used, opts.height, opts.width, fusion), opts.sigma));
  return { scales, map, scores: imageScores(map) };
}

export function disposeAnomalyMap(result: AnomalyMapResult): void {
  tf.dispose([result.map, result.scores, ...result.scales]);
}

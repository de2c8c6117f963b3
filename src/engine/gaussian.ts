/**
 * The Gaussian of the anomaly maps as plain numbers, without tfjs: the UI thread re-smooths cached maps
 * with the very same taps and border rule (src/data/map-render.ts) and must not pull tfjs into its bundle.
 */

/** Normalised 1-D Gaussian taps for σ, radius ⌈4σ⌉. */
export function gaussianKernel1d(sigma: number): Float32Array {
  if (!(sigma > 0)) return Float32Array.of(1);
  const radius = Math.ceil(4 * sigma);
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    k[i + radius] = v;
    sum += v;
  }
  return Float32Array.from(k, (v) => v / sum);
}

/**
 * scipy.ndimage's 'reflect' boundary (d c b a | a b c d | d c b a), as source indices for a padded
 * axis. Works for any radius, also larger than the axis.
 */
export function reflectIndices(length: number, radius: number): Int32Array {
  const out = new Int32Array(length + 2 * radius);
  const period = 2 * length;
  for (let i = 0; i < out.length; i++) {
    let j = (((i - radius) % period) + period) % period;
    if (j >= length) j = period - 1 - j;
    out[i] = j;
  }
  return out;
}

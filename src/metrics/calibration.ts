/**
 * Summary statistics of anomaly scores and decision thresholds calibrated on normal data only.
 */
import { sortFloat64 } from './sort.ts';

export interface ScoreStatistics {
  n: number;
  mean: number;
  /** Population standard deviation (divides by n). */
  std: number;
  min: number;
  max: number;
  /** Quantiles with linear interpolation between order statistics (NumPy's default). */
  p50: number;
  p95: number;
  p99: number;
}

export type ThresholdRule = { kind: 'quantile'; q: number } | { kind: 'meanStd'; k: number };

function sortedCopy(scores: ArrayLike<number>, fn: string): Float64Array {
  const n = scores.length;
  if (n === 0) throw new Error(`${fn}: no scores`);
  const sorted = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    if (Number.isNaN(s)) throw new Error(`${fn}: score at index ${i} is NaN`);
    sorted[i] = s;
  }
  sortFloat64(sorted);
  return sorted;
}

/** q-quantile (0 <= q <= 1) of ascending `sorted`, interpolating linearly at position q·(n−1). */
function quantileOfSorted(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const frac = pos - lo;
  return frac === 0 ? sorted[lo] : sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

/** Two-pass mean and population standard deviation. */
function meanStd(sorted: Float64Array): { mean: number; std: number } {
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = sorted[i] - mean;
    ss += d * d;
  }
  return { mean, std: Math.sqrt(ss / n) };
}

/**
 * n, mean, population std, min, max and the 50th/95th/99th percentiles (linear interpolation).
 * @throws Error on an empty input or a NaN score.
 */
export function scoreStatistics(scores: ArrayLike<number>): ScoreStatistics {
  const sorted = sortedCopy(scores, 'scoreStatistics');
  const { mean, std } = meanStd(sorted);
  return {
    n: sorted.length,
    mean,
    std,
    min: sorted[0],
    max: sorted[sorted.length - 1],
    p50: quantileOfSorted(sorted, 0.5),
    p95: quantileOfSorted(sorted, 0.95),
    p99: quantileOfSorted(sorted, 0.99),
  };
}

/**
 * Decision threshold from anomaly scores of normal (defect-free) samples only; a sample is then
 * flagged anomalous when its score is >= the threshold.
 *
 * - `{kind: 'quantile', q}`: the q-quantile of the normal scores (linear interpolation, as NumPy's
 *   default), so that roughly a fraction 1 − q of normal samples is flagged, e.g. q = 0.99 targets
 *   a 1 % false-alarm rate on data like the calibration set. Distribution-free, but needs enough
 *   samples for the tail (≳ 1/(1 − q)).
 * - `{kind: 'meanStd', k}` (default k = 3): mean + k · (population) standard deviation, the classic
 *   "3-sigma" rule; it assumes roughly Gaussian normal scores (under which k = 3 flags ≈ 0.13 %)
 *   and is sensitive to heavy tails and outliers in the calibration set.
 *
 * @throws Error on an empty input, a NaN score, q outside [0, 1] or a non-finite k.
 */
export function calibrateThreshold(
  normalScores: ArrayLike<number>,
  rule: ThresholdRule = { kind: 'meanStd', k: 3 },
): number {
  if (rule.kind === 'quantile') {
    if (!(rule.q >= 0 && rule.q <= 1)) throw new Error(`calibrateThreshold: q must be in [0, 1], got ${rule.q}`);
    return quantileOfSorted(sortedCopy(normalScores, 'calibrateThreshold'), rule.q);
  }
  if (rule.kind === 'meanStd') {
    if (!Number.isFinite(rule.k)) throw new Error(`calibrateThreshold: k must be finite, got ${rule.k}`);
    const { mean, std } = meanStd(sortedCopy(normalScores, 'calibrateThreshold'));
    return mean + rule.k * std;
  }
  throw new Error(`calibrateThreshold: unknown rule ${JSON.stringify(rule)}`);
}

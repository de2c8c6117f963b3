/**
 * Summary statistics of anomaly scores (the decision threshold built on them: normal-calibration.ts).
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

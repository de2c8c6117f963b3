/** Pure helpers behind the training charts (tested in Node). */

export interface Histogram {
  /** x range of the chart: every score and the threshold, with a margin. */
  lo: number;
  hi: number;
  /** Bin centres (equal widths from lo to hi). */
  centers: number[];
  /** counts[g][b]: scores of group g in bin b. */
  counts: number[][];
}

/**
 * Bins several score groups on one scale that also shows the threshold. Bin count grows with the number
 * of scores (√n × 2, 8..24); the range pads 8 % on each side (a single value gets ±10 % of itself).
 */
export function histogramBins(groups: readonly (readonly number[])[], threshold: number, bins?: number): Histogram {
  const values = groups.flat().filter(Number.isFinite);
  const all = Number.isFinite(threshold) ? [...values, threshold] : values;
  let lo = all.length ? Math.min(...all) : 0;
  let hi = all.length ? Math.max(...all) : 1;
  if (hi - lo < 1e-9) {
    const pad = Math.abs(lo) * 0.1 || 0.1;
    lo -= pad;
    hi += pad;
  } else {
    const pad = (hi - lo) * 0.08;
    lo -= pad;
    hi += pad;
  }
  lo = Math.max(0, lo);
  const n = bins ?? Math.min(24, Math.max(8, Math.ceil(Math.sqrt(values.length) * 2)));
  const width = (hi - lo) / n;
  const centers = Array.from({ length: n }, (_, b) => lo + (b + 0.5) * width);
  const counts = groups.map((g) => {
    const c = new Array<number>(n).fill(0);
    for (const v of g) {
      if (!Number.isFinite(v)) continue;
      c[Math.min(n - 1, Math.max(0, Math.floor((v - lo) / width)))]++;
    }
    return c;
  });
  return { lo, hi, centers, counts };
}

/** "19.3 MB", "850 kB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(0)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

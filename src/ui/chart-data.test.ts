import { describe, expect, it } from 'vitest';
import { formatBytes, histogramBins } from './chart-data';

describe('histogramBins', () => {
  it('puts every score in one bin of a range that shows the threshold', () => {
    const h = histogramBins([[0.2, 0.25], [0.1, 0.12, 0.15]], 0.3, 10);
    expect(h.counts.map((c) => c.reduce((a, b) => a + b))).toEqual([2, 3]);
    expect(h.lo).toBeLessThan(0.1);
    expect(h.hi).toBeGreaterThan(0.3);
    expect(h.centers).toHaveLength(10);
    const width = (h.hi - h.lo) / 10;
    // 0.1 lies in the bin whose centre is within half a width of it
    const b = h.counts[1].findIndex((c) => c > 0);
    expect(Math.abs(h.centers[b] - 0.1)).toBeLessThanOrEqual(width / 2 + 1e-12);
  });

  it('handles one score, no scores and non-finite values', () => {
    const one = histogramBins([[0.5], []], 0.5);
    expect(one.lo).toBeCloseTo(0.45);
    expect(one.hi).toBeCloseTo(0.55);
    expect(one.counts[0].reduce((a, b) => a + b)).toBe(1);
    const none = histogramBins([[], []], Number.NaN);
    expect(none.counts.flat().every((c) => c === 0)).toBe(true);
    expect(histogramBins([[Number.NaN, 0.2]], 0.3).counts[0].reduce((a, b) => a + b)).toBe(1);
  });
});

describe('formatting', () => {
  it('sizes', () => {
    expect(formatBytes(11_504_128)).toBe('11.5 MB');
    expect(formatBytes(850_000)).toBe('850 kB');
  });
});

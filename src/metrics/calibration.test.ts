import { describe, expect, it } from 'vitest';
import { scoreStatistics } from './calibration.ts';

describe('scoreStatistics', () => {
  it('computes known values for 1..5', () => {
    const s = scoreStatistics([3, 1, 5, 2, 4]);
    expect(s.n).toBe(5);
    expect(s.mean).toBe(3);
    expect(s.std).toBeCloseTo(Math.SQRT2, 15); // population: sqrt((4+1+0+1+4)/5)
    expect(s.min).toBe(1);
    expect(s.max).toBe(5);
    expect(s.p50).toBe(3);
    expect(s.p95).toBeCloseTo(4.8, 12); // position 0.95·4 = 3.8 → 4 + 0.8·(5 − 4)
    expect(s.p99).toBeCloseTo(4.96, 12); // position 3.96
  });

  it('handles a single value and large inputs', () => {
    expect(scoreStatistics(new Float32Array([2.5]))).toEqual({ n: 1, mean: 2.5, std: 0, min: 2.5, max: 2.5, p50: 2.5, p95: 2.5, p99: 2.5 });
    // 0..99999 in scrambled order (large enough for the radix-sort path).
    const n = 100_000;
    const v = Float64Array.from({ length: n }, (_, i) => (i * 7919) % n);
    const s = scoreStatistics(v);
    expect(s.mean).toBe(49_999.5);
    expect(s.std).toBeCloseTo(Math.sqrt((n * n - 1) / 12), 6);
    expect([s.min, s.max]).toEqual([0, n - 1]);
    expect(s.p50).toBeCloseTo(49_999.5, 9);
    expect(s.p95).toBeCloseTo(0.95 * (n - 1), 9);
    expect(s.p99).toBeCloseTo(0.99 * (n - 1), 9);
  });

  it('rejects empty input and NaN', () => {
    expect(() => scoreStatistics([])).toThrow(/no scores/);
    expect(() => scoreStatistics([1, NaN])).toThrow(/NaN/);
  });
});

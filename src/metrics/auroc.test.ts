import { describe, expect, it } from 'vitest';
import { seededUniform } from '../engine/random';
import { auroc, rocCurve } from './auroc.ts';


/** Reference: fraction of (positive, negative) pairs ranked correctly, ties counting ½. O(n²). */
function naiveAuroc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < scores.length; i++) (labels[i] ? pos : neg).push(scores[i]);
  let u = 0;
  for (const p of pos) for (const q of neg) u += p > q ? 1 : p === q ? 0.5 : 0;
  return u / (pos.length * neg.length);
}

function trapezoid(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let a = 0;
  for (let i = 1; i < x.length; i++) a += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return a;
}

describe('auroc', () => {
  it('is 1 for perfect separation, 0 when reversed, 0.5 when all tied', () => {
    expect(auroc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(auroc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(auroc([0.3, 0.3, 0.3, 0.3, 0.3], [0, 1, 0, 1, 1])).toBe(0.5);
  });

  it('matches hand-worked small cases', () => {
    // Positives 0.35 and 0.8 against negatives 0.1 and 0.4: 0.35 beats one, 0.8 beats both → 3/4.
    expect(auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    // Positive 0.5 beats 0.2 and ties 0.5 (½) → 1.5; positive 0.9 beats both → 2; 3.5/4.
    expect(auroc([0.2, 0.5, 0.5, 0.9], [0, 0, 1, 1])).toBe(0.875);
    // Boolean and 0/255 mask labels are accepted: nonzero/true = positive.
    expect(auroc(new Float32Array([0.2, 0.5, 0.5, 0.9]), [false, false, true, true])).toBe(0.875);
    expect(auroc([0.2, 0.5, 0.5, 0.9], new Uint8Array([0, 0, 255, 255]))).toBe(0.875);
  });

  it('agrees with the O(n²) pairwise count on random data with many ties', () => {
    const r = seededUniform(42);
    // [n, tie levels (0 = continuous), float32 input, positive rate]; the last two put > 16384
    // scores in one class, which takes the radix-sort path instead of the native sort.
    for (const [n, levels, f32, rate] of [
      [500, 7, true, 0.3],
      [3000, 50, false, 0.5],
      [20_000, 200, true, 0.02],
      [20_000, 0, false, 0.98], // float64 scores that are not float32-representable
    ] as const) {
      const scores = f32 ? new Float32Array(n) : new Array<number>(n);
      const labels = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        labels[i] = r() < rate ? 1 : 0;
        const raw = r() + 0.25 * labels[i] - 0.6;
        scores[i] = levels > 0 ? Math.round(raw * levels) / levels : raw;
      }
      const expected = naiveAuroc(scores, labels);
      expect(Math.abs(auroc(scores, labels) - expected)).toBeLessThanOrEqual(1e-12);
      expect(expected).toBeGreaterThan(0.55);
    }
  });

  it('throws clear errors', () => {
    expect(() => auroc([0.1, 0.2], [1, 1])).toThrow(/no negative/);
    expect(() => auroc([0.1, 0.2], [0, 0])).toThrow(/no positive/);
    expect(() => auroc([0.1, 0.2, 0.3], [0, 1])).toThrow(/different lengths/);
    expect(() => auroc([0.1, NaN], [0, 1])).toThrow(/NaN/);
    expect(() => auroc([0.1, 0.2], [0, NaN])).toThrow(/NaN/);
    expect(() => rocCurve([0.1, 0.2], [1, 1])).toThrow(/no negative/);
  });
});

describe('rocCurve', () => {
  it('has one point per distinct threshold on a hand-worked case', () => {
    const { fpr, tpr, thresholds } = rocCurve([0.2, 0.5, 0.5, 0.9], [0, 0, 1, 1]);
    expect(Array.from(thresholds)).toEqual([Infinity, 0.9, 0.5, 0.2]);
    expect(Array.from(fpr)).toEqual([0, 0, 0.5, 1]);
    expect(Array.from(tpr)).toEqual([0, 0.5, 1, 1]);
  });

  it('is monotone, ends at (1, 1), and its trapezoidal area equals auroc', () => {
    const r = seededUniform(7);
    const n = 30_000;
    const scores = new Float32Array(n);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = r() < 0.2 ? 1 : 0;
      scores[i] = Math.round((r() + 0.3 * labels[i]) * 300) / 300;
    }
    const { fpr, tpr, thresholds } = rocCurve(scores, labels);
    expect(thresholds.length).toBe(new Set(scores).size + 1);
    for (let i = 1; i < fpr.length; i++) {
      expect(thresholds[i]).toBeLessThan(thresholds[i - 1]);
      expect(fpr[i]).toBeGreaterThanOrEqual(fpr[i - 1]);
      expect(tpr[i]).toBeGreaterThanOrEqual(tpr[i - 1]);
    }
    expect(fpr[fpr.length - 1]).toBe(1);
    expect(tpr[tpr.length - 1]).toBe(1);
    expect(Math.abs(trapezoid(fpr, tpr) - auroc(scores, labels))).toBeLessThan(1e-12);
  });
});

import { describe, expect, it } from 'vitest';
import { confusionAt, f1Optimal, noGoodFlagged, targetFpr } from './threshold-choices.ts';

const scores = [0.1, 0.2, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7];
const labels = [0, 0, 0, 1, 0, 1, 1, 1];

describe('threshold choices', () => {
  it('confusion matrix: flagged means above the threshold', () => {
    expect(confusionAt(scores, labels, 0.4)).toMatchObject({ tp: 3, fn: 1, fp: 0, tn: 4, precision: 1, recall: 0.75, fpr: 0 });
    expect(confusionAt(scores, labels, 0.3)).toMatchObject({ tp: 4, fn: 0, fp: 1, tn: 3, fpr: 0.25 });
  });

  it('F1-optimal beats every other cut', () => {
    const best = f1Optimal(scores, labels);
    // 0.3: tp 4, fp 1 → F1 8/9; 0.4: tp 3, fp 0 → F1 6/7
    expect(best.threshold).toBe(0.3);
    expect(best.f1).toBeCloseTo(8 / 9, 12);
    for (const t of [0, 0.1, 0.2, 0.35, 0.4, 0.5, 0.6, 0.7]) expect(confusionAt(scores, labels, t).f1).toBeLessThanOrEqual(best.f1);
  });

  it('no good image flagged: the largest good score', () => {
    const c = noGoodFlagged(scores, labels);
    expect(c).toMatchObject({ threshold: 0.4, fp: 0, tp: 3 });
  });

  it('target FPR: at most ⌊rate × #good⌋ good images flagged, as low as that allows', () => {
    expect(targetFpr(scores, labels, 0.25)).toMatchObject({ threshold: 0.3, fp: 1 });
    expect(targetFpr(scores, labels, 0.2)).toMatchObject({ threshold: 0.4, fp: 0 });
    expect(targetFpr(scores, labels, 1)).toMatchObject({ fp: 4, tp: 4 });
    expect(() => targetFpr(scores, labels, 2)).toThrow(/\[0, 1\]/);
    expect(() => noGoodFlagged([0.5], [1])).toThrow(/no good/);
  });
});

import { describe, expect, it } from 'vitest';
import { HELD_OUT_RULE, OPTIMISTIC_RULE, calibrateFromNormals, holdOutSplit, isNewProduct, outsideNormalRange } from './normal-calibration.ts';

describe('holdOutSplit', () => {
  it('holds out nothing below 5 images and every 5th image (⌈N/5⌉) from 5 on', () => {
    expect(holdOutSplit(1)).toEqual({ train: [0], heldOut: [] });
    expect(holdOutSplit(4)).toEqual({ train: [0, 1, 2, 3], heldOut: [] });
    expect(holdOutSplit(5)).toEqual({ train: [1, 2, 3, 4], heldOut: [0] });
    expect(holdOutSplit(12)).toEqual({ train: [1, 2, 3, 4, 6, 7, 8, 9, 11], heldOut: [0, 5, 10] });
    for (let n = 5; n <= 60; n++) {
      const s = holdOutSplit(n);
      expect(s.heldOut.length).toBe(Math.ceil(n / 5));
      expect([...s.train, ...s.heldOut].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
    expect(() => holdOutSplit(0)).toThrow(/at least one image/);
  });
});

describe('calibrateFromNormals', () => {
  it('N = 1: optimistic, 1.25 × the single training score', () => {
    const c = calibrateFromNormals([], [0.4]);
    expect(c).toMatchObject({ heldOut: [], training: [0.4], optimistic: true, rule: OPTIMISTIC_RULE });
    expect(c.threshold).toBeCloseTo(0.5, 12);
    expect(c.stats.n).toBe(1);
  });

  it('N = 4: optimistic, max(mean + 3·std, 1.25 × max) of the training scores', () => {
    // mean 0.25, population std √0.0125 ≈ 0.1118 → mean + 3·std ≈ 0.5854 > 1.25 × 0.4 = 0.5
    const c = calibrateFromNormals([], [0.1, 0.2, 0.3, 0.4]);
    expect(c.optimistic).toBe(true);
    expect(c.threshold).toBeCloseTo(0.25 + 3 * Math.sqrt(0.0125), 12);
    // tight scores: the 25 % margin wins
    expect(calibrateFromNormals([], [1, 1, 1, 1.01]).threshold).toBeCloseTo(1.2625, 12);
  });

  it('N = 5 (one held-out image): 1.05 × its score', () => {
    const c = calibrateFromNormals([0.8], [0.3, 0.35, 0.4, 0.5]);
    expect(c).toMatchObject({ heldOut: [0.8], training: [0.3, 0.35, 0.4, 0.5], optimistic: false, rule: HELD_OUT_RULE });
    expect(c.threshold).toBeCloseTo(0.84, 12);
    expect(c.stats).toMatchObject({ n: 1, max: 0.8 });
  });

  it('N = 12 (three held-out images): max(1.05 × max, mean + 3·std), above every held-out score', () => {
    const heldOut = [0.5, 0.52, 0.9];
    const training = [0.2, 0.21, 0.22, 0.23, 0.24, 0.25, 0.26, 0.27, 0.28];
    const c = calibrateFromNormals(heldOut, training);
    const mean = (0.5 + 0.52 + 0.9) / 3;
    const std = Math.sqrt(heldOut.reduce((s, v) => s + (v - mean) ** 2, 0) / 3);
    expect(c.threshold).toBeCloseTo(Math.max(1.05 * 0.9, mean + 3 * std), 12);
    expect(c.threshold).toBeCloseTo(mean + 3 * std, 12); // the spread wins here
    for (const s of heldOut) expect(c.threshold).toBeGreaterThan(s);
    // equal held-out scores (std 0): the margin keeps them below
    const flat = calibrateFromNormals([0.6, 0.6, 0.6], training);
    expect(flat.threshold).toBeCloseTo(0.63, 12);
  });

  it('threshold ≥ every held-out score for random inputs; refuses non-finite scores', () => {
    let s = 7;
    const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let t = 0; t < 200; t++) {
      const heldOut = Array.from({ length: 1 + (t % 7) }, () => rnd() * 3);
      const c = calibrateFromNormals(heldOut, [rnd()]);
      for (const v of heldOut) expect(c.threshold).toBeGreaterThanOrEqual(v);
    }
    expect(() => calibrateFromNormals([0.1, Number.NaN], [0.1])).toThrow(/held-out score 2 is NaN/);
    expect(() => calibrateFromNormals([], [Infinity])).toThrow(/training score 1 is Infinity/);
    expect(() => calibrateFromNormals([], [])).toThrow(/no scores/);
  });
});

describe('not your product', () => {
  it('an image is outside the normal range when its map median is above the calibrated threshold', () => {
    expect(outsideNormalRange(0.5, 0.244)).toBe(true);
    expect(outsideNormalRange(0.08, 0.244)).toBe(false);
    expect(outsideNormalRange(0.244, 0.244)).toBe(false);
    expect(outsideNormalRange(0.5, Number.NaN)).toBe(false);
  });

  it('photos are a new product when more than half lie outside', () => {
    expect(isNewProduct([0.5, 0.6, 0.1], 0.25)).toBe(true);
    expect(isNewProduct([0.5, 0.1], 0.25)).toBe(false);
    expect(isNewProduct([], 0.25)).toBe(false);
  });
});

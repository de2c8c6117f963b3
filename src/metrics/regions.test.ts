import { describe, expect, it } from 'vitest';
import { defectRegions, regionOutline } from './regions.ts';

describe('defectRegions', () => {
  it('finds each blob above the threshold with its area, box and peak, largest first', () => {
    const w = 10;
    const h = 8;
    const map = new Float32Array(w * h).fill(0.1);
    // a 3×2 block with its peak at (2, 1) and a 4×4 block with its peak at (7, 5)
    for (let y = 1; y <= 2; y++) for (let x = 1; x <= 3; x++) map[y * w + x] = 0.6;
    map[1 * w + 2] = 0.9;
    for (let y = 3; y <= 6; y++) for (let x = 5; x <= 8; x++) map[y * w + x] = 0.55;
    map[5 * w + 7] = 0.8;
    map[0] = 0.5; // equal to the threshold: not above it
    const rm = defectRegions(map, w, h, 0.5);
    expect(rm.regions).toEqual([
      { area: 16, x0: 5, y0: 3, x1: 8, y1: 6, peak: Math.fround(0.8), peakX: 7, peakY: 5 },
      { area: 6, x0: 1, y0: 1, x1: 3, y1: 2, peak: Math.fround(0.9), peakX: 2, peakY: 1 },
    ]);
    expect(rm.labels[5 * w + 7]).toBe(1);
    expect(rm.labels[1 * w + 2]).toBe(2);
    expect(rm.labels[0]).toBe(0);
    const outline = regionOutline(rm);
    // the 4×4 block's interior (2×2) is not outline, its rim (12 px) is; the 3×2 block is all rim
    let rim = 0;
    for (const v of outline) rim += v;
    expect(rim).toBe(12 + 6);
    expect(outline[4 * w + 6]).toBe(0);
  });

  it('joins diagonal neighbours (8-connectivity) and finds nothing in a flat map', () => {
    const map = Float32Array.from([1, 0, 0, 1]);
    expect(defectRegions(map, 2, 2, 0.5).regions).toHaveLength(1);
    expect(defectRegions(new Float32Array(9), 3, 3, 0.5).regions).toEqual([]);
    expect(() => defectRegions(new Float32Array(3), 2, 2, 0)).toThrow(/expected 2×2/);
  });
});

import { describe, expect, it } from 'vitest';
import {
  blendOverlay,
  COLORMAP_NAMES,
  colormapColor,
  colormapLut,
  renderHeatmap,
  type ColormapName,
} from './colormap.ts';

const srgbToLinear = (c: number): number => {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
};

/** Relative luminance (Rec. 709 / sRGB primaries) of LUT entry i. */
function luminance(lut: Uint8Array, i: number): number {
  return 0.2126 * srgbToLinear(lut[i * 3]) + 0.7152 * srgbToLinear(lut[i * 3 + 1]) + 0.0722 * srgbToLinear(lut[i * 3 + 2]);
}

function near(actual: number[], expected: number[], tol: number): void {
  actual.forEach((v, i) => expect(Math.abs(v - expected[i]), `channel ${i}: ${v} vs ${expected[i]}`).toBeLessThanOrEqual(tol));
}

describe('colormap LUTs', () => {
  it('are 256 x 3 bytes and cached', () => {
    for (const name of COLORMAP_NAMES) {
      const lut = colormapLut(name);
      expect(lut.length).toBe(768);
      expect(colormapLut(name)).toBe(lut);
    }
  });

  it('have the published end colors', () => {
    near(colormapColor('viridis', 0), [68, 1, 84], 5); // #440154
    near(colormapColor('viridis', 1), [253, 231, 37], 6); // #fde725
    near(colormapColor('viridis', 0.5), [33, 145, 140], 5); // #21918c
    near(colormapColor('inferno', 0), [0, 0, 4], 5); // #000004
    near(colormapColor('inferno', 1), [252, 255, 164], 6); // #fcffa4
    near(colormapColor('inferno', 0.5), [188, 55, 84], 6); // #bc3754
    expect(colormapColor('gray', 0)).toEqual([0, 0, 0]);
    expect(colormapColor('gray', 1)).toEqual([255, 255, 255]);
  });

  it('turbo runs dark → blue → green → red → dark red', () => {
    const [r0, g0, b0] = colormapColor('turbo', 0);
    expect(Math.max(r0, g0, b0)).toBeLessThan(70);
    const [rb, gb, bb] = colormapColor('turbo', 0.12);
    expect(bb).toBeGreaterThan(rb);
    expect(bb).toBeGreaterThan(gb);
    const [rg, gg, bg] = colormapColor('turbo', 0.5);
    expect(gg).toBeGreaterThan(rg);
    expect(gg).toBeGreaterThan(bg);
    const [r1, g1, b1] = colormapColor('turbo', 1);
    expect(r1).toBeGreaterThan(100);
    expect(g1).toBeLessThan(40);
    expect(b1).toBeLessThan(20);
  });

  it.each(['inferno', 'viridis'] as ColormapName[])('%s has monotone luminance', (name) => {
    const lut = colormapLut(name);
    for (let i = 1; i < 256; i++) {
      // allow only 8-bit rounding dips (one channel stepping down by 1)
      expect(luminance(lut, i) - luminance(lut, i - 1), `entry ${i}`).toBeGreaterThan(-0.001);
    }
    for (let i = 8; i < 256; i++) {
      expect(luminance(lut, i), `entry ${i} vs ${i - 8}`).toBeGreaterThan(luminance(lut, i - 8));
    }
    expect(luminance(lut, 255) - luminance(lut, 0)).toBeGreaterThan(0.7);
  });

  it('colormapColor clamps and maps NaN to the low end', () => {
    expect(colormapColor('inferno', -3)).toEqual(colormapColor('inferno', 0));
    expect(colormapColor('inferno', 7)).toEqual(colormapColor('inferno', 1));
    expect(colormapColor('inferno', NaN)).toEqual(colormapColor('inferno', 0));
  });

  it('rejects an unknown name', () => {
    expect(() => colormapLut('jet' as ColormapName)).toThrow(/unknown colormap/);
  });
});

describe('renderHeatmap', () => {
  const lut = colormapLut('viridis');
  const entry = (i: number): number[] => [lut[i * 3], lut[i * 3 + 1], lut[i * 3 + 2], 255];

  it('maps [min, max] onto the LUT and clamps outside values', () => {
    const map = Float32Array.from([-5, 0, 0.5, 1, 9, NaN]);
    const out = renderHeatmap(map, 3, 2, { min: 0, max: 1, colormap: 'viridis' });
    expect(out).toBeInstanceOf(Uint8ClampedArray);
    expect(out.length).toBe(24);
    const px = (i: number): number[] => Array.from(out.subarray(i * 4, i * 4 + 4));
    expect(px(0)).toEqual(entry(0));
    expect(px(1)).toEqual(entry(0));
    expect(px(2)).toEqual(entry(128));
    expect(px(3)).toEqual(entry(255));
    expect(px(4)).toEqual(entry(255));
    expect(px(5)).toEqual(entry(0));
  });

  it('defaults min/max to the data range, handles a flat map, sets alpha', () => {
    const out = renderHeatmap(Float32Array.from([2, 4]), 2, 1, { colormap: 'viridis', alpha: 100 });
    expect(Array.from(out)).toEqual([...entry(0).slice(0, 3), 100, ...entry(255).slice(0, 3), 100]);
    const flat = renderHeatmap(Float32Array.from([3, 3]), 2, 1, { min: 3, max: 3, colormap: 'viridis' });
    expect(Array.from(flat)).toEqual([...entry(0), ...entry(0)]);
  });

  it('rejects a size mismatch', () => {
    expect(() => renderHeatmap(new Float32Array(5), 2, 2, { min: 0, max: 1, colormap: 'turbo' })).toThrow(/expected 2x2/);
  });
});

describe('blendOverlay', () => {
  const base = { width: 2, height: 1, data: Uint8Array.from([0, 100, 200, 50, 50, 50]) };
  const heat = Uint8ClampedArray.from([200, 100, 0, 255, 250, 250, 250, 0]);

  it('blends by opacity times heat alpha', () => {
    expect(Array.from(blendOverlay(base, heat, 0))).toEqual([0, 100, 200, 255, 50, 50, 50, 255]);
    expect(Array.from(blendOverlay(base, heat, 1))).toEqual([200, 100, 0, 255, 50, 50, 50, 255]);
    expect(Array.from(blendOverlay(base, heat, 0.5))).toEqual([100, 100, 100, 255, 50, 50, 50, 255]);
    expect(Array.from(blendOverlay(base, heat, 5))).toEqual(Array.from(blendOverlay(base, heat, 1)));
  });

  it('rejects a size mismatch', () => {
    expect(() => blendOverlay(base, new Uint8ClampedArray(4), 0.5)).toThrow(RangeError);
  });
});

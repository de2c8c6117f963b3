import { describe, expect, it } from 'vitest';
import {
  assertRgbImage,
  binarizeChannels,
  grayToRgb,
  resizeNearestMask,
  rgbaToRgb,
  rgbToGray,
  rgbToRgba,
  type RgbImage,
} from './image.ts';

describe('resizeNearestMask', () => {
  it('is the identity at the same size', () => {
    const m = Uint8Array.from([0, 1, 1, 0, 1, 0]);
    expect(Array.from(resizeNearestMask(m, 3, 2, 3, 2))).toEqual(Array.from(m));
  });

  it('upscales by replicating pixels', () => {
    const m = Uint8Array.from([1, 0, 0, 1]);
    expect(Array.from(resizeNearestMask(m, 2, 2, 4, 4))).toEqual([
      1, 1, 0, 0,
      1, 1, 0, 0,
      0, 0, 1, 1,
      0, 0, 1, 1,
    ]);
  });

  it('downscales by sampling pixel centres, non-square', () => {
    // 4x2 → 2x1: output x=0 samples column floor(0.5*2)=1, x=1 samples column 3; row floor(0.5*2)=1.
    const m = Uint8Array.from([
      0, 0, 0, 0,
      0, 1, 0, 1,
    ]);
    expect(Array.from(resizeNearestMask(m, 4, 2, 2, 1))).toEqual([1, 1]);
    // stays binary for any ratio
    const big = new Uint8Array(37 * 23).map((_, i) => (i * 7) % 3 === 0 ? 1 : 0);
    const out = resizeNearestMask(big, 37, 23, 64, 11);
    expect(out.length).toBe(64 * 11);
    expect(out.every((v) => v === 0 || v === 1)).toBe(true);
  });

  it('rejects a mask of the wrong length', () => {
    expect(() => resizeNearestMask(new Uint8Array(5), 2, 2, 4, 4)).toThrow(RangeError);
    expect(() => resizeNearestMask(new Uint8Array(4), 2, 2, 0, 4)).toThrow(RangeError);
  });
});

describe('pixel conversions', () => {
  const img: RgbImage = { width: 2, height: 1, data: Uint8Array.from([10, 20, 30, 200, 100, 50]) };

  it('rgbToRgba adds a constant alpha', () => {
    expect(Array.from(rgbToRgba(img))).toEqual([10, 20, 30, 255, 200, 100, 50, 255]);
    expect(Array.from(rgbToRgba(img, 7))).toEqual([10, 20, 30, 7, 200, 100, 50, 7]);
    expect(rgbToRgba(img)).toBeInstanceOf(Uint8ClampedArray);
  });

  it('rgbaToRgb composites over black, a gray level, or drops alpha', () => {
    const rgba = Uint8Array.from([200, 100, 50, 255, 200, 100, 50, 0, 200, 100, 50, 51]);
    expect(Array.from(rgbaToRgb(rgba, 3, 1).data)).toEqual([200, 100, 50, 0, 0, 0, 40, 20, 10]);
    expect(Array.from(rgbaToRgb(rgba, 3, 1, 255).data)).toEqual([200, 100, 50, 255, 255, 255, 244, 224, 214]);
    expect(Array.from(rgbaToRgb(rgba, 3, 1, 'drop').data)).toEqual([200, 100, 50, 200, 100, 50, 200, 100, 50]);
  });

  it('grayToRgb replicates and rgbToGray uses Rec. 601 weights', () => {
    const g = grayToRgb(Uint8Array.from([0, 128, 255]), 3, 1);
    expect(g).toEqual({ width: 3, height: 1, data: Uint8Array.from([0, 0, 0, 128, 128, 128, 255, 255, 255]) });
    expect(Array.from(rgbToGray(g))).toEqual([0, 128, 255]);
    expect(Array.from(rgbToGray({ width: 1, height: 1, data: Uint8Array.from([255, 0, 0]) }))).toEqual([76]);
  });

  it('binarizeChannels marks any nonzero color channel', () => {
    const rgb = Uint8Array.from([0, 0, 0, 0, 0, 9, 255, 255, 255, 1, 0, 0]);
    expect(Array.from(binarizeChannels(rgb, 4, 1, 3))).toEqual([0, 1, 1, 1]);
    expect(Array.from(binarizeChannels(rgb, 4, 1, 3, 3, 127))).toEqual([0, 0, 1, 0]);
    // RGBA stride, alpha not counted
    const rgba = Uint8Array.from([0, 0, 0, 255, 0, 3, 0, 255]);
    expect(Array.from(binarizeChannels(rgba, 2, 1, 4, 3))).toEqual([0, 1]);
  });

  it('assertRgbImage checks the data length', () => {
    expect(() => assertRgbImage(img)).not.toThrow();
    expect(() => assertRgbImage({ width: 2, height: 2, data: new Uint8Array(6) })).toThrow(/expected 12/);
  });
});

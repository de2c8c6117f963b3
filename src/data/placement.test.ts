import { describe, expect, it } from 'vitest';
import { grayThumbnail, placementSpread } from './placement';
import { SeededRandom } from '../engine/random';

/** A 64×64 photo: dark background, a bright 16×16 part at (x, y), plus a little noise and a global brightness change. */
function photo(x: number, y: number, rng: SeededRandom, gain = 1): { width: number; height: number; rgba: Uint8ClampedArray } {
  const rgba = new Uint8ClampedArray(64 * 64 * 4);
  for (let py = 0; py < 64; py++) {
    for (let px = 0; px < 64; px++) {
      const inside = px >= x && px < x + 16 && py >= y && py < y + 16;
      const v = (inside ? 200 : 40) * gain + (rng.next() - 0.5) * 10;
      rgba.set([v, v, v, 255], (py * 64 + px) * 4);
    }
  }
  return { width: 64, height: 64, rgba };
}

describe('placement spread', () => {
  it('near 0 for a part at one place (brightness and noise vary), high when it moves, null for one photo', () => {
    const rng = new SeededRandom(3);
    const fixed = Array.from({ length: 10 }, (_, i) => grayThumbnail(photo(24, 24, rng, 0.9 + 0.02 * i)));
    const moving = Array.from({ length: 10 }, () => grayThumbnail(photo(Math.floor(rng.next() * 48), Math.floor(rng.next() * 48), rng)));
    const a = placementSpread(fixed)!;
    const b = placementSpread(moving)!;
    expect(a).toBeLessThan(0.05);
    expect(b).toBeGreaterThan(0.5);
    expect(b).toBeLessThanOrEqual(1);
    expect(placementSpread(fixed.slice(0, 1))).toBeNull();
    expect(placementSpread([new Float32Array(4), new Float32Array(4)])).toBe(0);
    expect(() => placementSpread([new Float32Array(4), new Float32Array(9)])).toThrow(/different sizes/);
  });

  it('thumbnails are area means of luma, squash any aspect to the square, and work for images smaller than the grid', () => {
    const red = { width: 100, height: 50, rgba: new Uint8ClampedArray(100 * 50 * 4).fill(255) };
    for (let i = 0; i < red.rgba.length; i += 4) red.rgba.set([255, 0, 0, 255], i);
    const t = grayThumbnail(red);
    expect(t).toHaveLength(32 * 32);
    expect(t.every((v) => Math.abs(v - 0.299) < 1e-6)).toBe(true);
    const tiny = { width: 2, height: 1, rgba: new Uint8ClampedArray([0, 0, 0, 255, 255, 255, 255, 255]) };
    const s = grayThumbnail(tiny, 4);
    expect(Array.from(s)).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1]);
    expect(() => grayThumbnail({ width: 2, height: 2, rgba: new Uint8ClampedArray(3) })).toThrow(/2×2/);
  });
});

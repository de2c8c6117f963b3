import { describe, expect, it } from 'vitest';
import { seededUniform } from '../engine/random';
import { auroc } from './auroc.ts';
import { PixelStatistics } from './pixel-histogram.ts';
import { perRegionOverlap } from './pro.ts';

const W = 64;

/** Smooth random maps (a few Gaussian bumps, some over the defects) and masks with 0–3 blob regions. */
function dataset(seed: number, images: number, levels = 0): { maps: Float32Array[]; masks: Uint8Array[] } {
  const r = seededUniform(seed);
  const maps: Float32Array[] = [];
  const masks: Uint8Array[] = [];
  for (let k = 0; k < images; k++) {
    const map = new Float32Array(W * W);
    const mask = new Uint8Array(W * W);
    const base = 0.1 + 0.05 * r();
    const bumps: [number, number, number, number][] = [];
    for (let b = 0; b < 3; b++) bumps.push([r() * W, r() * W, 2 + 6 * r(), 0.2 * r()]);
    const defects = k % 3 === 0 ? 0 : 1 + Math.floor(r() * 3);
    for (let d = 0; d < defects; d++) {
      const cx = 6 + r() * (W - 12);
      const cy = 6 + r() * (W - 12);
      const rad = 1.5 + 6 * r();
      bumps.push([cx, cy, rad * 1.3, 0.15 + 0.4 * r()]);
      for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= rad * rad) mask[y * W + x] = 255;
    }
    for (let y = 0; y < W; y++) {
      for (let x = 0; x < W; x++) {
        let v = base + 0.02 * r();
        for (const [bx, by, s, a] of bumps) v += a * Math.exp(-((x - bx) ** 2 + (y - by) ** 2) / (2 * s * s));
        map[y * W + x] = levels > 0 ? Math.round(v * levels) / levels : v;
      }
    }
    maps.push(map);
    masks.push(mask);
  }
  return { maps, masks };
}

function exact(maps: Float32Array[], masks: Uint8Array[]): { pixelAuroc: number; pro: number } {
  const scores = new Float32Array(maps.length * W * W);
  const labels = new Uint8Array(maps.length * W * W);
  maps.forEach((m, i) => {
    scores.set(m, i * W * W);
    labels.set(masks[i], i * W * W);
  });
  return { pixelAuroc: auroc(scores, labels), pro: perRegionOverlap(maps, masks, W, W).pro };
}

function streamed(maps: Float32Array[], masks: Uint8Array[]): PixelStatistics {
  const stats = new PixelStatistics();
  maps.forEach((m, i) => stats.add(m, masks[i].some((v) => v !== 0) ? masks[i] : null, W, W));
  return stats;
}

describe('PixelStatistics', () => {
  it('matches the exact pixel AUROC and PRO on continuous scores within its bound (and 1e-4)', () => {
    for (const seed of [1, 2, 3]) {
      const { maps, masks } = dataset(seed, 30);
      const ref = exact(maps, masks);
      const s = streamed(maps, masks);
      const a = s.pixelAuroc();
      const p = s.pro();
      expect(Math.abs(a.value - ref.pixelAuroc)).toBeLessThanOrEqual(a.errorBound + 1e-12);
      expect(Math.abs(p.value - ref.pro)).toBeLessThanOrEqual(p.errorBound + 1e-12);
      expect(Math.abs(a.value - ref.pixelAuroc)).toBeLessThan(1e-4);
      expect(Math.abs(p.value - ref.pro)).toBeLessThan(1e-4);
      expect(a.errorBound).toBeLessThan(1e-4);
      expect(p.errorBound).toBeLessThan(1e-4);
      expect(ref.pixelAuroc).toBeGreaterThan(0.6);
      expect(ref.pro).toBeGreaterThan(0.2);
    }
  });

  it('is exact when scores tie at a few levels (whole bins are ties in both)', () => {
    const { maps, masks } = dataset(9, 20, 40);
    const ref = exact(maps, masks);
    const s = streamed(maps, masks);
    expect(s.pixelAuroc().value).toBeCloseTo(ref.pixelAuroc, 10);
    expect(s.pro().value).toBeCloseTo(ref.pro, 10);
  });

  it('does not depend on the order of the images, counts regions like pro.ts, and stays small', () => {
    const { maps, masks } = dataset(4, 24);
    const fwd = streamed(maps, masks);
    const rev = streamed([...maps].reverse(), [...masks].reverse());
    expect(rev.pixelAuroc().value).toBeCloseTo(fwd.pixelAuroc().value, 12);
    expect(rev.pro().value).toBeCloseTo(fwd.pro().value, 12);
    expect(fwd.imageCount).toBe(24);
    expect(fwd.regionCount).toBeGreaterThan(10);
    expect(fwd.kilobytes).toBeLessThan(2048);
  });

  it('keeps bounded memory for 1000 images at 256² (nothing per image is kept)', () => {
    const n = 256;
    const base = Float32Array.from({ length: n * n }, (_, i) => 0.05 + 0.3 * Math.abs(Math.sin(i / 977)) + 0.1 * Math.abs(Math.cos(i / 131)));
    const mask = new Uint8Array(n * n);
    for (let y = 100; y < 130; y++) mask.fill(255, y * n + 100, y * n + 140);
    const s = new PixelStatistics();
    const map = new Float32Array(n * n);
    let after50 = 0;
    for (let k = 0; k < 1000; k++) {
      if (k === 50) after50 = s.kilobytes; // every gain (k % 50) has been seen
      const gain = 1 + (k % 50) / 100;
      for (let i = 0; i < map.length; i++) map[i] = base[i] * gain + (mask[i] && k % 2 ? 0.2 : 0);
      s.add(map, k % 2 ? mask : null, n, n);
    }
    expect(s.imageCount).toBe(1000);
    expect(s.regionCount).toBe(500);
    // Memory follows the octaves the scores use (96 KiB per quarter octave), not the number of images.
    expect(s.kilobytes).toBe(after50);
    expect(s.kilobytes).toBeLessThan(4096);
    expect(s.pro().value).toBeGreaterThan(0);
  });

  it('gives monotone curves from (0, 0); the PRO curve ends at the FPR limit', () => {
    const { maps, masks } = dataset(5, 12);
    const s = streamed(maps, masks);
    for (const c of [s.pixelAuroc().curve, s.pro(0.3).curve]) {
      expect([c.x[0], c.y[0]]).toEqual([0, 0]);
      for (let i = 1; i < c.x.length; i++) {
        expect(c.x[i]).toBeGreaterThanOrEqual(c.x[i - 1]);
        expect(c.y[i]).toBeGreaterThanOrEqual(c.y[i - 1]);
      }
    }
    const pc = s.pro(0.3).curve;
    expect(pc.x[pc.x.length - 1]).toBe(0.3);
    expect(s.pixelAuroc().curve.x.length).toBeLessThan(1100);
  });

  it('refuses what the exact metrics refuse', () => {
    const good = new PixelStatistics();
    good.add(new Float32Array(4).fill(0.2), null, 2, 2);
    expect(() => good.pixelAuroc()).toThrow(/no anomalous/);
    expect(() => good.pro()).toThrow(/no defect regions/);
    expect(() => new PixelStatistics().add(new Float32Array(3), null, 2, 2)).toThrow(/expected 2×2/);
    expect(() => new PixelStatistics().add(new Float32Array([0, Number.NaN, 0, 0]), null, 2, 2)).toThrow(/NaN/);
  });
});

import { describe, expect, it } from 'vitest';
import { seededUniform } from '../engine/random';
import { auroc } from './auroc.ts';
import { perRegionOverlap } from './pro.ts';


/**
 * Slow reference, written independently of the implementation: label regions by depth-first
 * search, threshold at every distinct score, count everything from scratch at each threshold,
 * then integrate the curve exactly up to `limit` with linear interpolation at `limit`.
 */
function bruteForcePro(maps: Float32Array[], masks: Uint8Array[], width: number, height: number, limit: number) {
  const regions: { image: number; pixels: number[] }[] = [];
  masks.forEach((mask, image) => {
    const seen = new Uint8Array(mask.length);
    for (let start = 0; start < mask.length; start++) {
      if (!mask[start] || seen[start]) continue;
      const pixels: number[] = [];
      const stack = [start];
      seen[start] = 1;
      while (stack.length > 0) {
        const p = stack.pop() as number;
        pixels.push(p);
        const x = p % width;
        const y = Math.floor(p / width);
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            const yy = y + dy;
            if (xx < 0 || yy < 0 || xx >= width || yy >= height) continue;
            const q = yy * width + xx;
            if (mask[q] && !seen[q]) {
              seen[q] = 1;
              stack.push(q);
            }
          }
        }
      }
      regions.push({ image, pixels });
    }
  });
  const normals: number[] = [];
  const all: number[] = [];
  maps.forEach((map, k) => {
    map.forEach((s, p) => {
      all.push(s);
      if (!masks[k][p]) normals.push(s);
    });
  });
  const thresholds = [...new Set(all)].sort((a, b) => b - a);
  const points: [number, number][] = [[0, 0]];
  for (const t of thresholds) {
    const fpr = normals.filter((s) => s >= t).length / normals.length;
    let overlap = 0;
    for (const { image, pixels } of regions) {
      overlap += pixels.filter((p) => maps[image][p] >= t).length / pixels.length;
    }
    points.push([fpr, overlap / regions.length]);
  }
  // Curve up to `limit`: points with FPR < limit, then the (interpolated) point at `limit`.
  const curve: [number, number][] = [];
  let area = 0;
  for (let i = 0; i < points.length; i++) {
    const [x, y] = points[i];
    if (x < limit) {
      if (i > 0) area += ((x - points[i - 1][0]) * (y + points[i - 1][1])) / 2;
      curve.push([x, y]);
      continue;
    }
    const [x0, y0] = points[i - 1];
    const yEnd = x === limit ? y : y0 + ((y - y0) * (limit - x0)) / (x - x0);
    area += ((limit - x0) * (y0 + yEnd)) / 2;
    curve.push([limit, yEnd]);
    break;
  }
  return { pro: area / limit, curve };
}

/** Random test set: some good images, the others with a few random discs and rectangles. */
function randomSet(seed: number, images: number, width: number, height: number, tieLevels: number) {
  const r = seededUniform(seed);
  const maps: Float32Array[] = [];
  const masks: Uint8Array[] = [];
  for (let k = 0; k < images; k++) {
    const mask = new Uint8Array(width * height);
    if (k % 3 !== 0) {
      const shapes = 1 + Math.floor(r() * 4);
      for (let s = 0; s < shapes; s++) {
        const cx = r() * width;
        const cy = r() * height;
        const rad = 0.5 + r() * 3;
        const disc = r() < 0.5;
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            const inside = disc ? (x - cx) ** 2 + (y - cy) ** 2 <= rad * rad : Math.abs(x - cx) <= rad && Math.abs(y - cy) <= rad / 2;
            if (inside) mask[y * width + x] = 1;
          }
        }
      }
    }
    const map = new Float32Array(width * height);
    for (let p = 0; p < map.length; p++) {
      const raw = r() + (mask[p] ? 0.4 * r() : 0);
      map[p] = tieLevels > 0 ? Math.round(raw * tieLevels) / tieLevels : raw;
    }
    maps.push(map);
    masks.push(mask);
  }
  return { maps, masks };
}

function trapezoid(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let a = 0;
  for (let i = 1; i < x.length; i++) a += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return a;
}

describe('perRegionOverlap: hand-computed cases', () => {
  // Two 4×4 images: image 0 is good; image 1 has one 2×2 defect region (pixels 5, 6, 9, 10).
  const W = 4;
  const H = 4;
  const goodMask = new Uint8Array(16);
  const defectMask = new Uint8Array(16);
  for (const p of [5, 6, 9, 10]) defectMask[p] = 1;

  /** Fill normal pixels (28 of them, over both images) with distinct scores in [0.1, 0.9]. */
  function mapsWithRegionScores(regionScores: Record<number, number>): Float32Array[] {
    const maps = [new Float32Array(16), new Float32Array(16)];
    let k = 0;
    for (let img = 0; img < 2; img++) {
      for (let p = 0; p < 16; p++) {
        if (img === 1 && defectMask[p]) maps[img][p] = regionScores[p];
        else maps[img][p] = 0.1 + (0.8 * k++) / 27;
      }
    }
    return maps;
  }

  it('is 1 when the region outranks every normal pixel', () => {
    const maps = mapsWithRegionScores({ 5: 0.95, 6: 0.97, 9: 0.99, 10: 1 });
    const { pro, curve } = perRegionOverlap(maps, [goodMask, defectMask], W, H);
    expect(pro).toBe(1);
    expect(curve.fpr[0]).toBe(0);
    expect(curve.pro[0]).toBe(0);
    expect(curve.fpr[curve.fpr.length - 1]).toBe(0.3);
    expect(curve.pro[curve.pro.length - 1]).toBe(1);
  });

  it('is 0.5 when half the region is above all normals and half below', () => {
    // Thresholds from the top: at t = 1 the two high region pixels are hit → (FPR 0, PRO 0.5);
    // then each of the 28 normals adds 1/28 to FPR while PRO stays 0.5 (the low pixels score 0,
    // below every normal). The curve is flat at 0.5 over [0, 0.3] (interpolated at 0.3 between
    // FPR 8/28 and 9/28), so the area is 0.3 · 0.5 and the normalised PRO is exactly 0.5.
    const maps = mapsWithRegionScores({ 5: 1, 6: 1, 9: 0, 10: 0 });
    const { pro, curve } = perRegionOverlap(maps, [goodMask, defectMask], W, H, 0.3, { curveResolution: Infinity });
    expect(pro).toBeCloseTo(0.5, 15);
    // (0,0), (0,0.5), then FPR k/28 for k = 1..8, then the end point at 0.3.
    expect(curve.fpr.length).toBe(11);
    expect(curve.fpr[1]).toBe(0);
    expect(curve.pro[1]).toBe(0.5);
    expect(curve.fpr[10]).toBe(0.3);
    expect(curve.pro[10]).toBe(0.5);
  });

  it('weights regions equally, not pixels', () => {
    // One image with a 1-pixel region (pixel 0) scored 1 and a 3-pixel region (10, 11, 15) scored
    // 0, plus a good image; all 28 normals tie at 0.5. t = 1: (0, mean(1, 0) = 0.5); t = 0.5: every
    // normal at once → FPR 1 (one threshold step), PRO still 0.5. Interpolating at 0.3 gives 0.5,
    // so PRO = 0.5, whereas the pixel-weighted overlap would be 1/4.
    const mask = new Uint8Array(16);
    for (const p of [0, 10, 11, 15]) mask[p] = 1;
    const map = new Float32Array(16).fill(0.5);
    map[0] = 1;
    for (const p of [10, 11, 15]) map[p] = 0;
    const { pro, curve } = perRegionOverlap([new Float32Array(16).fill(0.5), map], [goodMask, mask], W, H);
    expect(pro).toBe(0.5);
    expect(Array.from(curve.fpr)).toEqual([0, 0, 0.3]);
    expect(Array.from(curve.pro)).toEqual([0, 0.5, 0.5]);
  });

  it('treats tied scores as one (slanted) step', () => {
    // One 5×2 image: top row normal with scores 0.9 0.7 0.5 0.3 0.1; bottom row one 5-pixel region
    // with scores 0.9 0.9 0.4 0.2 0. At t = 0.9 one normal and two region pixels enter together:
    // (0, 0) → (0.2, 0.4), area 0.2·0.4/2 = 0.04. At t = 0.7: (0.4, 0.4); interpolated at 0.3 → 0.4,
    // area 0.1·0.4 = 0.04. PRO = 0.08 / 0.3 = 4/15.
    const map = Float32Array.from([0.9, 0.7, 0.5, 0.3, 0.1, 0.9, 0.9, 0.4, 0.2, 0]);
    const mask = Uint8Array.from([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    const res = perRegionOverlap([map], [mask], 5, 2);
    expect(res.pro).toBeCloseTo(4 / 15, 15);
    expect(Array.from(res.curve.fpr)).toEqual([0, 0.2, 0.3]);
    expect(Array.from(res.curve.pro).map((v) => Number(v.toFixed(12)))).toEqual([0, 0.4, 0.4]);
    // Over the full FPR range a single region's PRO curve is its ROC curve, so the area is the
    // pixel AUROC: 12 of the 25 (region, normal) pairs ordered correctly (one tie = ½) → 0.48.
    expect(perRegionOverlap([map], [mask], 5, 2, 1).pro).toBeCloseTo(0.48, 14);
    expect(auroc(map, mask)).toBeCloseTo(0.48, 15);
  });
});

describe('perRegionOverlap: agreement with a brute-force reference', () => {
  const cases = [
    { seed: 1, images: 6, width: 12, height: 10, ties: 0 },
    { seed: 2, images: 6, width: 12, height: 10, ties: 8 },
    { seed: 3, images: 9, width: 16, height: 14, ties: 30 },
    { seed: 4, images: 4, width: 20, height: 15, ties: 0 },
  ];
  for (const c of cases) {
    for (const limit of [0.3, 0.05, 1]) {
      it(`seed ${c.seed}, ${c.ties ? `${c.ties} tie levels` : 'continuous'}, fprLimit ${limit}`, () => {
        const { maps, masks } = randomSet(c.seed, c.images, c.width, c.height, c.ties);
        const expected = bruteForcePro(maps, masks, c.width, c.height, limit);
        const res = perRegionOverlap(maps, masks, c.width, c.height, limit, { curveResolution: Infinity });
        expect(Math.abs(res.pro - expected.pro)).toBeLessThanOrEqual(1e-9);
        expect(res.curve.fpr.length).toBe(expected.curve.length);
        for (let i = 0; i < expected.curve.length; i++) {
          expect(Math.abs(res.curve.fpr[i] - expected.curve[i][0])).toBeLessThanOrEqual(1e-12);
          expect(Math.abs(res.curve.pro[i] - expected.curve[i][1])).toBeLessThanOrEqual(1e-12);
        }
        expect(Math.abs(trapezoid(res.curve.fpr, res.curve.pro) / limit - res.pro)).toBeLessThanOrEqual(1e-12);
        // The default (thinned) curve yields the same score.
        expect(perRegionOverlap(maps, masks, c.width, c.height, limit).pro).toBe(res.pro);
      });
    }
  }

  it('equals pixel AUROC for a single region over the full FPR range (radix-sort sizes)', () => {
    const r = seededUniform(11);
    const width = 128;
    const height = 128;
    const maps: Float32Array[] = [];
    const masks: Uint8Array[] = [];
    for (let k = 0; k < 4; k++) {
      const mask = new Uint8Array(width * height);
      if (k === 2) for (let y = 40; y < 90; y++) for (let x = 30; x < 100; x++) mask[y * width + x] = 1;
      const map = Float32Array.from(mask, (m) => Math.round((r() + 0.5 * m * r()) * 1000) / 1000);
      maps.push(map);
      masks.push(mask);
    }
    const allScores = new Float32Array(4 * width * height);
    const allLabels = new Uint8Array(4 * width * height);
    maps.forEach((m, k) => allScores.set(m, k * width * height));
    masks.forEach((m, k) => allLabels.set(m, k * width * height));
    const pro = perRegionOverlap(maps, masks, width, height, 1).pro;
    expect(Math.abs(pro - auroc(allScores, allLabels))).toBeLessThanOrEqual(1e-9);
  });
});

describe('perRegionOverlap: curve and errors', () => {
  it('returns a thinned, monotone curve from (0, 0) to FPR = fprLimit by default', () => {
    const { maps, masks } = randomSet(5, 30, 64, 64, 0);
    const full = perRegionOverlap(maps, masks, 64, 64, 0.3, { curveResolution: Infinity });
    const res = perRegionOverlap(maps, masks, 64, 64);
    expect(res.pro).toBe(full.pro);
    expect(full.curve.fpr.length).toBeGreaterThan(10_000);
    const { fpr, pro } = res.curve;
    expect(fpr.length).toBeLessThanOrEqual(2002);
    expect(fpr.length).toBeGreaterThan(100);
    expect([fpr[0], pro[0], fpr[fpr.length - 1]]).toEqual([0, 0, 0.3]);
    for (let i = 1; i < fpr.length; i++) {
      expect(fpr[i]).toBeGreaterThanOrEqual(fpr[i - 1]);
      expect(pro[i]).toBeGreaterThanOrEqual(pro[i - 1]);
    }
    expect(Math.abs(trapezoid(fpr, pro) / 0.3 - res.pro)).toBeLessThan(1e-3);
  });

  it('throws clear errors', () => {
    const map = new Float32Array(4);
    const empty = new Uint8Array(4);
    const some = Uint8Array.from([1, 0, 0, 0]);
    expect(() => perRegionOverlap([map], [empty], 2, 2)).toThrow(/no defect regions/);
    expect(() => perRegionOverlap([map], [new Uint8Array(4).fill(1)], 2, 2)).toThrow(/no normal pixels/);
    expect(() => perRegionOverlap([map], [some, some], 2, 2)).toThrow(/1 maps but 2 masks/);
    expect(() => perRegionOverlap([new Float32Array(5)], [some], 2, 2)).toThrow(/expected 2x2/);
    expect(() => perRegionOverlap([Float32Array.from([0, NaN, 0, 0])], [some], 2, 2)).toThrow(/NaN/);
    expect(() => perRegionOverlap([map], [some], 2, 2, 0)).toThrow(/fprLimit/);
    expect(() => perRegionOverlap([map], [some], 2, 2, 1.5)).toThrow(/fprLimit/);
  });
});

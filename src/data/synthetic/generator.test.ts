import { describe, expect, it } from 'vitest';
import { CATEGORIES, IMAGE_SIZE, renderSample, type CategoryId, type SampleId } from './generator.ts';

const N = IMAGE_SIZE * IMAGE_SIZE;

function id(category: CategoryId, label: string, index: number, seed = 1): SampleId {
  return { category, split: 'test', label, index, seed };
}

function train(category: CategoryId, index: number, seed = 1): SampleId {
  return { category, split: 'train', label: 'good', index, seed };
}

/** Largest per-channel absolute difference of each pixel. */
function pixelDiff(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(N);
  for (let i = 0; i < N; i++) {
    const k = i * 3;
    out[i] = Math.max(Math.abs(a[k] - b[k]), Math.abs(a[k + 1] - b[k + 1]), Math.abs(a[k + 2] - b[k + 2]));
  }
  return out;
}

/** Grow a 0/255 mask by `r` pixels (square neighbourhood). */
function dilate(mask: Uint8Array, r: number): Uint8Array {
  const out = new Uint8Array(N);
  for (let y = 0; y < IMAGE_SIZE; y++) {
    for (let x = 0; x < IMAGE_SIZE; x++) {
      if (!mask[y * IMAGE_SIZE + x]) continue;
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < IMAGE_SIZE && xx >= 0 && xx < IMAGE_SIZE) out[yy * IMAGE_SIZE + xx] = 255;
        }
      }
    }
  }
  return out;
}

function maskBox(mask: Uint8Array): { count: number; width: number; height: number } {
  let count = 0;
  let x0 = IMAGE_SIZE;
  let y0 = IMAGE_SIZE;
  let x1 = -1;
  let y1 = -1;
  for (let i = 0; i < N; i++) {
    if (!mask[i]) continue;
    count++;
    const x = i % IMAGE_SIZE;
    const y = (i - x) / IMAGE_SIZE;
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  return { count, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** Mean colour of 32×32 blocks (about one twill repeat): compares lighting and material, not texture phase. */
function blockMeans(data: Uint8Array): Float64Array {
  const B = 32;
  const nb = IMAGE_SIZE / B;
  const out = new Float64Array(nb * nb * 3);
  for (let y = 0; y < IMAGE_SIZE; y++) {
    for (let x = 0; x < IMAGE_SIZE; x++) {
      const b = (Math.floor(y / B) * nb + Math.floor(x / B)) * 3;
      const k = (y * IMAGE_SIZE + x) * 3;
      for (let c = 0; c < 3; c++) out[b + c] += data[k + c] / (B * B);
    }
  }
  return out;
}

function meanAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

describe('synthetic categories', () => {
  it('lists three categories and at least five distinct defect kinds', () => {
    expect(CATEGORIES.map((c) => c.id)).toEqual(['fabric', 'wood', 'flange']);
    expect(CATEGORIES.map((c) => [...c.defectKinds])).toEqual([
      ['hole', 'stain', 'cut'],
      ['scratch', 'crack', 'stain'],
      ['scratch', 'missing_hole', 'misplaced_hole', 'contamination'],
    ]);
    expect(new Set(CATEGORIES.flatMap((c) => c.defectKinds)).size).toBeGreaterThanOrEqual(5);
  });

  it('rejects unknown categories, defect kinds and defects outside the test split', () => {
    expect(() => renderSample(id('wood', 'hole', 0))).toThrow(/no defect kind "hole"/);
    expect(() => renderSample({ category: 'fabric', split: 'train', label: 'hole', index: 0, seed: 1 })).toThrow(/test split/);
    expect(() => renderSample({ category: 'glass' as CategoryId, split: 'train', label: 'good', index: 0, seed: 1 })).toThrow(/unknown/);
    expect(() => renderSample(train('fabric', -1))).toThrow(/index/);
  });
});

describe.each(CATEGORIES.map((c) => [c.id, c] as const))('%s', (category, info) => {
  it('renders the same bytes for the same (category, split, index, seed) and different ones otherwise', () => {
    const a = renderSample(id(category, info.defectKinds[0], 1));
    const b = renderSample(id(category, info.defectKinds[0], 1));
    expect(a.image.width).toBe(IMAGE_SIZE);
    expect(a.image.height).toBe(IMAGE_SIZE);
    expect(a.image.data.length).toBe(N * 3);
    expect(Buffer.from(b.image.data).equals(Buffer.from(a.image.data))).toBe(true);
    expect(Buffer.from(b.mask!).equals(Buffer.from(a.mask!))).toBe(true);
    const g = renderSample(train(category, 3)).image.data;
    expect(Buffer.from(renderSample(train(category, 3)).image.data).equals(Buffer.from(g))).toBe(true);
    expect(Buffer.from(renderSample(train(category, 4)).image.data).equals(Buffer.from(g))).toBe(false);
    expect(Buffer.from(renderSample(train(category, 3, 2)).image.data).equals(Buffer.from(g))).toBe(false);
    // The split is part of the name: test/good/003 is another image than train/good/003.
    expect(Buffer.from(renderSample(id(category, 'good', 3)).image.data).equals(Buffer.from(g))).toBe(false);
  });

  it('good images have no mask, and omitting a defect changes nothing for them', () => {
    const s = renderSample(id(category, 'good', 0));
    expect(s.mask).toBeNull();
    expect(s.defectSize).toBeNull();
    expect(Buffer.from(renderSample(id(category, 'good', 0), { omitDefect: true }).image.data).equals(Buffer.from(s.image.data))).toBe(true);
  });

  it.each(info.defectKinds.map((k) => [k]))('%s: the mask is non-empty and covers exactly the visibly changed pixels', (kind) => {
    const sizes: Record<string, number> = {};
    for (const index of [0, 1, 2]) {
      const s = renderSample(id(category, kind, index));
      const normal = renderSample(id(category, kind, index), { omitDefect: true });
      const mask = s.mask!;
      expect(mask.length).toBe(N);
      expect(mask.every((v) => v === 0 || v === 255)).toBe(true);
      const box = maskBox(mask);
      expect(box.count).toBeGreaterThanOrEqual(20);
      sizes[s.defectSize!] = box.count;

      const diff = pixelDiff(s.image.data, normal.image.data);
      // Every clearly changed pixel is labelled (allowing the one-pixel antialiased rim). Pixels
      // below the mask's blend-weight threshold of 0.25 change by at most a quarter of the defect's
      // contrast (≤ ~190 levels, e.g. white fibres over a dark gap), hence 48 …
      const near = dilate(mask, 1);
      let changedOutside = 0;
      for (let i = 0; i < N; i++) if (diff[i] > 48 && !near[i]) changedOutside++;
      expect(changedOutside).toBe(0);
      // … and the labelled pixels changed a lot on average.
      let inside = 0;
      for (let i = 0; i < N; i++) if (mask[i]) inside += diff[i];
      expect(inside / box.count).toBeGreaterThan(25);

      if (info.sizedDefectKinds.includes(kind) && s.defectSize === 'small') {
        expect(Math.max(box.width, box.height)).toBeGreaterThanOrEqual(8);
        expect(Math.max(box.width, box.height)).toBeLessThanOrEqual(30);
      }
    }
    if (info.sizedDefectKinds.includes(kind)) expect(sizes.large).toBeGreaterThan(sizes.small * 2);
  });

  it('normal images vary but stay the same material under similar light', () => {
    const normals = [0, 1, 2, 3].map((i) => renderSample(train(category, i)).image.data);
    const blocks = normals.map(blockMeans);
    let worst = 0;
    for (let a = 0; a < normals.length; a++) {
      for (let b = a + 1; b < normals.length; b++) {
        expect(meanAbsDiff(normals[a], normals[b])).toBeGreaterThan(1);
        worst = Math.max(worst, meanAbsDiff(blocks[a], blocks[b]));
      }
    }
    // Measured at seed 1: fabric 12.9, wood 10.5, flange 13.8 (8-bit levels).
    expect(worst).toBeLessThan(16);
    // A large defect changes its region far more than image-to-image variation changes a block.
    const kind = info.defectKinds[0];
    const s = renderSample(id(category, kind, 0));
    const diff = pixelDiff(s.image.data, renderSample(id(category, kind, 0), { omitDefect: true }).image.data);
    let sum = 0;
    let count = 0;
    for (let i = 0; i < N; i++) {
      if (s.mask![i]) {
        sum += diff[i];
        count++;
      }
    }
    expect(sum / count).toBeGreaterThan(3 * worst);
  });
});

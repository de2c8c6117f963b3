import { describe, expect, it } from 'vitest';
import { seededUniform } from '../engine/random';
import { labelConnectedComponents } from './connected-components.ts';

/** Parse a drawing: one string per row, '#' = foreground, '.' = background. */
function draw(rows: string[]): { mask: Uint8Array; width: number; height: number } {
  const height = rows.length;
  const width = rows[0].length;
  const mask = new Uint8Array(width * height);
  rows.forEach((row, y) => {
    for (let x = 0; x < width; x++) mask[y * width + x] = row[x] === '#' ? 1 : 0;
  });
  return { mask, width, height };
}


/** Independent reference: union-find over neighbour pairs; returns a root per foreground pixel. */
function unionFindRoots(mask: Uint8Array, width: number, height: number, connectivity: 4 | 8): Int32Array {
  const parent = Int32Array.from({ length: mask.length }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  const offsets = connectivity === 8 ? [[1, 0], [0, 1], [1, 1], [-1, 1]] : [[1, 0], [0, 1]];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!mask[y * width + x]) continue;
      for (const [dx, dy] of offsets) {
        const xx = x + dx;
        const yy = y + dy;
        if (xx < 0 || xx >= width || yy >= height || !mask[yy * width + xx]) continue;
        parent[find(y * width + x)] = find(yy * width + xx);
      }
    }
  }
  return Int32Array.from({ length: mask.length }, (_, i) => (mask[i] ? find(i) : -1));
}

describe('labelConnectedComponents', () => {
  it('joins diagonal neighbours with 8-connectivity only', () => {
    const { mask, width, height } = draw([
      '#..',
      '.#.',
      '...',
    ]);
    const eight = labelConnectedComponents(mask, width, height);
    expect(eight.count).toBe(1);
    expect(Array.from(eight.labels)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(Array.from(eight.sizes)).toEqual([7, 2]);
    const four = labelConnectedComponents(mask, width, height, 4);
    expect(four.count).toBe(2);
    expect(Array.from(four.labels)).toEqual([1, 0, 0, 0, 2, 0, 0, 0, 0]);
    expect(Array.from(four.sizes)).toEqual([7, 1, 1]);
  });

  it('labels a hand-drawn mask in raster order with the right sizes', () => {
    const { mask, width, height } = draw([
      '##..#',
      '#..##',
      '.....',
      '.##.#',
    ]);
    const cc = labelConnectedComponents(mask, width, height, 8);
    expect(cc.count).toBe(4);
    expect(Array.from(cc.sizes)).toEqual([11, 3, 3, 2, 1]);
    expect(Array.from(cc.labels)).toEqual([
      1, 1, 0, 0, 2,
      1, 0, 0, 2, 2,
      0, 0, 0, 0, 0,
      0, 3, 3, 0, 4,
    ]);
  });

  it('handles a checkerboard and a serpentine', () => {
    const board = draw(['#.#.', '.#.#', '#.#.', '.#.#']);
    expect(labelConnectedComponents(board.mask, 4, 4, 8).count).toBe(1);
    expect(labelConnectedComponents(board.mask, 4, 4, 4).count).toBe(8);
    // One 4-connected serpentine that the flood fill has to follow back and forth.
    const snake = draw([
      '#######',
      '......#',
      '#######',
      '#......',
      '#######',
    ]);
    for (const connectivity of [4, 8] as const) {
      const cc = labelConnectedComponents(snake.mask, snake.width, snake.height, connectivity);
      expect(cc.count).toBe(1);
      expect(Array.from(cc.sizes)).toEqual([12, 23]);
    }
  });

  it('labels a large region without recursion', () => {
    const n = 1500;
    const cc = labelConnectedComponents(new Uint8Array(n * n).fill(255), n, n);
    expect(cc.count).toBe(1);
    expect(cc.sizes[1]).toBe(n * n);
    expect(labelConnectedComponents(new Uint8Array(0), 0, 0).count).toBe(0);
  });

  it('matches a union-find reference on random masks', () => {
    const r = seededUniform(3);
    for (let trial = 0; trial < 20; trial++) {
      const width = 5 + Math.floor(r() * 30);
      const height = 5 + Math.floor(r() * 30);
      const density = 0.2 + 0.5 * r();
      const mask = Uint8Array.from({ length: width * height }, () => (r() < density ? 1 : 0));
      for (const connectivity of [4, 8] as const) {
        const { labels, count, sizes } = labelConnectedComponents(mask, width, height, connectivity);
        const roots = unionFindRoots(mask, width, height, connectivity);
        // Same partition: label ↔ root is a bijection over foreground pixels.
        const labelToRoot = new Map<number, number>();
        const rootToLabel = new Map<number, number>();
        const counted = new Int32Array(count + 1);
        for (let i = 0; i < mask.length; i++) {
          counted[labels[i]]++;
          if (!mask[i]) {
            expect(labels[i]).toBe(0);
            continue;
          }
          expect(labelToRoot.get(labels[i]) ?? roots[i]).toBe(roots[i]);
          expect(rootToLabel.get(roots[i]) ?? labels[i]).toBe(labels[i]);
          labelToRoot.set(labels[i], roots[i]);
          rootToLabel.set(roots[i], labels[i]);
        }
        expect(labelToRoot.size).toBe(count);
        expect(Array.from(sizes)).toEqual(Array.from(counted));
      }
    }
  });

  it('rejects bad input', () => {
    expect(() => labelConnectedComponents(new Uint8Array(5), 2, 2)).toThrow(/length/);
    expect(() => labelConnectedComponents(new Uint8Array(4), 2, 2, 6 as 4)).toThrow(/connectivity/);
  });
});

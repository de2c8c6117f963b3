import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../cli/lib/backend';
import { FeatureBank, patchEmbeddings } from './feature-bank';
import { SeededRandom } from './random';

function randomRows(n: number, dim: number, seed: number): Float32Array {
  const r = new SeededRandom(seed);
  return Float32Array.from({ length: n * dim }, () => r.normal());
}

/** Brute-force nearest distance of each query row to the bank rows. */
function bruteNearest(queries: Float32Array, bank: Float32Array, dim: number): number[] {
  const out: number[] = [];
  for (let q = 0; q < queries.length / dim; q++) {
    let best = Infinity;
    for (let b = 0; b < bank.length / dim; b++) {
      let d = 0;
      for (let c = 0; c < dim; c++) d += (queries[q * dim + c] - bank[b * dim + c]) ** 2;
      best = Math.min(best, d);
    }
    out.push(Math.sqrt(best));
  }
  return out;
}

describe('feature bank (nearest-neighbour evidence)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('embeds every tap on one grid, each tap unit-length per place', async () => {
    const before = tf.memory().numTensors;
    const taps = [tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 1), tf.randomNormal([2, 8, 8, 5], 0, 1, 'float32', 2), tf.randomNormal([2, 4, 4, 7], 0, 1, 'float32', 3)] as tf.Tensor4D[];
    const e = patchEmbeddings(taps, 8);
    expect(e.shape).toEqual([2, 64, 15]);
    const v = await e.data();
    for (const p of [0, 17, 127]) {
      const row = v.subarray(p * 15, (p + 1) * 15);
      const norm = (a: number, b: number) => Math.hypot(...row.subarray(a, b));
      expect(norm(0, 3)).toBeCloseTo(1, 5);
      expect(norm(3, 8)).toBeCloseTo(1, 5);
      expect(norm(8, 15)).toBeCloseTo(1, 5);
    }
    tf.dispose([...taps, e]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('finds the exact nearest distance across chunks of the bank', async () => {
    const before = tf.memory().numTensors;
    const dim = 6;
    const rows = randomRows(5000, dim, 7); // > one 4096-vector chunk
    const bank = FeatureBank.fromEmbeddings([rows.subarray(0, 3000 * dim), rows.subarray(3000 * dim)], dim, { maxVectors: 10000, projectTo: null, seed: 0 });
    expect(bank.size).toBe(5000);
    const queries = new Float32Array([...randomRows(20, dim, 8), ...rows.subarray(4500 * dim, 4501 * dim)]);
    const q = tf.tensor2d(queries, [21, dim]);
    const d = bank.nearest(q);
    const got = Array.from(await d.data());
    const want = bruteNearest(queries, rows, dim);
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i], 3));
    expect(got[20]).toBeLessThan(1e-2); // a bank vector is its own nearest neighbour
    tf.dispose([q, d]);
    bank.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps a seeded random subset when the images have more places than maxVectors', async () => {
    const dim = 4;
    // integer rows in [0, 100)⁴: two different rows are ≥ 1 apart, a kept row is at distance 0
    const r = new SeededRandom(9);
    const rows = Float32Array.from({ length: 300 * dim }, () => Math.floor(r.next() * 100));
    const subset = (seed: number) => {
      const bank = FeatureBank.fromEmbeddings([rows], dim, { maxVectors: 50, projectTo: null, seed });
      const q = tf.tensor2d(rows, [300, dim]);
      const d = bank.nearest(q);
      const zeros = Array.from(d.dataSync()).map((v) => v < 0.5);
      tf.dispose([q, d]);
      expect(bank.size).toBe(50);
      bank.dispose();
      return zeros;
    };
    const a = subset(1);
    expect(a.filter(Boolean).length).toBe(50); // exactly the kept rows are at distance 0
    expect(subset(1)).toEqual(a);
    expect(subset(2)).not.toEqual(a);
  });

  it('maps taps to a smoothed input-size map that is 0 on a bank image and > 0 elsewhere', async () => {
    const taps = [tf.randomNormal([1, 8, 8, 3], 0, 1, 'float32', 4), tf.randomNormal([1, 4, 4, 5], 0, 1, 'float32', 5)] as tf.Tensor4D[];
    const other = [tf.randomNormal([1, 8, 8, 3], 0, 1, 'float32', 6), tf.randomNormal([1, 4, 4, 5], 0, 1, 'float32', 7)] as tf.Tensor4D[];
    const e = patchEmbeddings(taps, 8);
    const bank = FeatureBank.fromEmbeddings([(await e.data()) as Float32Array], 8, { maxVectors: 1000, projectTo: null, seed: 0 });
    const self = bank.map(taps, 8, 32, 32, 2);
    const far = bank.map(other, 8, 32, 32, 2);
    expect(self.shape).toEqual([1, 32, 32]);
    expect(Math.max(...(await self.data()))).toBeLessThan(1e-2);
    expect(Math.min(...(await far.data()))).toBeGreaterThan(0.1);
    tf.dispose([...taps, ...other, e, self, far]);
    bank.dispose();
  });

  it('projects to fewer dimensions with distances kept up to a small distortion', async () => {
    const dim = 512;
    const rows = randomRows(400, dim, 11);
    const exact = FeatureBank.fromEmbeddings([rows.subarray(20 * dim)], dim, { maxVectors: 1000, projectTo: null, seed: 0 });
    const projected = FeatureBank.fromEmbeddings([rows.subarray(20 * dim)], dim, { maxVectors: 1000, projectTo: 128, seed: 0 });
    const q = tf.tensor2d(rows.subarray(0, 20 * dim), [20, dim]);
    const before = tf.memory().numTensors;
    const [da, db] = [exact.nearest(q), projected.nearest(q)];
    const [a, b] = [await da.data(), await db.data()];
    tf.dispose([da, db]);
    expect(tf.memory().numTensors).toBe(before);
    for (let i = 0; i < 20; i++) expect(Math.abs(b[i] / a[i] - 1)).toBeLessThan(0.25);
    expect(b).not.toEqual(a);
    q.dispose();
    exact.dispose();
    projected.dispose();
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../cli/lib/backend';
import { computeAnomalyMap, gaussianBlur, scaleAnomalyMaps, upsampleMap, type Fusion } from '../engine/anomaly-map';
import { MapSmoother, blurMap, mapValueAt, mapViewKey, medianOf, type SmoothedMap } from './map-render';

/** Random teacher/student taps at strides 4/8/16 of a size×size input, and the engine's upsampled per-scale maps. */
function fixture(size: number, seed: number) {
  const grids = [size / 4, size / 8, size / 16];
  const teacher = grids.map((g, k) => tf.randomNormal([1, g, g, 5 + k], 0, 1, 'float32', seed + k) as tf.Tensor4D);
  const student = grids.map((g, k) => tf.randomNormal([1, g, g, 5 + k], 0.3, 1, 'float32', seed + 10 + k) as tf.Tensor4D);
  const scales = tf.tidy(() => scaleAnomalyMaps(teacher, student).map((m) => upsampleMap(m, size, size)));
  const arrays = scales.map((s) => s.dataSync() as Float32Array);
  tf.dispose(scales);
  return { teacher, student, maps: { size, scales: arrays } };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('MapSmoother (UI-side fusion + Gaussian)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('equals the engine computeAnomalyMap for σ ∈ {0, 1, 4, 8}, every selection, sum and product', () => {
    const size = 64;
    const { teacher, student, maps } = fixture(size, 7);
    const smoother = new MapSmoother(maps);
    const selections = [[true, true, true], [false, true, true], [true, false, false], [false, false, true], [true, false, true]];
    for (const fusion of ['sum', 'product'] as Fusion[]) {
      for (const sigma of [0, 1, 4, 8]) {
        for (const sel of selections) {
          const useScales = sel.flatMap((on, k) => (on ? [k] : []));
          const ref = computeAnomalyMap(teacher, student, { height: size, width: size, sigma, fusion, useScales });
          const want = ref.map.dataSync();
          const score = ref.scores.dataSync()[0];
          tf.dispose([ref.map, ref.scores, ...ref.scales]);
          const got = smoother.smooth(sel, sigma, fusion);
          expect(got.size).toBe(size);
          expect(maxAbsDiff(got.values, want)).toBeLessThan(1e-5);
          expect(Math.abs(got.score - score)).toBeLessThan(1e-5);
          expect(got.max).toBe(got.score);
          expect(got.values[got.argmax]).toBe(got.max);
          expect(got.min).toBe(Math.min(...got.values));
        }
      }
    }
    tf.dispose([...teacher, ...student]);
  });

  it('blurs like the engine gaussianBlur at 256², σ = 8 (and σ larger than the map)', () => {
    for (const [size, sigma] of [[256, 8], [5, 4]] as const) {
      const src = tf.randomUniform([1, size, size], 0, 1, 'float32', 3) as tf.Tensor3D;
      const ref = gaussianBlur(src, sigma);
      expect(maxAbsDiff(blurMap(src.dataSync() as Float32Array, size, sigma), ref.dataSync())).toBeLessThan(1e-5);
      tf.dispose([src, ref]);
    }
  });

  it('caches: the same key returns the same object, another σ or fusion a new one', () => {
    const { teacher, student, maps } = fixture(32, 1);
    tf.dispose([...teacher, ...student]);
    const s = new MapSmoother(maps);
    const a = s.smooth([false, true, true], 4);
    expect(s.smooth([false, true, true], 4, 'sum')).toBe(a);
    const b = s.smooth([false, true, true], 2);
    expect(b).not.toBe(a);
    expect(s.smooth([false, true, true], 4, 'product')).not.toBe(a);
    expect(s.smooth([false, true, true], 4)).toBe(a);
    // LRU of 8: after nine other keys the first one is recomputed (equal values, new object)
    for (let i = 1; i <= 9; i++) s.smooth([true, true, true], i / 4);
    const again = s.smooth([false, true, true], 4);
    expect(again).not.toBe(a);
    expect(Array.from(again.values)).toEqual(Array.from(a.values));
  });

  it('a primed view (smoothed elsewhere from the same maps) is returned as is; a mismatched one is refused', () => {
    const { teacher, student, maps } = fixture(32, 1);
    tf.dispose([...teacher, ...student]);
    const view = { scales: [true, false, true], sigma: 4, fusion: 'sum' } as const;
    const elsewhere = new MapSmoother(maps).smoothView(view);
    const s = new MapSmoother(maps, { views: [view], smoothed: [elsewhere] });
    expect(s.smooth([true, false, true], 4, 'sum')).toBe(elsewhere);
    // other views are still smoothed here, equal to what the other smoother gives
    expect(Array.from(s.smooth([true, true, true], 2).values)).toEqual(Array.from(new MapSmoother(maps).smooth([true, true, true], 2).values));
    expect(mapViewKey(view, 3)).toBe('101|4|sum');
    expect(() => new MapSmoother(maps, { views: [view], smoothed: [] })).toThrow(/0 smoothed maps for 1 views/);
    const small = new MapSmoother({ size: 8, scales: [new Float32Array(64), new Float32Array(64), new Float32Array(64)] }).smoothView(view);
    expect(() => s.prime(view, small)).toThrow(/8×8 map for 32×32/);
  });

  it('fuses the nearest-neighbour evidence in by default where the maps have it: blur(Σ) / rdScale + blur(nn) / nnScale', () => {
    const size = 32;
    const { teacher, student, maps } = fixture(size, 40);
    const nn = Float32Array.from({ length: size * size }, (_, i) => 0.5 + 0.4 * Math.sin(i * 0.13));
    const withNn = new MapSmoother({ ...maps, nearest: { values: nn, rdScale: 0.25, nnScale: 2 } });
    const sel = [false, true, true];
    const rd = blurMap(Float32Array.from(maps.scales[1], (v, i) => v + maps.scales[2][i]), size, 3);
    const near = blurMap(nn, size, 3);
    const got = withNn.smooth(sel, 3);
    let d = 0;
    for (let i = 0; i < got.values.length; i++) d = Math.max(d, Math.abs(got.values[i] - (rd[i] / 0.25 + near[i] / 2)));
    expect(d).toBeLessThan(1e-5);
    expect(withNn.smoothView({ scales: sel, sigma: 3, fusion: 'sum' })).toBe(got);
    const alone = withNn.smoothView({ scales: sel, sigma: 3, fusion: 'sum', nearest: false });
    expect(alone).not.toBe(got);
    expect(Math.max(...alone.values.map((v, i) => Math.abs(v - rd[i])))).toBeLessThan(1e-6);
    // maps without the evidence ignore the flag
    const plain = new MapSmoother(maps);
    expect(plain.smooth(sel, 3).values).toEqual(plain.smooth(sel, 3, 'sum', false).values);
    expect(() => new MapSmoother({ ...maps, nearest: { values: new Float32Array(3), rdScale: 1, nnScale: 1 } })).toThrow(/nearest-neighbour map has 3 values/);
    tf.dispose([...teacher, ...student]);
  });

  it('an empty selection gives a zero map; bad input is refused', () => {
    const s = new MapSmoother({ size: 8, scales: [new Float32Array(64).fill(1), new Float32Array(64), new Float32Array(64)] });
    const z = s.smooth([false, false, false], 2);
    expect(z.score).toBe(0);
    expect(z.values.every((v) => v === 0)).toBe(true);
    expect(() => s.smooth([true, true, true], -1)).toThrow(/σ/);
    expect(() => new MapSmoother({ size: 8, scales: [new Float32Array(63)] })).toThrow(/scale 1/);
  });

  it('medianOf gives the lower median, whatever the order (quickselect on a copy)', () => {
    const a = Float32Array.from([5, 1, 4, 2, 3]);
    expect(medianOf(a)).toBe(3);
    expect(Array.from(a)).toEqual([5, 1, 4, 2, 3]);
    expect(medianOf(Float32Array.from([4, 1, 3, 2]))).toBe(2);
    expect(medianOf(Float32Array.from([7, 7, 7, 1]))).toBe(7);
    const big = Float32Array.from({ length: 1001 }, (_, i) => (i * 7919) % 1001);
    expect(medianOf(big)).toBe(500);
    const s = new MapSmoother({ size: 2, scales: [Float32Array.from([0.1, 0.9, 0.2, 0.3])] });
    expect(s.smooth([true], 0).median).toBeCloseTo(0.2);
  });

  it('mapValueAt reads the nearest pixel from fractions and clamps the edges', () => {
    const values = Float32Array.from({ length: 16 }, (_, i) => i);
    const m: SmoothedMap = { size: 4, values, score: 15, min: 0, max: 15, argmax: 15, median: 7 };
    expect(mapValueAt(m, 0, 0)).toBe(0);
    expect(mapValueAt(m, 0.99, 0)).toBe(3);
    expect(mapValueAt(m, 0.3, 0.6)).toBe(2 * 4 + 1);
    expect(mapValueAt(m, 1, 1)).toBe(15);
    expect(mapValueAt(m, -0.5, 2)).toBe(12);
    expect(mapValueAt(m, Number.NaN, 0)).toBeNaN();
  });

  it('timing: 256², σ = 8, all scales (printed, not asserted)', () => {
    const size = 256;
    const scales = [0, 1, 2].map((k) => Float32Array.from({ length: size * size }, (_, i) => Math.sin(i * (k + 1) * 0.001) ** 2));
    const times: number[] = [];
    for (let r = 0; r < 7; r++) {
      const s = new MapSmoother({ size, scales }); // fresh: no cache hit
      const t0 = performance.now();
      s.smooth([true, true, true], 8);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    console.log(`MapSmoother 256² σ=8: median ${times[3].toFixed(2)} ms, min ${times[0].toFixed(2)} ms (7 runs)`);
  });
});

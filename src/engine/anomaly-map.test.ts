import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../cli/lib/backend';
import {
  computeAnomalyMap, fuseScaleMaps, gaussianBlur, gaussianKernel1d, imageScores, reflectIndices, scaleAnomalyMaps, upsampleBlur, upsampleMap,
} from './anomaly-map';

// Reference values from scipy 1.17: scipy.ndimage.gaussian_filter(x, sigma, mode='reflect', truncate=4.0)
const INPUT = [[0.625, 0.897, 0.776, 0.225, 0.3, 0.874, 0.005], [0.821, 0.797, 0.468, 0.303, 0.278, 0.255, 0.445], [0.505, 0.553, 0.996, 0.793, 0.622, 0.989, 0.215], [0.16, 0.613, 0.044, 0.036, 0.515, 0.466, 0.917], [0.629, 0.514, 0.497, 0.248, 0.012, 0.192, 0.692]];
const SCIPY: Record<string, number[][]> = {
  '0.7': [[0.7107111, 0.7888479, 0.6449355, 0.3639765, 0.3811151, 0.5084417, 0.2412821], [0.719584, 0.7239161, 0.6105984, 0.4358484, 0.4018655, 0.4512001, 0.3583113], [0.5283381, 0.6060363, 0.6353504, 0.5603276, 0.5634562, 0.6113888, 0.4773951], [0.3903825, 0.4762954, 0.3703567, 0.3048099, 0.40783, 0.5367906, 0.6723896], [0.5276364, 0.5036683, 0.3894756, 0.2350315, 0.1786669, 0.3335118, 0.6272286]],
  '1.5': [[0.6847954, 0.6531105, 0.5836658, 0.503576, 0.4493484, 0.416809, 0.3933576], [0.6416981, 0.6180437, 0.5643444, 0.5025284, 0.463923, 0.4454697, 0.4330536], [0.5715777, 0.5555407, 0.5180404, 0.4780825, 0.464055, 0.473644, 0.4841285], [0.5107848, 0.4930284, 0.4563111, 0.4240891, 0.4294021, 0.4713337, 0.5109457], [0.4832308, 0.4586925, 0.4131206, 0.3763971, 0.3885626, 0.451013, 0.5112961]],
  // radius 16 is far larger than the 5×7 map: exercises repeated reflection
  '4': [[0.5132001, 0.5098219, 0.5037873, 0.4963519, 0.4890092, 0.4831918, 0.4799954], [0.5116314, 0.5083477, 0.5024839, 0.495263, 0.4881367, 0.482494, 0.479395], [0.5090897, 0.5059583, 0.5003704, 0.4934959, 0.4867189, 0.4813586, 0.4784168], [0.5065492, 0.5035699, 0.4982575, 0.491729, 0.4853009, 0.4802224, 0.4774377], [0.5049751, 0.50209, 0.4969481, 0.4906336, 0.4844214, 0.4795174, 0.4768298]],
};

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`anomaly maps on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it('gaussian blur matches scipy.ndimage.gaussian_filter (reflect) within 1e-4', () => {
      for (const [s, expected] of Object.entries(SCIPY)) {
        const x = tf.tensor3d([INPUT]);
        const y = gaussianBlur(x, Number(s));
        const got = (y.arraySync() as number[][][])[0];
        for (let i = 0; i < 5; i++) for (let j = 0; j < 7; j++) expect(Math.abs(got[i][j] - expected[i][j])).toBeLessThan(1e-4);
        tf.dispose([x, y]);
      }
    });

    it('σ = 0 leaves the map unchanged and a bad σ is refused', () => {
      const x = tf.tensor3d([INPUT]);
      const y = gaussianBlur(x, 0);
      expect(y.arraySync()).toEqual(x.arraySync());
      expect(() => gaussianBlur(x, -1)).toThrow(/σ/);
      expect(() => gaussianBlur(x, Number.NaN)).toThrow(/σ/);
      tf.dispose([x, y]);
    });

    it('per-scale map is 1 − cosine along channels', () => {
      // position (0,0): identical vectors → 0; (0,1): orthogonal → 1; (1,0): opposite → 2; (1,1): 45° → 1 − √½
      const t = tf.tensor4d([[[[1, 0], [1, 0]], [[1, 0], [1, 0]]]]);
      const s = tf.tensor4d([[[[2, 0], [0, 3]], [[-1, 0], [1, 1]]]]);
      const [m] = scaleAnomalyMaps([t], [s]);
      const got = m.arraySync()[0];
      expect(got[0][0]).toBeCloseTo(0, 6);
      expect(got[0][1]).toBeCloseTo(1, 6);
      expect(got[1][0]).toBeCloseTo(2, 6);
      expect(got[1][1]).toBeCloseTo(1 - Math.SQRT1_2, 6);
      tf.dispose([t, s, m]);
    });

    it('upsampling a constant map stays constant; fusion sums or multiplies the upsampled scales', () => {
      const a = tf.fill([1, 2, 2], 0.25) as tf.Tensor3D;
      const b = tf.fill([1, 4, 4], 0.5) as tf.Tensor3D;
      const up = upsampleMap(a, 8, 8);
      expect(up.shape).toEqual([1, 8, 8]);
      expect(Math.max(...up.dataSync().map((v) => Math.abs(v - 0.25)))).toBeLessThan(1e-6);
      const sum = fuseScaleMaps([a, b], 8, 8, 'sum');
      const prod = fuseScaleMaps([a, b], 8, 8, 'product');
      expect(sum.dataSync()[17]).toBeCloseTo(0.75, 6);
      expect(prod.dataSync()[17]).toBeCloseTo(0.125, 6);
      tf.dispose([a, b, up, sum, prod]);
    });

    it('bilinear upsampling uses half-pixel centres (a 2-pixel ramp → symmetric 4-pixel ramp)', () => {
      const m = tf.tensor3d([[[0, 1]]]);
      const up = upsampleMap(m, 1, 4);
      const v = Array.from(up.dataSync());
      expect(v[0]).toBeCloseTo(0, 6);
      expect(v[1]).toBeCloseTo(0.25, 6);
      expect(v[2]).toBeCloseTo(0.75, 6);
      expect(v[3]).toBeCloseTo(1, 6);
      tf.dispose([m, up]);
    });

    it('upsampling equals tf.image.resizeBilinear (half-pixel centres), also for odd grids', () => {
      for (const [h, w, H, W] of [[5, 7, 16, 12], [15, 15, 64, 64], [3, 2, 3, 9]]) {
        const m = tf.randomUniform([2, h, w], 0, 1, 'float32', h * w) as tf.Tensor3D;
        const ref = tf.tidy(() => tf.reshape(tf.image.resizeBilinear(tf.reshape(m, [2, h, w, 1]) as tf.Tensor4D, [H, W], false, true), [2, H, W]));
        const up = upsampleMap(m, H, W);
        expect(tf.max(tf.abs(tf.sub(up, ref))).dataSync()[0], `${h}×${w} → ${H}×${W}`).toBeLessThan(1e-6);
        tf.dispose([m, ref, up]);
      }
    });

    it('the sum map (fusion and blur folded into per-scale matrices) equals blur(sum of upsampled scales)', () => {
      const t = [tf.randomNormal([2, 8, 8, 5]), tf.randomNormal([2, 4, 4, 6]), tf.randomNormal([2, 3, 3, 7])] as tf.Tensor4D[];
      const s = t.map((x) => tf.tidy(() => tf.add(x, tf.randomNormal(x.shape, 0, 0.3)))) as tf.Tensor4D[];
      for (const sigma of [0, 1.5, 4]) {
        const r = computeAnomalyMap(t, s, { height: 32, width: 24, sigma, useScales: [1, 2] });
        const ref = tf.tidy(() => gaussianBlur(fuseScaleMaps(r.scales.slice(1), 32, 24, 'sum'), sigma));
        expect(tf.max(tf.abs(tf.sub(r.map, ref))).dataSync()[0], `σ ${sigma}`).toBeLessThan(1e-5);
        tf.dispose([r.map, r.scores, ...r.scales, ref]);
      }
      tf.dispose([...t, ...s]);
    });

    it('upsampleBlur of one map equals blur(upsample(map)), and a bad σ is refused', () => {
      const m = tf.randomUniform([2, 5, 7], 0, 1, 'float32', 3) as tf.Tensor3D;
      for (const sigma of [0, 2]) {
        const got = upsampleBlur(m, 40, 56, sigma);
        const ref = tf.tidy(() => gaussianBlur(upsampleMap(m, 40, 56), sigma));
        expect(got.shape).toEqual([2, 40, 56]);
        expect(tf.max(tf.abs(tf.sub(got, ref))).dataSync()[0], `σ ${sigma}`).toBeLessThan(1e-5);
        tf.dispose([got, ref]);
      }
      expect(() => upsampleBlur(m, 40, 56, -1)).toThrow(/σ/);
      m.dispose();
    });

    it('image score is the max of the smoothed map and nothing leaks', () => {
      const before = tf.memory().numTensors;
      const t = [tf.randomNormal([2, 8, 8, 5]), tf.randomNormal([2, 4, 4, 6]), tf.randomNormal([2, 2, 2, 7])] as tf.Tensor4D[];
      const s = t.map((x) => tf.tidy(() => tf.add(x, tf.randomNormal(x.shape, 0, 0.3)))) as tf.Tensor4D[];
      const r = computeAnomalyMap(t, s, { height: 32, width: 32, sigma: 1 });
      expect(r.map.shape).toEqual([2, 32, 32]);
      expect(r.scales.map((x) => x.shape)).toEqual([[2, 8, 8], [2, 4, 4], [2, 2, 2]]);
      const maxes = imageScores(r.map);
      const data = r.map.arraySync();
      const sc = r.scores.dataSync();
      for (let n = 0; n < 2; n++) expect(sc[n]).toBeCloseTo(Math.max(...data[n].flat()), 6);
      tf.dispose([...t, ...s, ...r.scales, r.map, r.scores, maxes]);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}

describe('kernel helpers', () => {
  it('gaussian taps are normalised with radius ⌈4σ⌉', () => {
    const k = gaussianKernel1d(1.3);
    expect(k.length).toBe(2 * 6 + 1);
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(gaussianKernel1d(0)).toEqual(Float32Array.of(1));
  });

  it('reflect indices follow scipy (d c b a | a b c d | d c b a)', () => {
    expect(Array.from(reflectIndices(4, 3))).toEqual([2, 1, 0, 0, 1, 2, 3, 3, 2, 1]);
    expect(Array.from(reflectIndices(2, 5))).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../cli/lib/backend';
import { disposeAnomalyMap, type AnomalyMapResult } from './anomaly-map';
import type { FeatureExtractor } from './feature-cache';
import { ReverseDistillationPipeline } from './pipeline';
import { Student } from './student';
import { inferWithViews, VIEW_SET_NAMES } from './test-time-views';

/** A frozen random "teacher": non-overlapping patch convs at strides 4, 8, 16 (not mirror-symmetric). */
function patchTeacher(): FeatureExtractor & { dispose(): void } {
  const filters = [
    tf.randomNormal([4, 4, 3, 6], 0, 0.3, 'float32', 1),
    tf.randomNormal([8, 8, 3, 10], 0, 0.1, 'float32', 2),
    tf.randomNormal([16, 16, 3, 14], 0, 0.05, 'float32', 3),
  ] as tf.Tensor4D[];
  return {
    features: (x) => filters.map((f, k) => tf.conv2d(x, f, 4 * 2 ** k, 'valid')),
    dispose: () => tf.dispose(filters),
  };
}

async function values(r: AnomalyMapResult): Promise<{ map: Float32Array; score: number }> {
  return { map: (await r.map.data()) as Float32Array, score: (await r.scores.data())[0] };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('test-time views', () => {
  let teacher: ReturnType<typeof patchTeacher>;
  let student: Student;
  let pipeline: ReverseDistillationPipeline;
  let x: tf.Tensor4D;

  beforeAll(async () => {
    await initBackend('cpu');
    teacher = patchTeacher();
    student = new Student({ tapChannels: [6, 10, 14], widths: [4, 8, 12], embedChannels: 16, decoderBlocks: 1 }, 5);
    pipeline = new ReverseDistillationPipeline(teacher, student, 64, 2, 'sum', [0, 1, 2]);
    x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
  });

  afterAll(() => {
    tf.dispose(x);
    student.dispose();
    teacher.dispose();
  });

  it("'none' is the pipeline's own inference", async () => {
    const a = inferWithViews(pipeline, x, 'none');
    const b = pipeline.infer(x);
    expect(maxDiff((await values(a)).map, (await values(b)).map)).toBe(0);
    disposeAnomalyMap(a);
    disposeAnomalyMap(b);
  });

  it('maps each view back: the flips map of a mirrored image is the mirrored flips map, and differs from one view', async () => {
    const base = inferWithViews(pipeline, x, 'flips');
    const one = pipeline.infer(x);
    const baseValues = await values(base);
    // The random teacher is not symmetric, so averaging over views changes the map…
    expect(maxDiff(baseValues.map, (await values(one)).map)).toBeGreaterThan(1e-3);
    for (const axes of [[2], [1], [1, 2]]) {
      const mirrored = tf.reverse(x, axes);
      const r = inferWithViews(pipeline, mirrored, 'flips');
      const back = tf.reverse(r.map, axes);
      // …but the views form a group, so the result is exactly equivariant to mirroring.
      expect(maxDiff((await back.data()) as Float32Array, baseValues.map)).toBeLessThan(1e-5);
      expect((await values(r)).score).toBeCloseTo(baseValues.score, 5);
      expect(r.scales.map((s) => s.shape)).toEqual(base.scales.map((s) => s.shape));
      tf.dispose([mirrored, back]);
      disposeAnomalyMap(r);
    }
    disposeAnomalyMap(base);
    disposeAnomalyMap(one);
  });

  it('leaves no tensors behind, for every view set', () => {
    const before = tf.memory().numTensors;
    for (const set of VIEW_SET_NAMES) disposeAnomalyMap(inferWithViews(pipeline, x, set));
    expect(tf.memory().numTensors).toBe(before);
  });
});

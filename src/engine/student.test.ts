import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../cli/lib/backend';
import { FeatureBatchSource } from './feature-cache';
import { computeAnomalyMap, disposeAnomalyMap } from './anomaly-map';
import { reverseDistillationLoss } from './loss';
import { Student, StudentConfig } from './student';
import { Trainer, TrainingDivergedError, DEFAULT_TRAIN_CONFIG } from './train';
import { studentFromArtifacts, studentToArtifacts } from './weights-io';

const CONFIG: StudentConfig = { tapChannels: [6, 10, 14], widths: [4, 8, 12], embedChannels: 16, decoderBlocks: 1 };

/** Fixed random "teacher taps" for 6 samples at a 64×64 input (grids 16, 8, 4). */
function fakeSource(count = 6, seed = 3): FeatureBatchSource & { data: tf.Tensor4D[] } {
  const data = [
    tf.randomUniform([count, 16, 16, 6], 0, 1, 'float32', seed),
    tf.randomUniform([count, 8, 8, 10], 0, 1, 'float32', seed + 1),
    tf.randomUniform([count, 4, 4, 14], 0, 1, 'float32', seed + 2),
  ] as tf.Tensor4D[];
  return {
    data,
    count,
    batch: (idx) => data.map((d) => tf.gather(d, idx)) as tf.Tensor4D[],
  };
}

describe('student (OCBE + decoder)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('reconstructs every tap at its shape, also for grids that are not powers of two apart', () => {
    const s = new Student(CONFIG, 1);
    const taps = [tf.zeros([2, 16, 16, 6]), tf.zeros([2, 8, 8, 10]), tf.zeros([2, 4, 4, 14])] as tf.Tensor4D[];
    expect(s.predict(taps).map((t) => t.shape)).toEqual([[2, 16, 16, 6], [2, 8, 8, 10], [2, 4, 4, 14]]);
    // InceptionV3-like odd grids: 15, 7, 3
    const odd = [tf.zeros([1, 15, 15, 6]), tf.zeros([1, 7, 7, 10]), tf.zeros([1, 3, 3, 14])] as tf.Tensor4D[];
    expect(s.predict(odd).map((t) => t.shape)).toEqual([[1, 15, 15, 6], [1, 7, 7, 10], [1, 3, 3, 14]]);
    expect(() => s.predict([taps[1], taps[1], taps[2]])).toThrow(/channels/);
    s.dispose();
  });

  it('loss is 0 for identical features and in (0, 2] otherwise, in both forms', () => {
    const a = [tf.randomNormal([2, 4, 4, 3]), tf.randomNormal([2, 2, 2, 5])] as tf.Tensor4D[];
    const b = [tf.randomNormal([2, 4, 4, 3]), tf.randomNormal([2, 2, 2, 5])] as tf.Tensor4D[];
    for (const form of ['flattened', 'per-position'] as const) {
      expect(reverseDistillationLoss(a, a, form).dataSync()[0]).toBeCloseTo(0, 5);
      const l = reverseDistillationLoss(a, b, form).dataSync()[0];
      expect(l).toBeGreaterThan(0);
      expect(l).toBeLessThanOrEqual(4);
    }
    // per-position and flattened differ: scaling one position of the student changes only the latter
    const t = tf.tensor4d([[[[1, 0]], [[0, 1]]]]);
    const s = tf.tensor4d([[[[10, 0]], [[0.1, 1]]]]);
    const flat = reverseDistillationLoss([t], [s], 'flattened').dataSync()[0];
    const pos = reverseDistillationLoss([t], [s], 'per-position').dataSync()[0];
    const cos2 = 1 / Math.sqrt(1.01);
    expect(pos).toBeCloseTo((0 + (1 - cos2)) / 2, 5);
    expect(flat).toBeCloseTo(1 - 11 / (Math.SQRT2 * Math.sqrt(101.01)), 5);
  });

  it('training lowers the loss, is deterministic for a seed, and leaks no tensors', async () => {
    const run = async () => {
      const baseline = tf.memory().numTensors;
      const src = fakeSource();
      const student = new Student(CONFIG, 7);
      const trainer = new Trainer(student, src, { ...DEFAULT_TRAIN_CONFIG, epochs: 12, batchSize: 3, seed: 5, learningRate: 0.005 });
      const before = tf.memory().numTensors;
      const losses = await trainer.run();
      const grew = tf.memory().numTensors - before;
      const momentVars = 2 * student.store.trainable().length;
      trainer.dispose();
      student.dispose();
      tf.dispose(src.data);
      return { losses, grew, momentVars, leaked: tf.memory().numTensors - baseline };
    };
    const a = await run();
    const b = await run();
    expect(a.losses.length).toBe(12);
    expect(a.losses[11]).toBeLessThan(a.losses[0] * 0.7);
    expect(b.losses).toEqual(a.losses);
    // Adam creates two moment variables per trainable variable on its first step; nothing else may grow,
    // and disposing trainer and student returns to the baseline.
    expect(a.grew).toBe(a.momentVars);
    expect(a.leaked).toBe(0);
  });

  it('resuming from a mid-run state gives the same losses as an uninterrupted run', async () => {
    const cfg = { ...DEFAULT_TRAIN_CONFIG, epochs: 4, batchSize: 3, seed: 2 };
    const src = fakeSource();
    const full = new Student(CONFIG, 9);
    const t1 = new Trainer(full, src, cfg);
    const fullLosses = await t1.run();

    const part = new Student(CONFIG, 9);
    const t2 = new Trainer(part, src, { ...cfg, epochs: 2 });
    await t2.run();
    const artifacts = await studentToArtifacts(part);
    const opt = await t2.optimizerState();
    const resumed = studentFromArtifacts(artifacts);
    const t3 = new Trainer(resumed, src, cfg);
    await t3.restoreOptimizerState(opt);
    t3.state = { ...t2.state };
    const resumedLosses = await t3.run();
    expect(resumedLosses.length).toBe(4);
    for (let i = 0; i < 4; i++) expect(resumedLosses[i]).toBeCloseTo(fullLosses[i], 5);
    tf.dispose(opt.map((o) => o.tensor));
    [t1, t2, t3].forEach((t) => t.dispose());
    [full, part, resumed].forEach((s) => s.dispose());
    tf.dispose(src.data);
  });

  it('inference with BN folded into the convs equals real BN (taps and maps within 1e-4), and follows weight changes', async () => {
    const s = new Student(CONFIG, 5);
    const src = fakeSource(4);
    const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
    const taps = src.batch([0, 1]);
    const compare = () => {
      const fused = s.predict(taps);
      const plain = tf.tidy(() => s.forward(taps, { training: false, batchStats: [], unfused: true }));
      for (let k = 0; k < 3; k++) expect(maxDiff(fused[k], plain[k]), `tap ${k}`).toBeLessThanOrEqual(1e-4);
      const opts = { height: 64, width: 64, sigma: 2 };
      const mf = computeAnomalyMap(taps, fused, opts);
      const mp = computeAnomalyMap(taps, plain, opts);
      expect(maxDiff(mf.map, mp.map)).toBeLessThanOrEqual(1e-4);
      mf.scales.forEach((m, k) => expect(maxDiff(m, mp.scales[k])).toBeLessThanOrEqual(1e-4));
      const out = fused[0].dataSync().slice();
      tf.dispose([...fused, ...plain]);
      disposeAnomalyMap(mf);
      disposeAnomalyMap(mp);
      return out;
    };
    const initial = compare();
    const count = tf.memory().numTensors;
    compare();
    expect(tf.memory().numTensors).toBe(count); // the folded weights are cached, not re-made per call
    const trainer = new Trainer(s, src, { ...DEFAULT_TRAIN_CONFIG, epochs: 2, batchSize: 4 });
    await trainer.run(); // new weights and running statistics: the cached folding must be redone
    const trained = compare();
    expect(trained).not.toEqual(initial);
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(count); // the stale folded weights were released
    tf.dispose([...taps, ...src.data]);
    s.dispose();
  });

  it('weights round-trip through tfjs ModelArtifacts and reproduce the outputs exactly', async () => {
    const s = new Student(CONFIG, 4);
    const src = fakeSource(4);
    const trainer = new Trainer(s, src, { ...DEFAULT_TRAIN_CONFIG, epochs: 1, batchSize: 4 });
    await trainer.run(); // moves BN running stats away from their init
    const art = await studentToArtifacts(s);
    const json = JSON.parse(JSON.stringify({ ...art, weightData: undefined }));
    const copy = studentFromArtifacts({ ...json, weightData: art.weightData });
    const taps = src.batch([0, 1]);
    const a = s.predict(taps);
    const b = copy.predict(taps);
    for (let k = 0; k < 3; k++) expect(tf.max(tf.abs(tf.sub(a[k], b[k]))).dataSync()[0]).toBe(0);
    expect(() => studentFromArtifacts({ ...art, modelTopology: { class_name: 'Other' } as never })).toThrow(/not a student/);
    const bad = { ...art, weightSpecs: art.weightSpecs!.slice(1), weightData: art.weightData };
    expect(() => studentFromArtifacts(bad)).toThrow(/missing|weights/);
    tf.dispose([...taps, ...a, ...b, ...src.data]);
    trainer.dispose();
    s.dispose();
    copy.dispose();
  });

  it('a non-finite loss stops training before the weights change', async () => {
    const src = fakeSource(4);
    const nan = { count: 4, batch: (idx: number[]) => src.batch(idx).map((t) => tf.tidy(() => tf.mul(t, NaN))) as tf.Tensor4D[] };
    const s = new Student(CONFIG, 4);
    const before = (await studentToArtifacts(s)).weightData;
    const trainer = new Trainer(s, nan, { ...DEFAULT_TRAIN_CONFIG, epochs: 1, batchSize: 4 });
    await expect(trainer.run()).rejects.toBeInstanceOf(TrainingDivergedError);
    const after = (await studentToArtifacts(s)).weightData;
    expect(new Uint8Array(after as ArrayBuffer)).toEqual(new Uint8Array(before as ArrayBuffer));
    trainer.dispose();
    s.dispose();
    tf.dispose(src.data);
  });

  it('refuses out-of-range options with a clear message', () => {
    const src = fakeSource(2);
    const s = new Student(CONFIG, 1);
    expect(() => new Trainer(s, src, { ...DEFAULT_TRAIN_CONFIG, epochs: 0 })).toThrow(/epochs/);
    expect(() => new Trainer(s, src, { ...DEFAULT_TRAIN_CONFIG, learningRate: -1 })).toThrow(/lr/);
    expect(() => new Trainer(s, src, { ...DEFAULT_TRAIN_CONFIG, lossForm: 'x' as never })).toThrow(/loss/);
    expect(() => new Student({ ...CONFIG, widths: [0, 1, 1] })).toThrow(/channel/);
    s.dispose();
    tf.dispose(src.data);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../cli/lib/backend';
import { FusedEvidence, buildBank, fuseEvidence, type TapSource } from './evidence';
import { imageScores } from './anomaly-map';
import type { FeatureExtractor } from './feature-cache';
import { FEATURE_BANK_DEFAULTS } from './feature-bank';
import { validateModelMeta } from './model-meta';
import { ReverseDistillationPipeline } from './pipeline';
import { Student } from './student';

const SIZE = 64;

/** A frozen random teacher: box-filtered input at strides 4, 8, 16, mixed by fixed 1×1 convs. */
function boxTeacher(): FeatureExtractor & { dispose(): void } {
  const mix = [6, 10, 14].map((c, k) => tf.randomNormal([1, 1, 3, c], 0, 1, 'float32', 20 + k)) as tf.Tensor4D[];
  return {
    features: (x) => mix.map((w, k) => tf.tidy(() => tf.relu(tf.conv2d(tf.avgPool(x, 4 * 2 ** k, 4 * 2 ** k, 'valid'), w, 1, 'same')))),
    dispose: () => tf.dispose(mix),
  };
}

describe('fused evidence (accurate profile)', () => {
  let teacher: ReturnType<typeof boxTeacher>;
  let student: Student;
  let pipeline: ReverseDistillationPipeline;
  let images: tf.Tensor4D[];
  const source = (from: number, to: number): TapSource => ({ count: to - from, taps: async (i) => teacher.features(images[from + i]) });

  beforeAll(async () => {
    await initBackend('cpu');
    teacher = boxTeacher();
    student = new Student({ tapChannels: [6, 10, 14], widths: [4, 8, 12], embedChannels: 16, decoderBlocks: 1 }, 3);
    pipeline = new ReverseDistillationPipeline(teacher, student, SIZE, 2, 'sum', [1, 2]);
    images = Array.from({ length: 6 }, (_, i) => tf.randomUniform([1, SIZE, SIZE, 3], 0, 1, 'float32', 40 + i) as tf.Tensor4D);
  });

  afterAll(() => {
    tf.dispose(images);
    student.dispose();
    teacher.dispose();
  });

  it('fuses two evidences, each divided by its own scale', async () => {
    const rd = tf.tensor3d([[[0.2, 0.4]]]);
    const nn = tf.tensor3d([[[1, 3]]]);
    const f = fuseEvidence(rd, nn, 0.2, 2);
    expect(Array.from(await f.data())).toEqual([expect.closeTo(1.5, 6), expect.closeTo(3.5, 6)]);
    expect(() => fuseEvidence(rd, nn, 0, 1)).toThrow(/scales/);
    tf.dispose([rd, nn, f]);
  });

  it('divides each evidence by its mean image score on the held-out images, and fuses by that rule', async () => {
    const before = tf.memory().numTensors;
    const bank = await buildBank(source(0, 4), SIZE, { ...FEATURE_BANK_DEFAULTS, projectTo: null });
    expect(bank.size).toBe(4 * (SIZE / 8) ** 2);
    const ev = await FusedEvidence.calibrate(pipeline, bank, source(4, 6));
    const held = images.slice(4).map((x) => ev.maps(pipeline, x));
    const score = (m: tf.Tensor3D) => tf.tidy(() => imageScores(m).dataSync()[0]);
    const mean = (k: 'rd' | 'nn') => held.reduce((s, m) => s + score(m[k]), 0) / held.length;
    expect(ev.rdScale).toBeCloseTo(mean('rd'), 5);
    expect(ev.nnScale).toBeCloseTo(mean('nn'), 5);
    const fused = ev.map(pipeline, images[5]);
    const want = fuseEvidence(held[1].rd, held[1].nn, ev.rdScale, ev.nnScale);
    expect(Array.from(await fused.data())).toEqual(Array.from(await want.data()));
    // a bank image is near zero on the nearest-neighbour map; a held-out one is not
    const own = ev.maps(pipeline, images[0]);
    expect(score(own.nn)).toBeLessThan(0.5 * ev.nnScale);
    tf.dispose([fused, want, own.rd, own.nn, ...held.flatMap((m) => [m.rd, m.nn])]);
    ev.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('survives storing: meta.evidence validates and the stored bank gives the same fused map', async () => {
    const bank = await buildBank(source(0, 4), SIZE, { ...FEATURE_BANK_DEFAULTS, projectTo: 8 });
    const ev = await FusedEvidence.calibrate(pipeline, bank, source(4, 6));
    const meta = ev.meta;
    const { vectors, shape } = await ev.bankEntry();
    expect(shape).toEqual([bank.size, 8]);
    expect(meta.bank).toEqual({ vectors: bank.size, dims: 8, sourceDims: 30, projectionSeed: 0 });
    expect(vectors.length).toBe(bank.size * 8);
    const base = { formatVersion: 1, kind: 'rd4ad-student', teacher: { id: 't', taps: [{}, {}, {}] }, student: {}, map: { fusion: 'sum' }, inputSize: SIZE };
    expect(() => validateModelMeta({ ...base, evidence: meta })).not.toThrow();
    expect(() => validateModelMeta({ ...base, evidence: { ...meta, bank: { ...meta.bank, dims: 0 } } })).toThrow(/layout/);
    expect(() => validateModelMeta({ ...base, evidence: { ...meta, nnScale: 0 } })).toThrow(/nnScale/);
    const again = FusedEvidence.fromStored(JSON.parse(JSON.stringify(meta)), vectors);
    const a = ev.map(pipeline, images[5]);
    const b = again.map(pipeline, images[5]);
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    tf.dispose([a, b]);
    ev.dispose();
    again.dispose();
  });
});

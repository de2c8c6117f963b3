import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../cli/lib/backend';
import { loadTeacher } from '../../cli/lib/model-bundle';
import { MODEL_FORMAT_VERSION, type ModelMeta } from '../engine/model-meta';
import { Student, type StudentConfig } from '../engine/student';
import type { Teacher } from '../engine/teacher';
import {
  MIN_ZOOM, ONE_IMAGE_WARNING, augmentInput, augmentVariants, maxShift, augmentationsFor, fineTune, imagesFingerprint, type FineTuneInput, type TrainProgress,
} from './fine-tune';
import type { PixelsMessage } from './protocol';
import { poisonFeatureBatch } from './test-support';

const SIZE = 64;
let teacher: Teacher;
let base: { id: string; student: Student; meta: ModelMeta };

/** A woven-looking texture with a little seeded noise, any size. */
function texture(width: number, height: number, seed: number): PixelsMessage {
  const rgba = new Uint8ClampedArray(width * height * 4);
  let s = seed * 9973 + 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (s * 1103515245 + 12345) >>> 0;
      const v = 110 + 60 * Math.sin((x + seed) * 0.7) * Math.cos(y * 0.5) + ((s >>> 24) - 128) / 8;
      const i = 4 * (y * width + x);
      rgba[i] = v;
      rgba[i + 1] = v * 0.9;
      rgba[i + 2] = v * 0.7;
      rgba[i + 3] = 255;
    }
  }
  return { width, height, rgba };
}

const images = (n: number) => Array.from({ length: n }, (_, i) => texture(70 + 3 * i, 64 + 2 * i, i + 1));

function metaFor(config: StudentConfig): ModelMeta {
  return {
    formatVersion: MODEL_FORMAT_VERSION,
    kind: 'rd4ad-student',
    teacher: { id: 'mobilenet_v2', tapSet: 'expand', taps: teacher.taps.map(({ name, stride, channels }) => ({ name, stride, channels })) },
    student: config,
    inputSize: SIZE,
    normalization: { inputRange: [0, 1], resize: 'bilinear-half-pixel' },
    map: { sigma: 1, fusion: 'sum', upsample: 'bilinear-half-pixel', scales: [2, 3] },
    lossForm: 'flattened',
    calibration: null,
    training: { epochs: 0, batchSize: 1, learningRate: 0, betas: [0.5, 0.999], seed: 0, losses: [], minutes: 0, backend: 'wasm' },
    dataset: { name: 'base', fingerprint: '0', trainImages: 0 },
    weights: { quantization: 'float16', bytes: 1 },
    createdAt: '2026-01-01T00:00:00Z',
  };
}

/** The base student's reconstruction of one image's taps (to check it is never touched). */
function baseOutput(): Float32Array {
  return tf.tidy(() => {
    const x = tf.image.resizeBilinear(tf.div(tf.tensor4d(Float32Array.from(texture(64, 64, 42).rgba), [1, 64, 64, 4]).slice([0, 0, 0, 0], [1, 64, 64, 3]), 255) as tf.Tensor4D, [SIZE, SIZE]);
    const r = base.student.predict(teacher.features(x));
    return Float32Array.from(tf.concat(r.map((t) => t.flatten())).dataSync());
  });
}

function run(over: Partial<Omit<FineTuneInput, 'options'>> & { options?: Partial<FineTuneInput['options']> } = {}): ReturnType<typeof fineTune> {
  const { options, ...rest } = over;
  return fineTune({
    teacher, base, images: images(6), backend: 'wasm',
    ...rest,
    options: { start: 'fresh', epochs: 2, learningRate: 0.005, seed: 3, ...options },
  });
}

describe('fineTune (wasm, 64², tiny student)', () => {
  let baseline = 0;
  let reference: Float32Array;

  beforeAll(async () => {
    await initBackend('wasm');
    teacher = await loadTeacher('mobilenet_v2', 'expand');
    const config: StudentConfig = { tapChannels: teacher.channels as [number, number, number], widths: [8, 16, 32], embedChannels: 32, decoderBlocks: 1 };
    base = { id: 'base-model', student: new Student(config, 1), meta: metaFor(config) };
    reference = baseOutput();
    baseline = tf.memory().numTensors;
  });

  afterEach(() => {
    vi.restoreAllMocks();
    // Whatever a run did, the base model is untouched and nothing it allocated is left.
    expect(tf.memory().numTensors).toBe(baseline);
    expect(Buffer.from(baseOutput().buffer).equals(Buffer.from(reference.buffer))).toBe(true);
  });

  afterAll(() => {
    base.student.dispose();
    teacher.dispose();
  });

  it('6 images, fresh start: loss decreases, progress after every step, held-out calibration written into meta', async () => {
    const events: TrainProgress[] = [];
    const r = await run({ options: { epochs: 3 }, onProgress: (p) => events.push(p) });
    expect(r.status).toBe('done');
    if (r.status !== 'done') return;
    try {
      expect(r.warnings).toEqual([]);
      expect(r.epochLosses).toHaveLength(3);
      expect(r.epochLosses[2]).toBeLessThan(r.epochLosses[0]);

      const phases = [...new Set(events.map((e) => e.phase))];
      expect(phases).toEqual(['features', 'training', 'calibrating']);
      const steps = events.filter((e) => e.phase === 'training');
      // 6 images → images 1 and 6 held out, 4 trained on in one batch of 4: one step per epoch
      expect(steps.map((e) => [e.epoch, e.step, e.stepsPerEpoch])).toEqual([[1, 1, 1], [2, 1, 1], [3, 1, 1]]);
      expect(steps.map((e) => e.epochLosses.length)).toEqual([0, 1, 2]);
      for (const e of steps) {
        expect(e).toMatchObject({ type: 'train-progress', epochs: 3 });
        expect(Number.isFinite(e.loss)).toBe(true);
        expect(e.etaMs).toBeGreaterThanOrEqual(0);
        expect(e.elapsedMs).toBeGreaterThan(0);
      }
      expect(steps.at(-1)!.etaMs).toBe(0);
      expect(events.at(-1)).toMatchObject({ phase: 'calibrating', step: 6, stepsPerEpoch: 6 });

      const c = r.calibration;
      expect(c.optimistic).toBe(false);
      expect(c.heldOut).toHaveLength(2);
      expect(c.training).toHaveLength(4);
      for (const s of c.heldOut) expect(c.threshold).toBeGreaterThan(s);
      expect(r.meta.calibration).toMatchObject({
        n: 2, threshold: c.threshold, heldOutScores: c.heldOut, trainingScores: c.training, optimistic: false, rule: expect.stringMatching(/held-out/),
      });
      expect(r.meta.fineTune).toEqual({ baseModel: 'base-model', start: 'fresh', augment: false, images: 6, heldOut: 2 });
      expect(r.meta.training).toMatchObject({ epochs: 3, batchSize: 4, learningRate: 0.005, seed: 3, losses: r.epochLosses, backend: 'wasm' });
      expect(r.meta.dataset).toMatchObject({ trainImages: 4, fingerprint: imagesFingerprint(images(6)) });
      expect(r.meta.weights).toBeUndefined();
      expect(r.meta.map).toEqual(base.meta.map);
      expect(r.student.config).toEqual(base.student.config);
    } finally {
      r.student.dispose();
    }
  });

  it("'current' starts from a copy of the loaded weights; 'fresh' from new ones", async () => {
    const weights = (s: Student) => new Map([...s.store.variables].filter(([, v]) => v.trainable).map(([k, v]) => [k, v.dataSync().slice() as Float32Array]));
    const maxDiff = (a: Map<string, Float32Array>, b: Map<string, Float32Array>) => {
      let d = 0;
      for (const [k, va] of a) va.forEach((v, i) => (d = Math.max(d, Math.abs(v - b.get(k)![i]))));
      return d;
    };
    const want = weights(base.student);
    const current = await run({ images: images(2), options: { start: 'current', epochs: 1, learningRate: 1e-9 } });
    const fresh = await run({ images: images(2), options: { start: 'fresh', epochs: 1, learningRate: 1e-9 } });
    if (current.status !== 'done' || fresh.status !== 'done') throw new Error('expected both runs to finish');
    expect(maxDiff(weights(current.student), want)).toBeLessThan(1e-6);
    expect(maxDiff(weights(fresh.student), want)).toBeGreaterThan(0.01);
    current.student.dispose();
    fresh.student.dispose();
  });

  it('mapSigma: the trained model keeps its own map σ, and its calibration is scored under it', async () => {
    const own = await run({ options: { epochs: 1 } });
    const wide = await run({ options: { epochs: 1, mapSigma: 8 } });
    if (own.status !== 'done' || wide.status !== 'done') throw new Error('expected both runs to finish');
    try {
      expect(own.meta.map).toEqual(base.meta.map);
      expect(wide.meta.map).toEqual({ ...base.meta.map, sigma: 8 });
      expect(base.meta.map.sigma).not.toBe(8);
      // Same seed, same weights: the held-out scores differ only through σ (a wider blur lowers the maximum).
      expect(wide.epochLosses).toEqual(own.epochLosses);
      for (let i = 0; i < own.calibration.heldOut.length; i++) expect(wide.calibration.heldOut[i]).toBeLessThan(own.calibration.heldOut[i]);
    } finally {
      own.student.dispose();
      wide.student.dispose();
    }
    await expect(run({ options: { mapSigma: -1 } })).rejects.toMatchObject({ kind: 'input', message: expect.stringMatching(/mapSigma must be a number in \[0, 64\]/) });
    await expect(run({ options: { mapSigma: Number.NaN } })).rejects.toMatchObject({ kind: 'input' });
  });

  it('cancel mid-run: status cancelled, nothing allocated is left, the base model is untouched', async () => {
    let steps = 0;
    let stop = false;
    const r = await run({
      images: images(5),
      options: { epochs: 6, batchSize: 2 },
      onProgress: (p) => {
        if (p.phase === 'training' && ++steps === 3) stop = true;
      },
      shouldStop: () => stop,
    });
    expect(r).toMatchObject({ status: 'cancelled', message: expect.stringMatching(/cancelled/) });
    expect(steps).toBe(3);
    // cancelling during the feature phase works too
    const early = await run({ shouldStop: () => true });
    expect(early.status).toBe('cancelled');
  });

  it('a non-finite loss stops with the divergence message and keeps nothing', async () => {
    poisonFeatureBatch(2);
    const r = await run({ options: { epochs: 3 } });
    expect(r).toMatchObject({
      status: 'diverged', epoch: 2, step: 1,
      message: 'training diverged at epoch 2 step 1 (loss NaN); kept the last good weights (the model loaded before training) — try a lower learning rate',
    });
    if (r.status === 'diverged') expect(r.epochLosses).toHaveLength(1);
  });

  it('refuses bad options and images with an "input" error before allocating anything', async () => {
    await expect(run({ options: { learningRate: 1e30 } })).rejects.toMatchObject({ kind: 'input', message: expect.stringMatching(/lr must be in \(0, 1\)/) });
    await expect(run({ options: { epochs: 0 } })).rejects.toMatchObject({ kind: 'input', message: expect.stringMatching(/epochs must be an integer/) });
    await expect(run({ options: { start: 'middle' as 'fresh' } })).rejects.toMatchObject({ kind: 'input' });
    await expect(run({ images: [] })).rejects.toMatchObject({ kind: 'input', message: 'no images to train on: add at least one normal image' });
    await expect(run({ images: [images(1)[0], { width: 2, height: 2, rgba: new Uint8ClampedArray(3) }] })).rejects.toMatchObject({
      kind: 'input', message: expect.stringMatching(/^training image 2: 3 bytes/),
    });
  });

  it("profile 'accurate': a bank of the trained images, divisors from the held-out ones, threshold on the fused scores", async () => {
    const fast = await run({ options: { epochs: 1 } });
    const r = await run({ options: { epochs: 1, profile: 'accurate' } });
    if (fast.status !== 'done' || r.status !== 'done') throw new Error('expected both runs to finish');
    try {
      expect(fast.evidence).toBeNull();
      expect(fast.meta.evidence).toBeUndefined();
      expect(r.evidence).not.toBeNull();
      // 6 images: 4 trained (a 64² input has an 8×8 grid: 256 places), 2 held out
      expect(r.meta.evidence).toMatchObject({ kind: 'fused', gridStride: 8, bank: { vectors: 4 * 64, dims: 128, projectionSeed: 0 } });
      expect(r.meta.evidence?.rdScale).toBeGreaterThan(0);
      // the held-out scores are fused ones: their mean is between 1 and 2 (each evidence's mean is 1 there)
      const mean = r.calibration.heldOut.reduce((a, b) => a + b, 0) / r.calibration.heldOut.length;
      expect(mean).toBeGreaterThan(1);
      expect(mean).toBeLessThanOrEqual(2 + 1e-4);
      expect(r.epochLosses).toEqual(fast.epochLosses); // the profile changes the map, not the training
    } finally {
      fast.student.dispose();
      r.student.dispose();
      r.evidence?.dispose();
    }
    await expect(run({ images: images(4), options: { profile: 'accurate' } })).rejects.toMatchObject({ kind: 'input', message: expect.stringMatching(/accurate profile needs at least 5 images/) });
    await expect(run({ options: { profile: 'best' as 'fast' } })).rejects.toMatchObject({ kind: 'input', message: expect.stringMatching(/profile must be fast or accurate/) });
  });

  it('1 image works, with the warning and an optimistic threshold', async () => {
    const r = await run({ images: images(1), options: { epochs: 2 } });
    expect(r.status).toBe('done');
    if (r.status !== 'done') return;
    expect(r.warnings).toEqual([ONE_IMAGE_WARNING]);
    expect(r.calibration).toMatchObject({ optimistic: true, heldOut: [] });
    expect(r.calibration.training).toHaveLength(1);
    expect(r.calibration.threshold).toBeCloseTo(1.25 * r.calibration.training[0], 6);
    expect(r.meta.calibration?.optimistic).toBe(true);
    expect(r.meta.training.batchSize).toBe(1);
    r.student.dispose();
  });

  it('augmentation: flips, zoom and shifts as specified, distinct seeded variants, training with them works', async () => {
    const x = tf.tensor4d(Array.from({ length: 16 * 3 }, (_, i) => Math.floor(i / 3)), [1, 4, 4, 3]);
    const px = (t: tf.Tensor4D) => Array.from(t.dataSync()).filter((_, i) => i % 3 === 0);
    const check = (a: Parameters<typeof augmentInput>[1], want: number[]) => {
      const y = augmentInput(x, a);
      const got = px(y);
      expect(got).toHaveLength(want.length);
      got.forEach((g, i) => expect(g).toBeCloseTo(want[i], 5));
      y.dispose();
    };
    check({ flipH: false, flipV: false, dx: 0, dy: 0, zoom: 1 }, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    check({ flipH: true, flipV: false, dx: 0, dy: 0, zoom: 1 }, [3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12]);
    check({ flipH: false, flipV: true, dx: 0, dy: 0, zoom: 1 }, [12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3]);
    // content moves one pixel right; the left border is reflected
    check({ flipH: false, flipV: false, dx: 1, dy: 0, zoom: 1 }, [1, 0, 1, 2, 5, 4, 5, 6, 9, 8, 9, 10, 13, 12, 13, 14]);
    check({ flipH: false, flipV: false, dx: 0, dy: -1, zoom: 1 }, [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11]);
    // shrunk to 2×2 about the centre (the corners 0, 3, 12, 15 with aligned corners), the frame reflected
    check({ flipH: false, flipV: false, dx: 0, dy: 0, zoom: 0.5 }, [15, 12, 15, 12, 3, 0, 3, 0, 15, 12, 15, 12, 3, 0, 3, 0]);
    // shrunk to 3×3: one reflected row / column at the bottom and right; the shift applies after it
    check({ flipH: false, flipV: false, dx: 0, dy: 0, zoom: 0.75 }, [0, 1.5, 3, 1.5, 6, 7.5, 9, 7.5, 12, 13.5, 15, 13.5, 6, 7.5, 9, 7.5]);
    x.dispose();

    const v = augmentationsFor(0, 3, 4, 256);
    expect(v).toHaveLength(4);
    expect(v[0]).toEqual({ flipH: false, flipV: false, dx: 0, dy: 0, zoom: 1 });
    for (const a of v.slice(1)) {
      expect(a.zoom).toBeGreaterThanOrEqual(MIN_ZOOM);
      expect(a.zoom).toBeLessThan(1);
      expect(Math.max(Math.abs(a.dx), Math.abs(a.dy))).toBeLessThanOrEqual(32); // maxShift(256): an eighth of the side
    }
    expect(augmentationsFor(0, 3, 4, 256)).toEqual(v);
    expect(augmentationsFor(0, 4, 4, 256)).not.toEqual(v);
    // variants shrink with the cache budget: 30 images of 3.7 MB (256², mobilenet_v2/expand) → 2
    expect(augmentVariants(30, 3.7e6)).toBe(2);
    expect(augmentVariants(5, 3.7e6)).toBe(8);
    expect(maxShift(256)).toBe(32);

    const events: TrainProgress[] = [];
    const r = await run({ images: images(3), options: { epochs: 2, augment: true }, onProgress: (p) => events.push(p) });
    expect(r.status).toBe('done');
    if (r.status !== 'done') return;
    expect(r.meta.fineTune?.augment).toBe(true);
    // 3 training images × MAX_AUGMENT_VARIANTS (8) variants cached (64² features are tiny)
    expect(events.find((e) => e.phase === 'features')?.stepsPerEpoch).toBe(24);
    expect(r.calibration.training).toHaveLength(3);
    r.student.dispose();
  });
});

/**
 * Augmentation of the fine-tuning images (horizontal/vertical flips, shifts of up to an eighth of the
 * side with a reflected border): the variants cached per image within a memory budget, and the sampler
 * that draws one cached variant per image for each batch, so an epoch is still one pass over the images.
 */
import * as tf from '@tensorflow/tfjs';
import { TeacherFeatureCache, type FeatureBatchSource, type FeatureExtractor } from '../engine/feature-cache';
import type { ModelMeta } from '../engine/model-meta';
import { SeededRandom } from '../engine/random';

/** Memory the augmented variants may take in the feature cache; fewer variants per image beyond it. */
export const AUGMENT_CACHE_BUDGET_BYTES = 256 * 2 ** 20;
/** Most cached variants per image with augmentation on (the original included); 8 fit the budget for 10 photos at 256². */
export const MAX_AUGMENT_VARIANTS = 8;


/** One augmentation: flips, then a shift by (dx, dy) px with a reflected border. */
export interface Augmentation {
  flipH: boolean;
  flipV: boolean;
  dx: number;
  dy: number;
}

/**
 * Largest shift in px for an input side: an eighth of it (8 px at 64², 32 px at 256²). Measured on 10
 * hand-held cookie photos: shifts of 8 px at 256² left the model believing the product only ever sits in
 * the middle (hottest points of defective photos on the borders: 63 %); 32 px brought that to 40 %.
 */
export function maxShift(size: number): number {
  return Math.max(1, Math.round(size / 8));
}

/**
 * The augmentations of one image: variant 0 is the original, variants 1… differ from it (a flip or a
 * non-zero shift at least). Deterministic for (seed, image).
 */
export function augmentationsFor(seed: number, image: number, variants: number, size: number): Augmentation[] {
  const rng = new SeededRandom((seed * 1_000_003 + image * 7919 + 1) >>> 0);
  const m = maxShift(size);
  const out: Augmentation[] = [{ flipH: false, flipV: false, dx: 0, dy: 0 }];
  while (out.length < variants) {
    const a: Augmentation = {
      flipH: rng.next() < 0.5,
      flipV: rng.next() < 0.5,
      dx: Math.floor(rng.next() * (2 * m + 1)) - m,
      dy: Math.floor(rng.next() * (2 * m + 1)) - m,
    };
    if (a.flipH || a.flipV || a.dx !== 0 || a.dy !== 0) out.push(a);
  }
  return out;
}

/** Applies an augmentation to [1, S, S, 3]; returns a new tensor (the input is not disposed). */
export function augmentInput(x: tf.Tensor4D, a: Augmentation): tf.Tensor4D {
  return tf.tidy(() => {
    let y: tf.Tensor4D = x;
    if (a.flipH) y = tf.reverse(y, 2);
    if (a.flipV) y = tf.reverse(y, 1);
    const d = Math.max(Math.abs(a.dx), Math.abs(a.dy));
    if (d > 0) {
      const [, h, w, c] = y.shape;
      const padded = tf.mirrorPad(y, [[0, 0], [d, d], [d, d], [0, 0]], 'reflect');
      // Content moves by (dx, dy): output(r, c) = input(r − dy, c − dx).
      y = tf.slice(padded, [0, d - a.dy, d - a.dx, 0], [1, h, w, c]);
    }
    return y === x ? tf.clone(x) : y;
  });
}

/** Variants per image (the original included) that fit the cache budget. */
export function augmentVariants(trainImages: number, bytesPerSample: number, budget = AUGMENT_CACHE_BUDGET_BYTES): number {
  const fit = Math.floor(budget / Math.max(1, trainImages * bytesPerSample));
  return Math.max(2, Math.min(MAX_AUGMENT_VARIANTS, fit));
}

/** Bytes the teacher features of one sample take (float32). */
export function bytesPerSample(meta: ModelMeta, teacher: FeatureExtractor): number {
  const shapes = (teacher as { tapShapes?: (size: number) => [number, number, number][] }).tapShapes?.(meta.inputSize);
  const elements = shapes
    ? shapes.reduce((n, [h, w, c]) => n + h * w * c, 0)
    : meta.teacher.taps.reduce((n, t) => n + Math.ceil(meta.inputSize / t.stride) ** 2 * t.channels, 0);
  return 4 * elements;
}

/** Draws one cached variant per image for every batch (all variants equally likely). */
export class VariantSampler implements FeatureBatchSource {
  private readonly rng: SeededRandom;
  constructor(
    private readonly cache: TeacherFeatureCache,
    readonly count: number,
    private readonly variants: number,
    seed: number,
  ) {
    this.rng = new SeededRandom((seed * 31 + 7) >>> 0);
  }

  batch(indices: number[]): tf.Tensor4D[] {
    return this.cache.batch(indices.map((i) => i * this.variants + Math.floor(this.rng.next() * this.variants)));
  }
}


/**
 * Augmentation of the fine-tuning images (horizontal/vertical flips, the photo shrunk to between ¾ and all
 * of its size, shifts of up to an eighth of the side; the frame filled by reflection): the variants cached
 * per image within a memory budget, and the sampler that draws one cached variant per image for each
 * batch, so an epoch is still one pass over the images.
 */
import * as tf from '@tensorflow/tfjs';
import { TeacherFeatureCache, type FeatureBatchSource, type FeatureExtractor } from '../engine/feature-cache';
import type { ModelMeta } from '../engine/model-meta';
import { SeededRandom } from '../engine/random';

/** Memory the augmented variants may take in the feature cache; fewer variants per image beyond it. */
export const AUGMENT_CACHE_BUDGET_BYTES = 256 * 2 ** 20;
/** Most cached variants per image with augmentation on (the original included); 8 fit the budget for 10 photos at 256². */
export const MAX_AUGMENT_VARIANTS = 8;


/** One augmentation: flips, then the content scaled by `zoom`, then a shift by (dx, dy) px; reflected borders. */
export interface Augmentation {
  flipH: boolean;
  flipV: boolean;
  dx: number;
  dy: number;
  /** Scale of the content in [MIN_ZOOM, 1]: below 1 the photo is shrunk about its centre and the frame around it reflected. */
  zoom: number;
}

/**
 * Smallest content scale of a variant. Hand-held photos show the product from different distances, with
 * other things reaching the frame (in the cookie test photos a neighbouring cookie, the broken-off piece,
 * crumbs); a shrunk photo with a reflected frame puts product-like content at the frame in training, so
 * that content there is no longer novel to the student. Measured with this code in Node (10 cookie
 * photos, new product, 200 steps at batch 4, map σ 8, seeds 0–2): share of defective photos whose hottest
 * point lies in the mask 0.47 → 0.61, hottest point in a 16-px border band 0.33 → 0.22, pixel AUROC
 * 0.950 → 0.944. Zooming in as well (crops up to 1/1.25 of the side) did not help (0.35 → 0.22 at batch 8).
 */
export const MIN_ZOOM = 0.75;

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
  const out: Augmentation[] = [{ flipH: false, flipV: false, dx: 0, dy: 0, zoom: 1 }];
  while (out.length < variants) {
    const a: Augmentation = {
      flipH: rng.next() < 0.5,
      flipV: rng.next() < 0.5,
      dx: Math.floor(rng.next() * (2 * m + 1)) - m,
      dy: Math.floor(rng.next() * (2 * m + 1)) - m,
      zoom: MIN_ZOOM ** (1 - rng.next()), // log-uniform in [MIN_ZOOM, 1)
    };
    if (a.flipH || a.flipV || a.dx !== 0 || a.dy !== 0 || a.zoom !== 1) out.push(a);
  }
  return out;
}

/** Applies an augmentation to [1, S, S, 3]; returns a new tensor (the input is not disposed). */
export function augmentInput(x: tf.Tensor4D, a: Augmentation): tf.Tensor4D {
  return tf.tidy(() => {
    let y: tf.Tensor4D = x;
    if (a.flipH) y = tf.reverse(y, 2);
    if (a.flipV) y = tf.reverse(y, 1);
    if (a.zoom < 1) {
      const [, h, w] = y.shape;
      const sh = Math.max(1, Math.round(h * a.zoom));
      const sw = Math.max(1, Math.round(w * a.zoom));
      const top = Math.floor((h - sh) / 2);
      const left = Math.floor((w - sw) / 2);
      // A reflection needs a pad smaller than the side it reflects: true for zoom ≥ ⅓ (here ≥ MIN_ZOOM).
      y = tf.mirrorPad(tf.image.resizeBilinear(y, [sh, sw], true), [[0, 0], [top, h - sh - top], [left, w - sw - left], [0, 0]], 'reflect');
    }
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


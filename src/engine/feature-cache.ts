/**
 * Teacher features of the training images, computed once. The teacher is frozen and the training
 * images do not change between epochs (no augmentation by default), so re-running it every step would
 * only burn time: on a 2-core CPU the teacher forward costs about as much as the student's whole step.
 * Features live in plain Float32Arrays (outside the wasm heap, which is capped at 4 GiB).
 */
import * as tf from '@tensorflow/tfjs';

export interface FeatureExtractor {
  /** [N, S, S, 3] in [0, 1] → taps shallow to deep, [N, h_k, w_k, c_k]. */
  features(x: tf.Tensor4D): tf.Tensor4D[];
}

/** Anything that yields teacher taps for a batch of training samples. */
export interface FeatureBatchSource {
  readonly count: number;
  /** Teacher taps for these samples; the caller disposes them. */
  batch(indices: number[]): tf.Tensor4D[];
}

export class TeacherFeatureCache implements FeatureBatchSource {
  private readonly store: Float32Array[][] = [];
  private shapes: [number, number, number][] = [];

  private constructor() {}

  get count(): number {
    return this.store.length;
  }

  /** Total bytes held. */
  get bytes(): number {
    return this.store.reduce((n, taps) => n + taps.reduce((m, t) => m + t.byteLength, 0), 0);
  }

  /**
   * @param loadInput returns the i-th training image as [1, S, S, 3]; called once per image.
   * @param onProgress called after each chunk with the number of images done.
   */
  static async build(
    teacher: FeatureExtractor,
    count: number,
    loadInput: (i: number) => Promise<tf.Tensor4D> | tf.Tensor4D,
    opts: { chunk?: number; onProgress?: (done: number) => void } = {},
  ): Promise<TeacherFeatureCache> {
    if (count < 1) throw new Error('feature cache: no training images');
    const cache = new TeacherFeatureCache();
    const chunk = opts.chunk ?? 4;
    for (let start = 0; start < count; start += chunk) {
      const inputs: tf.Tensor4D[] = [];
      try {
        for (let i = start; i < Math.min(count, start + chunk); i++) inputs.push(await loadInput(i));
        const taps = tf.tidy(() => teacher.features(tf.concat(inputs, 0)));
        cache.shapes = taps.map((t) => [t.shape[1], t.shape[2], t.shape[3]]);
        const arrays = await Promise.all(taps.map((t) => t.data() as Promise<Float32Array>));
        tf.dispose(taps);
        for (let j = 0; j < inputs.length; j++) {
          cache.store.push(arrays.map((a, k) => {
            const per = cache.shapes[k][0] * cache.shapes[k][1] * cache.shapes[k][2];
            return a.slice(j * per, (j + 1) * per);
          }));
        }
      } finally {
        tf.dispose(inputs);
      }
      opts.onProgress?.(cache.store.length);
      await yieldToEventLoop();
    }
    return cache;
  }

  batch(indices: number[]): tf.Tensor4D[] {
    return this.shapes.map(([h, w, c], k) => {
      const per = h * w * c;
      const buf = new Float32Array(per * indices.length);
      indices.forEach((idx, j) => {
        const src = this.store[idx];
        if (!src) throw new Error(`feature cache: no sample ${idx}`);
        buf.set(src[k], j * per);
      });
      return tf.tensor4d(buf, [indices.length, h, w, c]);
    });
  }
}

/** Lets progress output and cancellation run between heavy steps. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

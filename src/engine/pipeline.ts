/**
 * The assembled detector: teacher → student → maps. One object the CLI, the benchmark and the
 * browser worker all run inference through.
 */
import * as tf from '@tensorflow/tfjs';
import { AnomalyMapResult, Fusion, computeAnomalyMap } from './anomaly-map';
import type { FeatureExtractor } from './feature-cache';
import type { ModelMeta } from './model-meta';
import type { Student } from './student';

export interface InferenceTimings {
  teacherMs: number;
  studentMs: number;
  mapsMs: number;
}

export class ReverseDistillationPipeline {
  constructor(
    readonly teacher: FeatureExtractor,
    readonly student: Student,
    readonly inputSize: number,
    public sigma: number,
    public fusion: Fusion = 'sum',
    /** Scales (0 = stride 4 … 2 = stride 16) fused into the map; default all three. */
    public useScales: readonly number[] = [0, 1, 2],
  ) {}

  /** The pipeline a bundle's meta.json describes (its map scales are 1-based, the pipeline's 0-based). */
  static fromMeta(teacher: FeatureExtractor, student: Student, meta: ModelMeta): ReverseDistillationPipeline {
    const scales = (meta.map.scales ?? [1, 2, 3]).map((k) => k - 1);
    return new ReverseDistillationPipeline(teacher, student, meta.inputSize, meta.map.sigma, meta.map.fusion, scales);
  }

  /** x: [N, S, S, 3] in [0, 1]. The caller disposes the result's tensors. */
  infer(x: tf.Tensor4D, sigma = this.sigma): AnomalyMapResult {
    const taps = this.teacher.features(x);
    try {
      return this.inferFromFeatures(taps, sigma, x.shape[1], x.shape[2]);
    } finally {
      tf.dispose(taps);
    }
  }

  /** Maps at the input size from teacher taps already computed (e.g. the training feature cache). */
  inferFromFeatures(taps: tf.Tensor4D[], sigma = this.sigma, height = this.inputSize, width = this.inputSize): AnomalyMapResult {
    const recon = this.student.predict(taps);
    try {
      return computeAnomalyMap(taps, recon, { height, width, sigma, fusion: this.fusion, useScales: this.useScales });
    } finally {
      tf.dispose(recon);
    }
  }

  /**
   * Teacher, then student, each stage awaited so that it can be timed (two syncs). The CLI's timed map
   * (inferTimed) and the worker's raw per-scale maps both start from here. The caller disposes taps and recon.
   */
  async stagesTimed(x: tf.Tensor4D): Promise<{ taps: tf.Tensor4D[]; recon: tf.Tensor4D[]; teacherMs: number; studentMs: number }> {
    const t0 = performance.now();
    const taps = tf.tidy(() => this.teacher.features(x));
    let recon: tf.Tensor4D[] = [];
    try {
      await Promise.all(taps.map((t) => t.data()));
      const t1 = performance.now();
      recon = this.student.predict(taps);
      await Promise.all(recon.map((t) => t.data()));
      return { taps, recon, teacherMs: t1 - t0, studentMs: performance.now() - t1 };
    } catch (e) {
      tf.dispose([...taps, ...recon]);
      throw e;
    }
  }

  /** Same as infer, with each stage awaited separately to time it (slower: three syncs). */
  async inferTimed(x: tf.Tensor4D, sigma = this.sigma): Promise<{ result: AnomalyMapResult; timings: InferenceTimings }> {
    const { taps, recon, teacherMs, studentMs } = await this.stagesTimed(x);
    try {
      const t2 = performance.now();
      const result = computeAnomalyMap(taps, recon, { height: x.shape[1], width: x.shape[2], sigma, fusion: this.fusion, useScales: this.useScales });
      await result.map.data();
      return { result, timings: { teacherMs, studentMs, mapsMs: performance.now() - t2 } };
    } finally {
      tf.dispose([...taps, ...recon]);
    }
  }
}

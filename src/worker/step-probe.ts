/**
 * Times one training step of the loaded model's student on the active backend, before a run, so the
 * Teach panel can say how long a run of N steps will take ("≈ 4 min") instead of guessing from another
 * machine's figures. A fresh student of the same config (what a 'fresh' run trains; a 'current' run's
 * step costs the same) takes three steps on teacher features of flat gray images: the first compiles
 * kernels / shaders and is left out, the faster of the other two is the figure (one timing is noisy on
 * shared cores: a single probe step of 2.6 s at batch 8 stood for a cookies run that averaged about 1.5 s a
 * step). Nothing of it is kept.
 */
import * as tf from '@tensorflow/tfjs';
import { TeacherFeatureCache, type FeatureExtractor } from '../engine/feature-cache';
import type { ModelMeta } from '../engine/model-meta';
import { Student, type StudentConfig } from '../engine/student';
import { DEFAULT_TRAIN_CONFIG, Trainer } from '../engine/train';
import { InferenceError } from './errors';
import type { StepTiming } from './training-types';

/** The biggest batch worth timing (the worker's default batch is min(8, training images)). */
export const MAX_PROBE_BATCH = DEFAULT_TRAIN_CONFIG.batchSize;

export async function measureTrainStep(teacher: FeatureExtractor, config: StudentConfig, meta: ModelMeta, batchSize: number): Promise<Omit<StepTiming, 'backend'>> {
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_PROBE_BATCH) {
    throw new InferenceError('input', `step timing batch must be an integer 1..${MAX_PROBE_BATCH}, got ${batchSize}`);
  }
  const size = meta.inputSize;
  const tFeatures = performance.now();
  // Two samples at least: BatchNorm needs ≥ 2 per batch.
  const n = Math.max(2, batchSize);
  const cache = await TeacherFeatureCache.build(teacher, n, (i) => tf.fill<tf.Rank.R4>([1, size, size, 3], 0.4 + 0.05 * i));
  const featureMs = (performance.now() - tFeatures) / n;
  const student = new Student(config, 0);
  const trainer = new Trainer(student, cache, { ...DEFAULT_TRAIN_CONFIG, batchSize: n, lossForm: meta.lossForm });
  try {
    const batch = Array.from({ length: n }, (_, i) => i);
    trainer.step(batch);
    let stepMs = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 2; i++) {
      const t0 = performance.now();
      trainer.step(batch);
      stepMs = Math.min(stepMs, performance.now() - t0);
    }
    return { batchSize: n, stepMs, featureMs };
  } finally {
    trainer.dispose();
    student.dispose();
  }
}

/**
 * Training images from disk → model inputs → cached teacher features.
 */
import * as tf from '@tensorflow/tfjs';
import { TeacherFeatureCache } from '../../src/engine/feature-cache';
import { pixelsToInput } from '../../src/engine/preprocess';
import type { Teacher } from '../../src/engine/teacher';
import { readImage } from './image-io';
import { ProgressLine } from './cli-support';

/** Decodes one image file into the model's input tensor [1, size, size, 3]. */
export async function readInput(file: string, size: number): Promise<tf.Tensor4D> {
  const img = await readImage(file);
  return pixelsToInput({ width: img.width, height: img.height, data: img.data, channels: 3 }, size);
}

export async function buildFeatureCache(teacher: Teacher, files: string[], size: number, quiet = false): Promise<TeacherFeatureCache> {
  const progress = new ProgressLine('teacher features', files.length, process.stderr, quiet);
  const cache = await TeacherFeatureCache.build(teacher, files.length, (i) => readInput(files[i], size), {
    onProgress: (done) => progress.update(done),
  });
  progress.done(`(${(cache.bytes / 2 ** 20).toFixed(0)} MiB cached)`);
  return cache;
}

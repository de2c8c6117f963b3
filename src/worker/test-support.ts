/**
 * Shared fixtures of the worker tests (Node only; imported by *.test.ts files, never by the app): a tiny
 * student bundle and the converted teacher served to a fake fetch, and a poisoned feature batch that makes
 * a training step non-finite.
 */
import * as tf from '@tensorflow/tfjs';
import { vi } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TEACHER_ROOT, loadTeacherMeta } from '../../cli/lib/model-bundle';
import { TeacherFeatureCache } from '../engine/feature-cache';
import { Student, type StudentConfig } from '../engine/student';
import { studentToArtifacts, weightDataToArrayBuffer } from '../engine/weights-io';

export const TEST_ORIGIN = 'https://app.test';

/**
 * Puts the converted mobilenet_v2 teacher under `${TEST_ORIGIN}/models/teacher/mobilenet_v2/` and a tiny
 * random student (widths 8/16/32, input 64²) under `${TEST_ORIGIN}/models/students/s/` into `files`.
 */
export async function serveTinyModel(files: Map<string, Uint8Array | string>, dataset: Record<string, unknown> = {}): Promise<StudentConfig> {
  const tm = await loadTeacherMeta('mobilenet_v2');
  for (const f of ['model.json', 'meta.json', 'weights.bin']) {
    files.set(`${TEST_ORIGIN}/models/teacher/mobilenet_v2/${f}`, new Uint8Array(await readFile(path.join(TEACHER_ROOT, 'mobilenet_v2', f))));
  }
  const taps = tm.tapSets.expand;
  const config: StudentConfig = { tapChannels: taps.map((t) => t.channels) as [number, number, number], widths: [8, 16, 32], embedChannels: 32, decoderBlocks: 1 };
  const student = new Student(config, 5);
  const a = await studentToArtifacts(student);
  student.dispose();
  const folder = `${TEST_ORIGIN}/models/students/s`;
  files.set(`${folder}/model.json`, JSON.stringify({ modelTopology: a.modelTopology, format: a.format, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }));
  files.set(`${folder}/weights.bin`, new Uint8Array(weightDataToArrayBuffer(a.weightData!)));
  files.set(`${folder}/meta.json`, JSON.stringify({
    formatVersion: 1, kind: 'rd4ad-student', teacher: { id: 'mobilenet_v2', tapSet: 'expand', taps: taps.map(({ name, stride, channels }) => ({ name, stride, channels })) },
    student: config, inputSize: 64, normalization: { inputRange: [0, 1], resize: 'bilinear' }, map: { sigma: 4, fusion: 'sum', upsample: 'bilinear-half-pixel' },
    lossForm: 'flattened', calibration: null, training: {}, dataset, createdAt: '',
  }));
  return config;
}

/** Makes the `call`-th training batch of teacher features all NaN (the caller restores with vi.restoreAllMocks). */
export function poisonFeatureBatch(call: number): void {
  const real = TeacherFeatureCache.prototype.batch;
  let calls = 0;
  vi.spyOn(TeacherFeatureCache.prototype, 'batch').mockImplementation(function (this: TeacherFeatureCache, indices: number[]) {
    const taps = real.call(this, indices);
    if (++calls !== call) return taps;
    const poisoned = taps.map((t) => tf.fill(t.shape, Number.NaN) as tf.Tensor4D);
    tf.dispose(taps);
    return poisoned;
  });
}

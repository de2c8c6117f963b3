/**
 * The warm-up inference the worker times on each backend before choosing one (backend-choice.ts): a
 * forward pass of a student the size of the shipped ones (32/64/128, embedding 192) on teacher taps of a
 * 256² image of the default teacher (MobileNetV2 `expand`: 144/192/576 channels at strides 4/8/16). The
 * first pass compiles kernels / shaders and is not counted; the second is the figure. The teacher itself
 * is not loaded yet when the backend starts; the student's convolutions, transposed convolutions and
 * batch norms are the same kinds of work. Runs on whatever backend is active; nothing is kept.
 */
import * as tf from '@tensorflow/tfjs';
import { defaultStudentConfig, Student } from '../engine/student';

/** Names the workload in the cache key: a change of workload measures again. */
export const PROBE_WORKLOAD = 'student-32-64-128-e192@256/mobilenet_v2-expand';

const TAPS: readonly [number, number][] = [
  [64, 144],
  [32, 192],
  [16, 576],
];

/** Milliseconds of one warm-up inference on the active backend (after one untimed pass). */
export async function timeWarmUpInference(): Promise<number> {
  const student = new Student({ ...defaultStudentConfig([144, 192, 576]), widths: [32, 64, 128], embedChannels: 192 }, 0);
  const taps = TAPS.map(([s, c], k) => tf.randomUniform<tf.Rank.R4>([1, s, s, c], 0, 1, 'float32', k + 1));
  const pass = async () => {
    const out = student.predict(taps);
    try {
      await Promise.all(out.map((t) => t.data()));
    } finally {
      tf.dispose(out);
    }
  };
  try {
    await pass();
    const t0 = performance.now();
    await pass();
    return performance.now() - t0;
  } finally {
    tf.dispose(taps);
    student.dispose();
  }
}

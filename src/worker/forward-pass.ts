/**
 * The worker's timed forward pass: pixels → input → teacher → student → per-scale 1 − cos maps upsampled
 * to the model input, neither fused nor smoothed (the UI does both from these maps, for any σ and scale
 * selection, without running the network again).
 *
 * It times preprocessing and each stage separately and hands back the per-scale maps, which the
 * engine's ReverseDistillationPipeline.inferTimed (fused, smoothed map) does not; so it is its own.
 */
import * as tf from '@tensorflow/tfjs';
import { scaleAnomalyMaps, upsampleMap } from '../engine/anomaly-map';
import type { ReverseDistillationPipeline } from '../engine/pipeline';
import { pixelsToInput } from '../engine/preprocess';
import { InferenceError } from './errors';
import type { BackendName, InferResult, PixelsMessage, RawMaps, StageTimings } from './types';

/** The timed forward pass; every tensor it creates is disposed before it returns or throws. */
export async function forwardPass(pipeline: ReverseDistillationPipeline, pixels: PixelsMessage, backend: BackendName | null): Promise<InferResult> {
  const size = pipeline.inputSize;
  const owned: tf.Tensor[] = [];
  try {
    const t0 = performance.now();
    const x = pixelsToInput({ width: pixels.width, height: pixels.height, data: pixels.rgba, channels: 4 }, size);
    owned.push(x);
    await x.data();
    const t1 = performance.now();
    const taps = tf.tidy(() => pipeline.teacher.features(x));
    owned.push(...taps);
    await Promise.all(taps.map((t) => t.data()));
    const t2 = performance.now();
    const recon = pipeline.student.predict(taps);
    owned.push(...recon);
    await Promise.all(recon.map((t) => t.data()));
    const t3 = performance.now();
    const ups = tf.tidy(() => scaleAnomalyMaps(taps, recon).map((m) => upsampleMap(m, size, size)));
    owned.push(...ups);
    // Copies: the arrays are transferred to the UI thread and must not share a buffer with a backend.
    const data = (await Promise.all(ups.map((u) => u.data()))).map((d) => Float32Array.from(d as Float32Array));
    const t4 = performance.now();
    if (data.length !== 3) throw new InferenceError('internal', `expected 3 scale maps, got ${data.length}`);
    const maps: RawMaps = { size, scales: [data[0], data[1], data[2]] };
    const timings: StageTimings = { preprocessMs: t1 - t0, teacherMs: t2 - t1, studentMs: t3 - t2, mapsMs: t4 - t3, totalMs: t4 - t0 };
    return { maps, timings, backend: backend ?? (tf.getBackend() as BackendName) };
  } finally {
    tf.dispose(owned);
  }
}

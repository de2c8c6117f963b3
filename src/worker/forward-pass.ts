/**
 * The worker's timed forward pass: pixels → input → teacher → student → per-scale 1 − cos maps upsampled
 * to the model input, neither fused nor smoothed (the UI does both from these maps, for any σ and scale
 * selection, without running the network again).
 *
 * Teacher and student run through the engine's ReverseDistillationPipeline.stagesTimed (the same stages
 * as the CLI's inferTimed); what is the worker's own is the preprocessing time and the raw per-scale maps.
 */
import * as tf from '@tensorflow/tfjs';
import { scaleAnomalyMaps, upsampleMap } from '../engine/anomaly-map';
import type { FusedEvidence } from '../engine/evidence';
import type { ReverseDistillationPipeline } from '../engine/pipeline';
import { pixelsToInput } from '../engine/preprocess';
import { InferenceError } from './errors';
import type { BackendName, InferResult, PixelsMessage, RawMaps, StageTimings } from './types';

/**
 * The timed forward pass; every tensor it creates is disposed before it returns or throws. `evidence`: a
 * model of the accurate profile's bank, whose distances come back beside the scales (timed with the maps).
 */
export async function forwardPass(pipeline: ReverseDistillationPipeline, pixels: PixelsMessage, backend: BackendName | null, evidence: FusedEvidence | null = null): Promise<InferResult> {
  const size = pipeline.inputSize;
  const owned: tf.Tensor[] = [];
  try {
    const t0 = performance.now();
    const x = pixelsToInput({ width: pixels.width, height: pixels.height, data: pixels.rgba, channels: 4 }, size);
    owned.push(x);
    await x.data();
    const t1 = performance.now();
    const { taps, recon, teacherMs, studentMs } = await pipeline.stagesTimed(x);
    owned.push(...taps, ...recon);
    const t3 = performance.now();
    const ups = tf.tidy(() => scaleAnomalyMaps(taps, recon).map((m) => upsampleMap(m, size, size)));
    owned.push(...ups);
    if (ups.length !== 3) throw new InferenceError('internal', `expected 3 scale maps, got ${ups.length}`);
    const nearest = evidence ? evidence.rawNearest(taps, size) : null;
    if (nearest) owned.push(nearest);
    // Copies: the arrays are transferred to the UI thread and must not share a buffer with a backend.
    const data = (await Promise.all([...ups, ...(nearest ? [nearest] : [])].map((u) => u.data()))).map((d) => Float32Array.from(d as Float32Array));
    const t4 = performance.now();
    const maps: RawMaps = { size, scales: [data[0], data[1], data[2]] };
    if (evidence) maps.nearest = { values: data[3], rdScale: evidence.rdScale, nnScale: evidence.nnScale };
    const timings: StageTimings = { preprocessMs: t1 - t0, teacherMs, studentMs, mapsMs: t4 - t3, smoothMs: 0, totalMs: t4 - t0 };
    return { maps, smoothed: [], timings, backend: backend ?? (tf.getBackend() as BackendName) };
  } finally {
    tf.dispose(owned);
  }
}

/**
 * The pure parts of the browser benchmark (bench.html, driven by `npm run bench:browser`): query
 * parsing, the result shape, epoch timings from the worker's train-progress events and the projection
 * of a short run to 10 images × 20 epochs. No DOM, no tfjs: shared by the page and the Node CLI.
 */
import { holdOutSplit } from '../metrics/normal-calibration';
import type { BackendInfo, BackendName, StageTimings, TrainProgress } from '../worker/protocol';

export const BENCH_BACKENDS = ['wasm', 'webgl', 'webgpu'] as const;
export type BenchBackend = (typeof BENCH_BACKENDS)[number];

/** σ values of the re-render benchmark (the UI's slider runs 0–8). */
export const RERENDER_SIGMAS = [1, 4, 8] as const;
/** One frame at 60 Hz: the re-render target of issue #4. */
export const RERENDER_TARGET_MS = 16;
/** What the fine-tuning projection is for: a typical user run (issue #5). */
export const PROJECTION = { images: 10, epochs: 20 } as const;

export interface BenchParams {
  backend: BenchBackend;
  /** Normal images to fine-tune on; 0 skips fine-tuning. */
  images: number;
  epochs: number;
  /** Side of the generated images sent to the worker (it resizes to the model input). */
  size: number;
  /** Folder name under models/students/. */
  model: string;
  /** Timed inferences after one warm-up. */
  reps: number;
  /** Timed re-renders per σ. */
  renders: number;
  learningRate: number;
}

export const DEFAULT_BENCH_PARAMS: BenchParams = {
  backend: 'wasm', images: 10, epochs: 2, size: 256, model: 'fabric', reps: 5, renders: 20, learningRate: 0.005,
};

function intParam(q: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = q.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return n;
}

/** Reads `?backend=…&images=…&epochs=…&size=…&model=…&reps=…&renders=…&lr=…`; throws on bad values. */
export function parseBenchParams(search: string): BenchParams {
  const q = new URLSearchParams(search);
  const d = DEFAULT_BENCH_PARAMS;
  const backend = q.get('backend') ?? d.backend;
  if (!(BENCH_BACKENDS as readonly string[]).includes(backend)) throw new Error(`backend must be one of ${BENCH_BACKENDS.join(', ')}, got "${backend}"`);
  const model = q.get('model') ?? d.model;
  if (!/^[A-Za-z0-9][\w.-]*$/.test(model)) throw new Error(`model must be a folder name under models/students/, got "${model}"`);
  const lrRaw = q.get('lr');
  const learningRate = lrRaw === null || lrRaw === '' ? d.learningRate : Number(lrRaw);
  if (!(learningRate > 0 && learningRate < 1)) throw new Error(`lr must be a number in (0, 1), got "${lrRaw}"`);
  return {
    backend: backend as BenchBackend,
    images: intParam(q, 'images', d.images, 0, 100),
    epochs: intParam(q, 'epochs', d.epochs, 1, 200),
    size: intParam(q, 'size', d.size, 32, 2048),
    model,
    reps: intParam(q, 'reps', d.reps, 1, 100),
    renders: intParam(q, 'renders', d.renders, 1, 500),
    learningRate,
  };
}

export function benchQuery(p: Partial<BenchParams>): string {
  const q = new URLSearchParams();
  const keys: [keyof BenchParams, string][] = [
    ['backend', 'backend'], ['images', 'images'], ['epochs', 'epochs'], ['size', 'size'], ['model', 'model'], ['reps', 'reps'], ['renders', 'renders'], ['learningRate', 'lr'],
  ];
  for (const [k, name] of keys) if (p[k] !== undefined) q.set(name, String(p[k]));
  return `?${q.toString()}`;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
}

/** Training images and held-out images of a run on n images (the worker's split; n = 0 → none). */
export function trainingSplit(n: number): { train: number; heldOut: number } {
  if (n < 1) return { train: 0, heldOut: 0 };
  const s = holdOutSplit(n);
  return { train: s.train.length, heldOut: s.heldOut.length };
}

/** Phase timings of one fine-tuning run, from the worker's own clock (TrainProgress.elapsedMs). */
export interface TrainingTimings {
  /** Teacher features of all images (training + held-out), computed once before the first epoch. */
  featuresMs: number;
  /** The first optimisation step (on WebGL/WebGPU it compiles the training shaders). */
  firstStepMs: number;
  /** Wall time of each epoch, from the end of the previous one (epoch 1: from the end of the features). */
  epochMs: number[];
  /** Mean of epochs 2… (null with one epoch: then only epoch 1, compile time included, is known). */
  steadyEpochMs: number | null;
  stepsPerEpoch: number;
  /** Scoring the training and held-out images after the last epoch. */
  calibrationMs: number;
  /** The whole run as the worker reports it (TrainResult.elapsedMs, or the last event). */
  totalMs: number;
}

/**
 * Epoch boundaries from the progress events: the end of epoch e is the event of its last step; the
 * features phase ends at the last 'features' event. Events may be given in any order.
 */
export function trainingTimings(events: readonly TrainProgress[], totalMs?: number): TrainingTimings {
  const byTime = [...events].sort((a, b) => a.elapsedMs - b.elapsedMs);
  const features = byTime.filter((e) => e.phase === 'features');
  const training = byTime.filter((e) => e.phase === 'training');
  const calibrating = byTime.filter((e) => e.phase === 'calibrating');
  const featuresEnd = features.length ? features[features.length - 1].elapsedMs : 0;
  const stepsPerEpoch = training.length ? training[0].stepsPerEpoch : 0;
  const ends: number[] = [];
  for (const e of training) if (e.step === e.stepsPerEpoch) ends[e.epoch - 1] = e.elapsedMs;
  const epochMs: number[] = [];
  let prev = featuresEnd;
  for (let i = 0; i < ends.length && ends[i] !== undefined; i++) {
    epochMs.push(ends[i] - prev);
    prev = ends[i];
  }
  const last = byTime.length ? byTime[byTime.length - 1].elapsedMs : 0;
  const calibrationEnd = calibrating.length ? calibrating[calibrating.length - 1].elapsedMs : prev;
  return {
    featuresMs: featuresEnd,
    firstStepMs: training.length ? training[0].elapsedMs - featuresEnd : Number.NaN,
    epochMs,
    steadyEpochMs: epochMs.length > 1 ? mean(epochMs.slice(1)) : null,
    stepsPerEpoch,
    calibrationMs: calibrating.length ? calibrationEnd - prev : 0,
    totalMs: totalMs ?? last,
  };
}

/**
 * Time for a run on `target.images` images × `target.epochs` epochs, projected linearly from a run on
 * `images` images: features and calibration scale with the image count, an epoch with the training
 * images (one pass over them, in batches of ≤ 8), and the first-epoch overhead (shader compiles) is
 * paid once. With a one-epoch run the overhead cannot be separated: the projection is then an upper
 * bound. Null when nothing was trained.
 */
export function projectTraining(t: TrainingTimings, images: number, target: { images: number; epochs: number } = PROJECTION): number | null {
  const from = trainingSplit(images).train;
  const to = trainingSplit(target.images).train;
  if (from < 1 || t.epochMs.length === 0) return null;
  const epoch = t.steadyEpochMs ?? t.epochMs[0];
  const overhead = t.epochMs[0] - epoch;
  return ((t.featuresMs + t.calibrationMs) * target.images) / images + overhead + target.epochs * epoch * (to / from);
}

export interface RerenderFigure {
  sigma: number;
  /** Fresh MapSmoother each time: fusion of the selected scales + separable Gaussian + min/max/argmax. */
  smoothMs: number;
  /** renderHeatmap (turbo) of the smoothed map. */
  colormapMs: number;
  /** putImageData of the RGBA onto a size×size canvas (what the viewer's heatCanvas does). */
  canvasMs: number;
  /** smoothMs + colormapMs + canvasMs (medians). */
  totalMs: number;
  /** The first smooth at this σ (builds the Gaussian taps and border tables). */
  coldSmoothMs: number;
}

export interface TrainingFigures extends TrainingTimings {
  status: string;
  images: number;
  trainImages: number;
  heldOutImages: number;
  epochs: number;
  /** Generating and encoding the normal images on the page (not part of the training time). */
  generateMs: number;
  epochLosses: number[];
  threshold: number | null;
  warnings: string[];
  message?: string;
  /** Projected time of 10 images × 20 epochs (see projectTraining). */
  projected10x20Ms: number | null;
}

export interface BenchResult {
  params: BenchParams;
  backend: BackendName;
  backendNotes: string[];
  /** Backend changes during the run (device lost etc.). */
  backendChanges: { info: BackendInfo; reason: string }[];
  userAgent: string;
  hardwareConcurrency: number;
  crossOriginIsolated: boolean;
  /** WebGL: UNMASKED_RENDERER_WEBGL; WebGPU: the adapter's description; wasm: null. */
  renderer: string | null;
  model: { id: string; teacher: string; inputSize: number; loadMs: number; widths: number[]; embedChannels: number; scales: number[]; fusion: string };
  inference: {
    warmup: StageTimings & { roundTripMs: number };
    median: StageTimings & { roundTripMs: number };
    runs: (StageTimings & { roundTripMs: number })[];
  };
  rerender: { mapSize: number; renders: number; figures: RerenderFigure[] };
  training: TrainingFigures | null;
  trainingError: { kind: string; message: string } | null;
  tensors: { afterLoad: number; afterInference: number; afterTraining: number | null; bytesAfterLoad: number };
  totalMs: number;
}

export interface BenchError {
  stage: string;
  kind?: string;
  message: string;
}

declare global {
  /** What bench.html publishes for the driver (cli/bench-browser.ts polls these). */
  interface Window {
    __benchResult?: BenchResult;
    __benchError?: BenchError;
    __benchProgress?: string;
  }
}

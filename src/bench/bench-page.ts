/**
 * bench.html: times the app's real paths in the browser — the inference worker (same client and worker
 * as the app), the main-thread re-render of a 256² map (MapSmoother + colormap + canvas), and
 * fine-tuning in the worker — and publishes the figures as JSON in <pre id="result"> and
 * window.__benchResult (errors: window.__benchError; progress: window.__benchProgress). Driven by
 * `npm run bench:browser`; also usable by hand: /bench.html?backend=webgl&images=10&epochs=2.
 */
import { renderHeatmap } from '../data/colormap';
import { rgbToRgba } from '../data/image';
import { MapSmoother } from '../data/map-render';
import type { Fusion } from '../engine/fusion';
import { CATEGORY_IDS, renderSample, type CategoryId } from '../data/synthetic';
import { InferenceClient, WorkerFailure } from '../worker/inference-client';
import type { BackendInfo, InferResult, PixelsMessage, StageTimings, TrainProgress, TrainResult } from '../worker/protocol';
import {
  RERENDER_SIGMAS, median, parseBenchParams, projectTraining, trainingSplit, trainingTimings,
  type BenchError, type BenchParams, type BenchResult, type RerenderFigure, type TrainingFigures,
} from './bench-core';

const BASE_URL = import.meta.env.BASE_URL;
let stage = 'start';

function progress(text: string): void {
  window.__benchProgress = text;
  const el = document.getElementById('status');
  if (el) el.textContent = text;
}

function enter(name: string, text = name): void {
  stage = name;
  progress(text);
}

/** One generated image of the category as RGBA at size×size (the generator draws 256²; other sizes are resampled). */
async function generatedPixels(category: CategoryId, split: 'train' | 'test', index: number, size: number): Promise<PixelsMessage> {
  const { image } = renderSample({ category, split, label: 'good', index, seed: 0 });
  const rgba = rgbToRgba(image);
  if (size === image.width && size === image.height) return { width: size, height: size, rgba };
  const bitmap = await createImageBitmap(new ImageData(rgba, image.width, image.height), { resizeWidth: size, resizeHeight: size, resizeQuality: 'high' });
  const canvas = new OffscreenCanvas(size, size);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return { width: size, height: size, rgba: ctx.getImageData(0, 0, size, size).data };
}

function copyPixels(p: PixelsMessage): PixelsMessage {
  return { width: p.width, height: p.height, rgba: p.rgba.slice() };
}

function categoryFor(model: string, datasetName: string): CategoryId {
  for (const c of [datasetName, model]) if ((CATEGORY_IDS as readonly string[]).includes(c)) return c as CategoryId;
  return 'fabric';
}

function rendererName(backend: string): Promise<string | null> | string | null {
  if (backend === 'webgl') {
    const gl = document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
    if (!gl) return null;
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  }
  if (backend === 'webgpu') {
    const gpu = (navigator as { gpu?: { requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string; description?: string } } | null> } }).gpu;
    if (!gpu) return null;
    return gpu.requestAdapter().then(
      (a) => (a?.info ? [a.info.vendor, a.info.architecture, a.info.description].filter(Boolean).join(' / ') || 'unknown adapter' : null),
      () => null,
    );
  }
  return null;
}

type TimedInference = StageTimings & { roundTripMs: number };

async function timedInfer(client: InferenceClient, pixels: PixelsMessage): Promise<{ result: InferResult; t: TimedInference }> {
  const t0 = performance.now();
  const result = await client.infer(copyPixels(pixels));
  return { result, t: { ...result.timings, roundTripMs: performance.now() - t0 } };
}

function medianTimings(runs: TimedInference[]): TimedInference {
  const keys: (keyof TimedInference)[] = ['preprocessMs', 'teacherMs', 'studentMs', 'mapsMs', 'totalMs', 'roundTripMs'];
  return Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r[k]))])) as unknown as TimedInference;
}

/** Re-smoothing and colour-mapping of the raw maps as the viewer does it, per σ; a fresh smoother each time. */
function benchRerender(result: InferResult, selection: boolean[], fusion: Fusion, renders: number): RerenderFigure[] {
  const size = result.maps.size;
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d')!;
  const figures: RerenderFigure[] = [];
  for (const sigma of RERENDER_SIGMAS) {
    const smooth: number[] = [];
    const colormap: number[] = [];
    const put: number[] = [];
    let cold = Number.NaN;
    for (let i = 0; i < renders + 1; i++) {
      const t0 = performance.now();
      const map = new MapSmoother(result.maps).smooth(selection, sigma, fusion);
      const t1 = performance.now();
      const rgba = renderHeatmap(map.values, map.size, map.size, { min: map.min, max: map.max, colormap: 'turbo' });
      const t2 = performance.now();
      ctx.putImageData(new ImageData(rgba, map.size, map.size), 0, 0);
      const t3 = performance.now();
      if (i === 0) {
        cold = t1 - t0; // first call at this σ: Gaussian taps and border tables are built
        continue;
      }
      smooth.push(t1 - t0);
      colormap.push(t2 - t1);
      put.push(t3 - t2);
    }
    const f = { sigma, smoothMs: median(smooth), colormapMs: median(colormap), canvasMs: median(put), coldSmoothMs: cold };
    figures.push({ ...f, totalMs: f.smoothMs + f.colormapMs + f.canvasMs });
  }
  return figures;
}

async function benchTraining(client: InferenceClient, p: BenchParams, category: CategoryId): Promise<TrainingFigures> {
  enter('training: generating images', `generating ${p.images} normal ${category} images…`);
  const g0 = performance.now();
  const images: PixelsMessage[] = [];
  for (let i = 0; i < p.images; i++) images.push(await generatedPixels(category, 'train', i, p.size));
  const generateMs = performance.now() - g0;

  const events: TrainProgress[] = [];
  const off = client.onEvent((e) => {
    if (e.type !== 'train-progress') return;
    events.push(e);
    const where = e.phase === 'training' ? `epoch ${e.epoch}/${e.epochs} step ${e.step}/${e.stepsPerEpoch} loss ${e.loss.toFixed(4)}` : `${e.step}/${e.stepsPerEpoch}`;
    progress(`training (${p.backend}): ${e.phase} ${where}, ${(e.elapsedMs / 1000).toFixed(1)} s`);
  });
  enter('training', `training on ${p.images} images, ${p.epochs} epochs…`);
  let result: TrainResult;
  try {
    result = await client.train(images, { start: 'current', epochs: p.epochs, learningRate: p.learningRate, seed: 0, augment: false }, { transfer: true });
  } finally {
    off();
  }
  const timings = trainingTimings(events, result.elapsedMs);
  const split = trainingSplit(p.images);
  return {
    ...timings,
    status: result.status,
    images: p.images,
    trainImages: split.train,
    heldOutImages: split.heldOut,
    epochs: p.epochs,
    generateMs,
    epochLosses: result.epochLosses,
    threshold: result.status === 'done' ? result.calibration.threshold : null,
    warnings: result.warnings,
    ...(result.status !== 'done' ? { message: result.message } : {}),
    projected10x20Ms: result.status === 'done' ? projectTraining(timings, p.images) : null,
  };
}

async function run(): Promise<BenchResult> {
  const t0 = performance.now();
  enter('parameters');
  const p = parseBenchParams(location.search);
  const client = InferenceClient.create();
  const backendChanges: { info: BackendInfo; reason: string }[] = [];
  client.onEvent((e) => {
    if (e.type === 'backend-changed') backendChanges.push({ info: e.info, reason: e.reason });
  });

  enter('init', `starting ${p.backend}…`);
  const info = await client.init(p.backend);
  const renderer = await rendererName(info.backend);

  enter('loadModel', `loading models/students/${p.model}…`);
  const model = await client.loadModel(p.model, { kind: 'url', url: `${BASE_URL}models/students/${p.model}` }, `${BASE_URL}models/teacher`);
  const memLoad = await client.memory();
  const meta = model.meta;
  const scales = meta.map.scales ?? [1, 2, 3];
  const selection = [1, 2, 3].map((k) => scales.includes(k));
  const category = categoryFor(p.model, meta.dataset.name);

  enter('inference', `inference: warm-up on ${info.backend} (compiles kernels/shaders)…`);
  const testImage = await generatedPixels(category, 'test', 0, p.size);
  const warm = await timedInfer(client, testImage);
  const runs: TimedInference[] = [];
  let last = warm.result;
  for (let i = 0; i < p.reps; i++) {
    progress(`inference ${i + 1}/${p.reps} on ${info.backend}…`);
    const r = await timedInfer(client, testImage);
    runs.push(r.t);
    last = r.result;
  }
  const memInfer = await client.memory();

  enter('rerender', `re-render: σ ${RERENDER_SIGMAS.join(', ')} × ${p.renders}…`);
  const rerender = benchRerender(last, selection, meta.map.fusion, p.renders);

  let training: TrainingFigures | null = null;
  let trainingError: BenchResult['trainingError'] = null;
  let memTrain: number | null = null;
  if (p.images > 0) {
    try {
      training = await benchTraining(client, p, category);
    } catch (e) {
      // The rest of the figures still stand: report the failure next to them.
      trainingError = { kind: e instanceof WorkerFailure ? e.kind : 'page', message: e instanceof Error ? e.message : String(e) };
    }
    memTrain = (await client.memory()).numTensors;
  }
  client.terminate();

  return {
    params: p,
    backend: info.backend,
    backendNotes: info.notes,
    backendChanges,
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    renderer,
    model: {
      id: model.id, teacher: model.teacher, inputSize: model.inputSize, loadMs: model.loadMs,
      widths: [...meta.student.widths], embedChannels: meta.student.embedChannels, scales: [...scales], fusion: meta.map.fusion,
    },
    inference: { warmup: warm.t, median: medianTimings(runs), runs },
    rerender: { mapSize: last.maps.size, renders: p.renders, figures: rerender },
    training,
    trainingError,
    tensors: { afterLoad: memLoad.numTensors, afterInference: memInfer.numTensors, afterTraining: memTrain, bytesAfterLoad: memLoad.numBytes },
    totalMs: performance.now() - t0,
  };
}

run().then(
  (result) => {
    window.__benchResult = result;
    document.getElementById('result')!.textContent = JSON.stringify(result, null, 2);
    progress(`done in ${(result.totalMs / 1000).toFixed(1)} s`);
  },
  (e: unknown) => {
    const error: BenchError = {
      stage,
      ...(e instanceof WorkerFailure ? { kind: e.kind } : {}),
      message: e instanceof Error ? e.message : String(e),
    };
    window.__benchError = error;
    document.getElementById('result')!.textContent = JSON.stringify({ error }, null, 2);
    progress(`failed at ${stage}: ${error.message}`);
  },
);

/**
 * Test support for the store's tests: a fake of the worker client that behaves like the real worker as
 * far as the store can tell (transferred pixels, one model at a time, training progress events, the
 * library), with gates and failure injection to put the store in every state.
 */
import { MapSmoother, type MapView, type SmoothedMap } from '../data/map-render';
import type { ModelMeta } from '../engine/model-meta';
import { importName, uniqueName } from '../worker/bundle-names';
import type {
  BackendChoice,
  BackendInfo,
  BackendName,
  BundleFileMessage,
  CalibrationUpdate,
  ExportResult,
  ExportTarget,
  InferResult,
  LibraryListing,
  LibraryModelInfo,
  LoadedModelInfo,
  ModelSource,
  PixelsMessage,
  StepTiming,
  TrainProgress,
  TrainRequestOptions,
  TrainResult,
  WorkerEvent,
} from '../worker/protocol';
import type { InferenceService } from './services';

export const SIZE = 16;

export function meta(over: { sigma?: number; scales?: number[]; threshold?: number | null } = {}): ModelMeta {
  return {
    formatVersion: 1,
    kind: 'rd4ad-student',
    teacher: { id: 'mobilenet_v2', tapSet: 'expand', taps: [] },
    student: {},
    inputSize: SIZE,
    normalization: { inputRange: [0, 1], resize: 'bilinear' },
    map: { sigma: over.sigma ?? 4, fusion: 'sum', upsample: 'bilinear-half-pixel', ...(over.scales ? { scales: over.scales } : {}) },
    lossForm: 'flattened',
    calibration:
      over.threshold === null
        ? null
        : { n: 10, mean: 0.3, std: 0.05, min: 0.2, max: 0.4, p95: 0.38, p99: 0.39, threshold: over.threshold ?? 0.45, rule: 'mean + 3·std' },
  } as unknown as ModelMeta;
}

/**
 * Synthetic raw maps: a bump at a pixel-dependent place, height = the image's first red byte / 100, on a
 * floor raised everywhere by the first alpha byte / 100 (0 for the usual test images: "another product").
 */
function mapsFor(pixels: PixelsMessage, modelGain: number): InferResult['maps'] {
  const amp = (pixels.rgba[0] / 100) * modelGain;
  const cx = pixels.rgba[1] % SIZE;
  const cy = pixels.rgba[2] % SIZE;
  const floor = pixels.rgba[3] / 100;
  const scales = [0, 1, 2].map((k) => {
    const m = new Float32Array(SIZE * SIZE);
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const d2 = (x - cx) ** 2 + (y - cy) ** 2;
        m[y * SIZE + x] = floor + 0.05 * (k + 1) + amp * (k + 1) * Math.exp(-d2 / (2 * (1 + k)));
      }
    }
    return m;
  }) as InferResult['maps']['scales'];
  return { size: SIZE, scales };
}

export class Gate {
  private waiters: (() => void)[] = [];
  closed = false;
  wait(): Promise<void> {
    return this.closed ? new Promise((r) => this.waiters.push(r)) : Promise.resolve();
  }
  open(): void {
    this.closed = false;
    this.waiters.splice(0).forEach((r) => r());
  }
}

export class FakeClient implements InferenceService {
  inits: (BackendName | undefined)[] = [];
  loads: string[] = [];
  inferCount = 0;
  /** The views of each infer call, and the smoothed maps answered for them, in order. */
  viewRequests: (readonly MapView[])[] = [];
  smoothedReplies: SmoothedMap[][] = [];
  inFlight = 0;
  maxInFlight = 0;
  gate = new Gate();
  /** Per-call failure injection: return an error to reject with. */
  failNext: ((pixels: PixelsMessage) => unknown) | null = null;
  listeners = new Set<(e: WorkerEvent) => void>();
  metas: Record<string, ModelMeta> = { fabric: meta({ scales: [2, 3] }), wood: meta({ sigma: 2 }) };
  missingModels = new Set<string>();
  activeModel = '';

  /** The cached choice each init was given. */
  initCached: (BackendChoice | null)[] = [];
  /** What a measuring init answers (null: the fake does not measure, like the Node worker). */
  measuredChoice: BackendChoice | null = null;

  async init(preferred?: BackendName, cached?: BackendChoice | null): Promise<BackendInfo> {
    this.inits.push(preferred);
    this.initCached.push(cached ?? null);
    if (!preferred && cached && this.measuredChoice && cached.key === this.measuredChoice.key) {
      return { backend: cached.backend, notes: [], choice: { ...cached, how: 'cached' } };
    }
    if (!preferred && this.measuredChoice) return { backend: this.measuredChoice.backend, notes: [], choice: this.measuredChoice };
    return { backend: preferred ?? 'webgl', notes: preferred ? [] : ['webgpu: no adapter'] };
  }

  async loadModel(modelId: string, source: ModelSource, teacherRoot: string): Promise<LoadedModelInfo> {
    this.loads.push(`${modelId}@${source.url}|${teacherRoot}`);
    await Promise.resolve();
    if (this.missingModels.has(modelId)) throw Object.assign(new Error(`${source.url}/model.json not found (404)`), { kind: 'model' });
    if (!this.metas[modelId]) throw Object.assign(new Error(`model "${modelId}" not found`), { kind: 'model' });
    this.activeModel = modelId;
    const m = this.metas[modelId];
    return { id: modelId, meta: m, teacher: 'mobilenet_v2', inputSize: SIZE, loadMs: 5 };
  }

  async infer(pixels: PixelsMessage, views: readonly MapView[] = []): Promise<InferResult> {
    this.inferCount++;
    this.viewRequests.push(views);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    // Like postMessage with a transfer list: the caller's buffer is detached.
    const own = structuredClone(pixels, { transfer: [pixels.rgba.buffer] });
    const model = this.activeModel;
    try {
      await this.gate.wait();
      const fail = this.failNext?.(own);
      if (fail) throw fail;
      const maps = mapsFor(own, model === 'wood' ? 2 : model === 'fabric' ? 1 : 3);
      // Smoothed like the worker does it: with the UI's own MapSmoother.
      const smoother = new MapSmoother(maps);
      const smoothed = views.map((v) => smoother.smoothView(v));
      this.smoothedReplies.push(smoothed);
      return {
        maps,
        smoothed,
        timings: { preprocessMs: 1, teacherMs: 10, studentMs: 5, mapsMs: 2, smoothMs: views.length, totalMs: 18 + views.length },
        backend: 'webgl',
      };
    } finally {
      this.inFlight--;
    }
  }

  onEvent(listener: (e: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: WorkerEvent): void {
    this.listeners.forEach((l) => l(e));
  }

  // ---- fine-tuning and the library (the worker's behaviour, as T1's notes describe it) ----
  /** Newest first, like the worker's listing. */
  library: LibraryModelInfo[] = [];
  listCalls = 0;
  trainCalls: { images: number; options: TrainRequestOptions }[] = [];
  /** Closed: the run waits after its first training step (to cancel or switch models meanwhile). */
  trainGate = new Gate();
  trainCancel = false;
  /** 'diverge' ends the run as diverged; an Error-like object rejects it. */
  trainFailure: 'diverge' | Error | null = null;
  storageFull = false;
  private libSeq = 0;
  private trainedSeq = 0;
  /** Trained model ids not saved to the library. */
  unsaved = new Set<string>();

  private libInfo(id: string, name: string, origin: 'trained' | 'imported', m: ModelMeta): LibraryModelInfo {
    const now = new Date(1_700_000_000_000 + this.libSeq * 1000).toISOString();
    return {
      id,
      source: { kind: 'indexeddb', id, url: `indexeddb://rd4ad-user/${id}` },
      name,
      origin,
      createdAt: now,
      savedAt: now,
      bytes: 1000,
      teacher: 'mobilenet_v2/expand',
      inputSize: SIZE,
      threshold: m.calibration?.threshold ?? null,
      optimistic: m.calibration?.optimistic ?? false,
      meta: m,
    };
  }

  private saveToLibrary(modelId: string, name: string, origin: 'trained' | 'imported'): LibraryModelInfo {
    if (this.storageFull) {
      throw Object.assign(new Error(`not enough browser storage to save "${name}" (quota exceeded): delete models you no longer need from the library, or free disk space`), { kind: 'storage' });
    }
    const id = `lib${++this.libSeq}`;
    this.metas[id] = this.metas[modelId];
    const info = this.libInfo(id, name, origin, this.metas[id]);
    this.library.unshift(info);
    return info;
  }

  async train(images: PixelsMessage[], options: TrainRequestOptions): Promise<TrainResult> {
    this.trainCalls.push({ images: images.length, options });
    this.trainCancel = false;
    const stepsPerEpoch = 2;
    // Sized in steps (the panel) or epochs; the fake's epochs always hold 2 steps.
    const epochs = options.epochs ?? Math.ceil((options.steps ?? 0) / stepsPerEpoch);
    const totalSteps = options.steps ?? epochs * stepsPerEpoch;
    const base = { type: 'train-progress' as const, epochs, totalSteps, elapsedMs: 10, etaMs: Number.NaN, stepMs: Number.NaN };
    const emit = (p: Partial<TrainProgress>) => this.emit({ ...base, phase: 'training', epoch: 0, step: 0, stepsPerEpoch, loss: Number.NaN, epochLosses: [], ...p } as TrainProgress);
    await Promise.resolve();
    emit({ phase: 'features', step: images.length, stepsPerEpoch: images.length });
    const epochLosses: number[] = [];
    const warnings = images.length === 1 ? ['1 image: more normal images (10–30) make the model and its threshold much more reliable'] : [];
    for (let e = 1; e <= epochs; e++) {
      const losses: number[] = [];
      for (let st = 1; st <= stepsPerEpoch; st++) {
        if (this.trainFailure === 'diverge' && e === 2) {
          return { status: 'diverged', message: `training diverged at epoch ${e} step ${st} (loss NaN); kept the last good weights (the model loaded before training) — try a lower learning rate`, epoch: e, step: st, loss: Number.NaN, warnings, epochLosses, elapsedMs: 20 };
        }
        if (this.trainFailure instanceof Error) throw this.trainFailure;
        if ((e - 1) * stepsPerEpoch + st > totalSteps) break;
        const loss = 1 / (e * stepsPerEpoch + st);
        losses.push(loss);
        // Like the worker: an event carries the epochs completed before its step.
        emit({ epoch: e, step: st, loss, epochLosses: [...epochLosses], etaMs: 1000, stepMs: 500 });
        if (st === stepsPerEpoch) epochLosses.push(losses.reduce((a, b) => a + b) / losses.length);
        await this.trainGate.wait();
        if (this.trainCancel) return { status: 'cancelled', message: 'training cancelled; the model loaded before training is kept', warnings, epochLosses, elapsedMs: 15 };
      }
    }
    emit({ phase: 'calibrating', step: images.length, stepsPerEpoch: images.length });
    const id = `trained-${++this.trainedSeq}`;
    const trainedMeta = meta({ scales: [2, 3], sigma: 3, threshold: 0.3 });
    trainedMeta.calibration = { ...trainedMeta.calibration!, rule: 'held-out rule', heldOutScores: [0.2, 0.25], trainingScores: [0.1, 0.12, 0.15], optimistic: false };
    trainedMeta.fineTune = { baseModel: this.activeModel, start: options.start, augment: !!options.augment, images: images.length, heldOut: 2 };
    this.metas[id] = trainedMeta;
    this.activeModel = id;
    this.unsaved.add(id);
    let model: LoadedModelInfo = { id, meta: trainedMeta, teacher: 'mobilenet_v2/expand', inputSize: SIZE, loadMs: 0, origin: 'memory', name: options.saveAs ?? 'images trained in the browser' };
    let saved: LibraryModelInfo | null = null;
    let saveError: { kind: 'storage'; message: string } | undefined;
    if (options.saveAs !== undefined) {
      try {
        saved = await this.saveTrained(options.saveAs);
        model = { ...model, id: saved.id, origin: 'library', name: saved.name };
      } catch (e) {
        saveError = { kind: 'storage', message: (e as Error).message };
      }
    }
    const calibration = { heldOut: [0.2, 0.25], training: [0.1, 0.12, 0.15], threshold: 0.3, rule: 'held-out rule', optimistic: false };
    return { status: 'done', model, calibration, warnings, epochLosses, elapsedMs: 30, saved, ...(saveError ? { saveError } : {}) };
  }

  stepTimings: number[] = [];
  async measureTrainStep(batchSize: number): Promise<StepTiming> {
    this.stepTimings.push(batchSize);
    return { backend: 'wasm', batchSize: Math.max(2, batchSize), stepMs: 1000, featureMs: 50 };
  }

  async cancelTraining(): Promise<boolean> {
    this.trainCancel = true;
    return true;
  }

  async listModels(): Promise<LibraryListing> {
    this.listCalls++;
    return { models: [...this.library], unreadable: [], storage: { usage: this.library.length * 1000, quota: 1e9 } };
  }

  async renameModel(modelId: string, name: string): Promise<LibraryModelInfo> {
    const i = this.library.findIndex((m) => m.id === modelId);
    if (i < 0) throw Object.assign(new Error(`no model "${modelId}" in the library`), { kind: 'model' });
    this.library[i] = { ...this.library[i], name };
    return this.library[i];
  }

  async setModelCalibration(modelId: string, calibration: ModelMeta['calibration']): Promise<CalibrationUpdate> {
    if (this.unsaved.has(modelId)) {
      this.metas[modelId] = { ...this.metas[modelId], calibration };
      return { meta: this.metas[modelId], saved: null };
    }
    const i = this.library.findIndex((m) => m.id === modelId);
    if (i < 0) throw Object.assign(new Error(`no model "${modelId}" in the library`), { kind: 'model' });
    const meta = { ...this.library[i].meta, calibration };
    this.library[i] = { ...this.library[i], meta, threshold: calibration?.threshold ?? null };
    if (this.metas[modelId]) this.metas[modelId] = meta;
    return { meta, saved: this.library[i] };
  }

  async deleteModel(modelId: string): Promise<void> {
    this.library = this.library.filter((m) => m.id !== modelId);
  }

  async saveTrained(name: string): Promise<LibraryModelInfo> {
    if (!this.unsaved.has(this.activeModel)) throw Object.assign(new Error('only models trained here are saved'), { kind: 'input' });
    const info = this.saveToLibrary(this.activeModel, name, 'trained');
    this.unsaved.delete(this.activeModel);
    this.activeModel = info.id;
    return info;
  }

  async exportModel(target: ExportTarget = { kind: 'active' }): Promise<ExportResult> {
    const id = target.kind === 'active' ? this.activeModel : target.id;
    const bundle = JSON.stringify({ meta: this.metas[id] });
    return { fileName: `${id}.zip`, bytes: new TextEncoder().encode(bundle) as Uint8Array<ArrayBuffer> };
  }

  async importBundle(files: readonly BundleFileMessage[], _teacherRoot: string, name?: string): Promise<LibraryModelInfo> {
    const zip = files.find((f) => f.name.endsWith('.zip'));
    if (!zip) throw Object.assign(new Error('a bundle needs model.json, weights.bin and meta.json'), { kind: 'input' });
    let m: ModelMeta;
    try {
      m = (JSON.parse(new TextDecoder().decode(zip.bytes)) as { meta: ModelMeta }).meta;
    } catch {
      throw Object.assign(new Error(`${zip.name} is not a zip file`), { kind: 'model' });
    }
    if (m.teacher.id !== 'mobilenet_v2') {
      throw Object.assign(new Error(`this bundle was trained on teacher ${m.teacher.id}/${m.teacher.tapSet}; this app runs mobilenet_v2/expand`), { kind: 'model' });
    }
    const tmp = `import-${this.libSeq + 1}`;
    this.metas[tmp] = m;
    const taken = (await this.listModels()).models.map((x) => x.name);
    return this.saveToLibrary(tmp, uniqueName(name ?? importName(m, zip.name), taken), 'imported');
  }
}

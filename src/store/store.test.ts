import { describe, expect, it } from 'vitest';
import { MapSmoother } from '../data/map-render';
import type { ModelMeta } from '../engine/model-meta';
import type {
  BackendInfo,
  BackendName,
  BundleFileMessage,
  ExportResult,
  ExportTarget,
  InferResult,
  LibraryListing,
  LibraryModelInfo,
  LoadedModelInfo,
  ModelSource,
  PixelsMessage,
  TrainProgress,
  TrainRequestOptions,
  TrainResult,
  WorkerEvent,
} from '../worker/protocol';
import { createInspectorStore, type InspectorStore } from './create-store';
import { PRESET_LEARNING_RATE, presetOf, TRAIN_PRESETS } from './logic';
import { selectListRows, selectSelectedItem, selectSortedItems } from './selectors';
import { NotFoundError, type InferenceService, type StoreServices } from './services';
import type { InspectImage } from './types';

const SIZE = 16;

function meta(over: { sigma?: number; scales?: number[]; threshold?: number | null } = {}): ModelMeta {
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

/** Synthetic raw maps: a bump at a pixel-dependent place, height = the image's first red byte / 100. */
function mapsFor(pixels: PixelsMessage, modelGain: number): InferResult['maps'] {
  const amp = (pixels.rgba[0] / 100) * modelGain;
  const cx = pixels.rgba[1] % SIZE;
  const cy = pixels.rgba[2] % SIZE;
  const scales = [0, 1, 2].map((k) => {
    const m = new Float32Array(SIZE * SIZE);
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const d2 = (x - cx) ** 2 + (y - cy) ** 2;
        m[y * SIZE + x] = 0.05 * (k + 1) + amp * (k + 1) * Math.exp(-d2 / (2 * (1 + k)));
      }
    }
    return m;
  }) as InferResult['maps']['scales'];
  return { size: SIZE, scales };
}

class Gate {
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

class FakeClient implements InferenceService {
  inits: (BackendName | undefined)[] = [];
  loads: string[] = [];
  inferCount = 0;
  inFlight = 0;
  maxInFlight = 0;
  gate = new Gate();
  /** Per-call failure injection: return an error to reject with. */
  failNext: ((pixels: PixelsMessage) => unknown) | null = null;
  listeners = new Set<(e: WorkerEvent) => void>();
  metas: Record<string, ModelMeta> = { fabric: meta({ scales: [2, 3] }), wood: meta({ sigma: 2 }) };
  missingModels = new Set<string>();
  activeModel = '';

  async init(preferred?: BackendName): Promise<BackendInfo> {
    this.inits.push(preferred);
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

  async infer(pixels: PixelsMessage): Promise<InferResult> {
    this.inferCount++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    // Like postMessage with a transfer list: the caller's buffer is detached.
    const own = structuredClone(pixels, { transfer: [pixels.rgba.buffer] });
    const model = this.activeModel;
    try {
      await this.gate.wait();
      const fail = this.failNext?.(own);
      if (fail) throw fail;
      return {
        maps: mapsFor(own, model === 'wood' ? 2 : model === 'fabric' ? 1 : 3),
        timings: { preprocessMs: 1, teacherMs: 10, studentMs: 5, mapsMs: 2, totalMs: 18 },
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
    const epochs = options.epochs;
    const stepsPerEpoch = 2;
    const base = { type: 'train-progress' as const, epochs, elapsedMs: 10, etaMs: Number.NaN };
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
        const loss = 1 / (e * stepsPerEpoch + st);
        losses.push(loss);
        // Like the worker: an event carries the epochs completed before its step.
        emit({ epoch: e, step: st, loss, epochLosses: [...epochLosses], etaMs: 1000 });
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
    return this.saveToLibrary(tmp, name ?? zip.name.replace(/\.zip$/, ''), 'imported');
  }
}

const INDEX = {
  version: 1,
  models: [
    { id: 'fabric', title: 'Woven fabric', path: 'models/students/fabric', teacher: 'mobilenet_v2/expand' },
    { id: 'wood', title: 'Wood', path: 'models/students/wood' },
  ],
};

const SAMPLES = {
  version: 1,
  seed: 1,
  categories: [
    {
      id: 'fabric',
      title: 'Woven fabric',
      kind: 'texture',
      model: 'models/students/fabric',
      samples: [
        { file: 'samples/fabric/good_000.png', label: 'good', defect: null, mask: null, width: 256, height: 256 },
        { file: 'samples/fabric/hole_003.png', label: 'defect', defect: 'hole', mask: 'samples/fabric/hole_003_mask.png', width: 256, height: 256 },
      ],
    },
  ],
};

/**
 * A file for the fake decoder: its text is "amp,x,y" (amp 0..255 → first red byte), or "bad:<reason>"
 * to fail decoding like an ImageFileError.
 */
function file(name: string, content: string): { blob: Blob; name: string } {
  return { blob: new Blob([content]), name };
}

interface Harness {
  store: InspectorStore;
  client: FakeClient;
  files: Record<string, unknown>;
  released: string[];
  /** Files handed to the user (downloads). */
  saved: { fileName: string; bytes: Uint8Array; type: string }[];
  persistCalls: number;
}

function setup(opts: { files?: Record<string, unknown> } = {}): Harness {
  const client = new FakeClient();
  const files: Record<string, unknown> = opts.files ?? { '/app/models/students/index.json': INDEX, '/app/samples/index.json': SAMPLES };
  const released: string[] = [];
  const saved: Harness['saved'] = [];
  const counters = { persist: 0 };
  const services: StoreServices = {
    client,
    baseUrl: '/app/',
    async decode(blob, name): Promise<InspectImage> {
      const text = await blob.text();
      if (text.startsWith('bad:')) {
        throw Object.assign(new Error(`${name} is not an image (${text.slice(4)})`), { reason: 'not-an-image' });
      }
      const [amp, x, y] = text.split(',').map(Number);
      const rgba = new Uint8ClampedArray(8 * 8 * 4);
      rgba[0] = amp;
      rgba[1] = x || 0;
      rgba[2] = y || 0;
      return { name, width: 8, height: 8, originalWidth: 8, originalHeight: 8, pixels: { width: 8, height: 8, rgba }, thumbnail: `thumb:${name}` };
    },
    async fetchJson(url) {
      if (!(url in files)) throw new NotFoundError(url);
      return files[url];
    },
    async fetchBlob(url) {
      if (!(url in files)) throw new NotFoundError(url);
      return new Blob([String(files[url])]);
    },
    release: (img) => released.push(img.name),
    saveFile: (fileName, bytes, type) => saved.push({ fileName, bytes, type }),
    requestPersistence: async () => {
      counters.persist++;
      throw new Error('persistence is not available here'); // ignored by the store
    },
  };
  const h: Harness = {
    store: createInspectorStore(services),
    client,
    files,
    released,
    saved,
    get persistCalls() {
      return counters.persist;
    },
  };
  return h;
}

async function started(h: Harness, opts?: { preferredBackend?: BackendName; preferredModelId?: string }) {
  await h.store.getState().start(opts);
  await h.store.getState().whenIdle();
}

async function addAndWait(h: Harness, ...files: { blob: Blob; name: string }[]) {
  await h.store.getState().addFiles(files);
  await h.store.getState().whenIdle();
}

const names = (h: Harness) => selectSortedItems(h.store.getState()).map((i) => i.name);

describe('inspector store: start-up', () => {
  it('inits the preferred backend, reads both indices and loads the first model with its map defaults', async () => {
    const h = setup();
    await started(h, { preferredBackend: 'wasm' });
    const s = h.store.getState();
    expect(h.client.inits).toEqual(['wasm']);
    expect(s.backend?.backend).toBe('wasm');
    expect(s.models.map((m) => [m.id, m.origin, m.source.url])).toEqual([
      ['fabric', 'shipped', '/app/models/students/fabric'],
      ['wood', 'shipped', '/app/models/students/wood'],
    ]);
    expect(h.client.loads).toEqual(['fabric@/app/models/students/fabric|/app/models/teacher']);
    expect(s.activeModelId).toBe('fabric');
    expect(s.modelStatus).toBe('ready');
    expect(s.scales).toEqual([false, true, true]);
    expect(s.sigma).toBe(4);
    expect(s.threshold).toBe(0.45);
    expect(s.thresholdSource).toBe('calibration');
    expect(s.samples[0].samples).toHaveLength(2);
    expect(s.errors).toEqual([]);
  });

  it('loads the model named by ?model= and notes an unknown one', async () => {
    const h = setup();
    await started(h, { preferredModelId: 'wood' });
    expect(h.store.getState().activeModelId).toBe('wood');
    expect(h.store.getState().scales).toEqual([true, true, true]);
    expect(h.store.getState().sigma).toBe(2);

    const h2 = setup();
    await started(h2, { preferredModelId: 'nope' });
    expect(h2.store.getState().activeModelId).toBe('fabric');
    expect(h2.store.getState().notes.join(' ')).toMatch(/"nope" is not in the model list/);
  });

  it('start() runs once', async () => {
    const h = setup();
    const a = h.store.getState().start();
    const b = h.store.getState().start();
    expect(a).toBe(b);
    await h.store.getState().whenIdle();
    expect(h.client.inits).toHaveLength(1);
    expect(h.client.loads).toHaveLength(1);
  });

  it('says clearly when the model index is missing; a missing sample index is not an error', async () => {
    const h = setup({ files: {} });
    await started(h);
    const s = h.store.getState();
    expect(s.modelsStatus).toBe('error');
    expect(s.modelsError).toContain('models/students/index.json not found');
    expect(s.errors.map((e) => e.message)).toEqual([s.modelsError]);
    expect(s.modelStatus).toBe('none');
    expect(s.samplesStatus).toBe('error');
    expect(s.samplesError).toContain('samples/index.json not found');
    expect(h.client.loads).toEqual([]);
  });

  it('reports a malformed index and a model that cannot be loaded', async () => {
    const h = setup({ files: { '/app/models/students/index.json': { version: 1, models: [{ title: 'no id' }] } } });
    await started(h);
    expect(h.store.getState().modelsError).toMatch(/entry 1 needs an "id" and a "path"/);

    const h2 = setup();
    h2.client.missingModels.add('fabric');
    await started(h2);
    const s = h2.store.getState();
    expect(s.modelStatus).toBe('error');
    expect(s.modelError).toMatch(/Woven fabric.*could not be loaded.*model\.json not found/);
    expect(s.errors).toHaveLength(1);
    // Choosing another model works and clears the old error.
    await s.selectModel('wood');
    await h2.store.getState().whenIdle();
    expect(h2.store.getState().modelStatus).toBe('ready');
    expect(h2.store.getState().errors).toEqual([]);
  });

  it('uses a fallback threshold, marked as such, when the model has no calibration', async () => {
    const h = setup();
    h.client.metas.fabric = meta({ scales: [2, 3], threshold: null });
    await started(h);
    expect(h.store.getState().thresholdSource).toBe('fallback');
    expect(h.store.getState().threshold).toBeCloseTo(0.6);
  });

  it('appends models from other sources without losing the shipped ones', async () => {
    const h = setup();
    await started(h);
    h.store.getState().addModels([{ id: 'mine', title: 'My model', source: { kind: 'url', url: 'blob:x' }, origin: 'user' }]);
    expect(h.store.getState().models.map((m) => `${m.id}:${m.origin}`)).toEqual(['fabric:shipped', 'wood:shipped', 'mine:user']);
  });
});

describe('inspector store: images', () => {
  it('infers each image once, one at a time, sorts by score and selects the first new image', async () => {
    const h = setup();
    await started(h);
    await addAndWait(h, file('low.png', '20,3,3'), file('high.png', '200,8,8'), file('mid.png', '90,12,4'));
    const s = h.store.getState();
    expect(h.client.inferCount).toBe(3);
    expect(h.client.maxInFlight).toBe(1);
    expect(names(h)).toEqual(['high.png', 'mid.png', 'low.png']);
    const scores = selectSortedItems(s).map((i) => i.score as number);
    expect(scores[0]).toBeGreaterThan(scores[1]);
    expect(scores[1]).toBeGreaterThan(scores[2]);
    expect(selectSelectedItem(s)?.name).toBe('low.png');
    expect(s.lastTimings?.teacherMs).toBe(10);
    expect(s.items.every((i) => i.status === 'done' && i.modelId === 'fabric')).toBe(true);
  });

  it('keeps pending images at the bottom and queues images added before the model is ready', async () => {
    const h = setup();
    h.client.gate.closed = true;
    const starting = h.store.getState().start();
    await h.store.getState().addFiles([file('a.png', '50,1,1')]);
    expect(h.store.getState().items[0].status).toBe('queued');
    await starting;
    h.client.gate.open();
    await h.store.getState().whenIdle();
    expect(h.store.getState().items[0].status).toBe('done');

    h.client.gate.closed = true;
    const adding = h.store.getState().addFiles([file('b.png', '10,1,1'), file('c.png', '99,1,1')]);
    await adding;
    const rows = selectListRows(h.store.getState());
    expect(rows.map((r) => [r.item.name, r.verdict])).toEqual([
      ['a.png', 'anomaly'],
      ['b.png', 'pending'],
      ['c.png', 'pending'],
    ]);
    h.client.gate.open();
    await h.store.getState().whenIdle();
    expect(names(h)).toEqual(['c.png', 'a.png', 'b.png']);
  });

  it('σ changes re-score every image from the cached maps without calling infer again', async () => {
    const h = setup();
    await started(h);
    await addAndWait(h, file('a.png', '200,8,8'), file('b.png', '60,2,2'), file('c.png', '120,5,5'));
    const before = Object.fromEntries(h.store.getState().items.map((i) => [i.name, i.score]));
    const calls = h.client.inferCount;

    h.store.getState().setSigma(1);
    // The selected image is re-scored at once, the others in the background.
    const sel = selectSelectedItem(h.store.getState())!;
    expect(sel.scoreKey).toBe('011|1|sum');
    await h.store.getState().whenIdle();

    const s = h.store.getState();
    expect(h.client.inferCount).toBe(calls);
    for (const item of s.items) {
      expect(item.scoreKey).toBe('011|1|sum');
      expect(item.score).not.toBe(before[item.name]);
      const expected = new MapSmoother(item.maps!).smooth([false, true, true], 1).score;
      expect(item.score).toBeCloseTo(expected, 6);
    }
    // Less blur keeps more of the peak.
    expect(s.items[0].score!).toBeGreaterThan(before['a.png']!);

    h.store.getState().nudgeSigma(0.25);
    expect(h.store.getState().sigma).toBe(1.25);
    h.store.getState().setSigma(99);
    expect(h.store.getState().sigma).toBe(8);
    h.store.getState().setSigma(-3);
    expect(h.store.getState().sigma).toBe(0);
    h.store.getState().setSigma(1.1);
    expect(h.store.getState().sigma).toBe(1);
    await h.store.getState().whenIdle();
    expect(h.client.inferCount).toBe(calls);
  });

  it('a threshold change updates the verdicts of all images', async () => {
    const h = setup();
    await started(h);
    await addAndWait(h, file('a.png', '200,8,8'), file('b.png', '60,2,2'), file('c.png', '120,5,5'), file('d.png', '5,1,1'));
    const scores = selectSortedItems(h.store.getState()).map((i) => i.score!);
    const verdicts = () => selectListRows(h.store.getState()).map((r) => r.verdict);

    h.store.getState().setThreshold((scores[1] + scores[2]) / 2);
    expect(verdicts()).toEqual(['anomaly', 'anomaly', 'ok', 'ok']);
    expect(h.store.getState().thresholdSource).toBe('user');
    h.store.getState().setThreshold(scores[0] + 1);
    expect(verdicts()).toEqual(['ok', 'ok', 'ok', 'ok']);
    h.store.getState().setThreshold(0);
    expect(verdicts()).toEqual(['anomaly', 'anomaly', 'anomaly', 'anomaly']);
    h.store.getState().setThreshold(Number.NaN);
    expect(h.store.getState().threshold).toBe(0);
    h.store.getState().resetThreshold();
    expect(h.store.getState().threshold).toBe(0.45);
    expect(h.store.getState().thresholdSource).toBe('calibration');
  });

  it('scale toggles re-score without inference and never turn off the last scale', async () => {
    const h = setup();
    await started(h);
    await addAndWait(h, file('a.png', '200,8,8'), file('b.png', '60,2,2'));
    const calls = h.client.inferCount;
    const st = () => h.store.getState();
    expect(st().toggleScale(0)).toBe(true);
    expect(st().scales).toEqual([true, true, true]);
    expect(st().toggleScale(1)).toBe(true);
    expect(st().toggleScale(2)).toBe(true);
    expect(st().scales).toEqual([true, false, false]);
    expect(st().toggleScale(0)).toBe(false);
    expect(st().scales).toEqual([true, false, false]);
    expect(st().setScales([false, false, false])).toBe(false);
    await st().whenIdle();
    for (const item of st().items) {
      expect(item.score).toBeCloseTo(new MapSmoother(item.maps!).smooth([true, false, false], 4).score, 6);
    }
    expect(h.client.inferCount).toBe(calls);
  });

  it('records a decode error with the file name and still processes the next image', async () => {
    const h = setup();
    await started(h);
    await addAndWait(h, file('broken.png', 'bad:truncated'), file('fine.png', '5,4,4'));
    const s = h.store.getState();
    const broken = s.items.find((i) => i.name === 'broken.png')!;
    expect(broken.status).toBe('error');
    expect(broken.error).toContain('broken.png');
    expect(s.items.find((i) => i.name === 'fine.png')!.status).toBe('done');
    expect(selectSelectedItem(s)?.name).toBe('fine.png');
    expect(s.errors.map((e) => e.message)).toEqual(['broken.png is not an image (truncated)']);
    expect(selectListRows(s).map((r) => r.verdict)).toEqual(['ok', 'error']);

    // The error stays for its own batch, goes with the next success of a later batch, or on dismiss.
    await addAndWait(h, file('next.png', '30,4,4'));
    expect(h.store.getState().errors).toEqual([]);
    await addAndWait(h, file('x.gif', 'bad:unsupported'));
    expect(h.store.getState().errors).toHaveLength(1);
    h.store.getState().dismissError(h.store.getState().errors[0].id);
    expect(h.store.getState().errors).toEqual([]);
  });

  it('records inference failures (out of memory) and goes on with the queue; a backend failure is retried once', async () => {
    const h = setup();
    await started(h);
    h.client.failNext = (p) => (p.rgba[0] === 255 ? Object.assign(new Error('GPU allocation failed'), { kind: 'out-of-memory' }) : null);
    await addAndWait(h, file('huge.png', '255,1,1'), file('ok.png', '40,1,1'));
    let s = h.store.getState();
    expect(s.items[0].status).toBe('error');
    expect(s.items[0].error).toBe('huge.png: out of memory — GPU allocation failed');
    expect(s.items[1].status).toBe('done');
    expect(s.errors.map((e) => e.message)).toEqual(['huge.png: out of memory — GPU allocation failed']);

    let failures = 0;
    h.client.failNext = () => (failures++ < 1 ? Object.assign(new Error('device lost'), { kind: 'backend' }) : null);
    await addAndWait(h, file('retry.png', '70,1,1'));
    s = h.store.getState();
    expect(s.items[2].status).toBe('done');
    expect(failures).toBe(2);

    h.client.failNext = () => Object.assign(new Error('device lost'), { kind: 'backend' });
    await addAndWait(h, file('dead.png', '70,1,1'));
    expect(h.store.getState().items[3].status).toBe('error');
    expect(h.store.getState().items[3].error).toBe('dead.png: device lost');
  });

  it('a model switch re-runs the listed images with the new model and discards results of the old one', async () => {
    const h = setup();
    await started(h);
    await addAndWait(h, file('a.png', '100,8,8'), file('b.png', '50,2,2'));
    const fabricScores = h.store.getState().items.map((i) => i.score!);
    expect(h.client.inferCount).toBe(2);

    // One more image is in flight with the old model when the user switches.
    h.client.gate.closed = true;
    await h.store.getState().addFiles([file('c.png', '70,3,3')]);
    expect(h.store.getState().items[2].status).toBe('running');
    const switching = h.store.getState().selectModel('wood');
    expect(h.store.getState().items.map((i) => i.status)).toEqual(['queued', 'queued', 'queued']);
    expect(selectListRows(h.store.getState()).every((r) => r.verdict === 'pending')).toBe(true);
    await switching;
    h.client.gate.open();
    await h.store.getState().whenIdle();

    const s = h.store.getState();
    expect(s.activeModelId).toBe('wood');
    expect(s.sigma).toBe(2);
    expect(s.items.every((i) => i.status === 'done' && i.modelId === 'wood')).toBe(true);
    expect(h.client.inferCount).toBe(2 + 1 + 3);
    // wood's fake doubles the bump: the scores are the new model's.
    const again = s.items.map((i) => new MapSmoother(i.maps!).smooth([true, true, true], 2).score);
    s.items.forEach((i, k) => expect(i.score).toBeCloseTo(again[k], 6));
    expect(s.items[0].score).not.toBeCloseTo(fabricScores[0], 3);
  });

  it('moves the selection in the displayed order and keeps a selection after removal', async () => {
    const h = setup();
    await started(h);
    await addAndWait(h, file('low.png', '20,3,3'), file('high.png', '200,8,8'), file('mid.png', '90,12,4'));
    const st = () => h.store.getState();
    st().select(st().items.find((i) => i.name === 'high.png')!.id);
    st().moveSelection(1);
    expect(selectSelectedItem(st())?.name).toBe('mid.png');
    st().moveSelection(1);
    st().moveSelection(1);
    expect(selectSelectedItem(st())?.name).toBe('low.png');
    st().moveSelection(-1);
    expect(selectSelectedItem(st())?.name).toBe('mid.png');
    st().removeImage(st().selectedId!);
    expect(selectSelectedItem(st())?.name).toBe('low.png');
    expect(h.released).toEqual(['mid.png']);
    st().select('no-such-id');
    expect(selectSelectedItem(st())?.name).toBe('low.png');
    st().clearImages();
    expect(st().items).toEqual([]);
    expect(st().selectedId).toBeNull();
  });

  it('adds a gallery sample by fetching it', async () => {
    const h = setup();
    h.files['/app/samples/fabric/hole_003.png'] = '150,6,6';
    await started(h);
    await h.store.getState().addSample('samples/fabric/hole_003.png');
    await h.store.getState().whenIdle();
    expect(h.store.getState().items.map((i) => [i.name, i.status])).toEqual([['hole_003.png', 'done']]);
    await h.store.getState().addSample('samples/fabric/missing.png');
    expect(h.store.getState().errors[0].message).toMatch(/samples\/fabric\/missing\.png: the sample could not be loaded/);
  });

  it('keeps the original pixels although the worker takes its copy', async () => {
    const h = setup();
    await started(h);
    await addAndWait(h, file('a.png', '100,8,8'));
    const px = h.store.getState().items[0].image!.pixels.rgba;
    expect(px.length).toBe(8 * 8 * 4);
    expect(px[0]).toBe(100);
  });
});

describe('inspector store: engine events and viewer settings', () => {
  it('shows a backend fallback as a note and switches the badge', async () => {
    const h = setup();
    await started(h, { preferredBackend: 'webgpu' });
    h.client.emit({ type: 'backend-changed', info: { backend: 'webgl', notes: [] }, reason: 'WebGPU device lost' });
    expect(h.store.getState().backend?.backend).toBe('webgl');
    expect(h.store.getState().notes).toContain('WebGPU device lost — switched to WebGL');
    h.store.getState().dispose();
    h.client.emit({ type: 'backend-changed', info: { backend: 'wasm', notes: [] }, reason: 'again' });
    expect(h.store.getState().backend?.backend).toBe('webgl');
  });

  it('clamps and toggles the view settings', () => {
    const h = setup();
    const st = () => h.store.getState();
    st().setOpacity(2);
    expect(st().opacity).toBe(1);
    st().setOpacity(-1);
    expect(st().opacity).toBe(0);
    st().setColormap('inferno');
    expect(st().colormap).toBe('inferno');
    st().setColormap('rainbow' as never);
    expect(st().colormap).toBe('inferno');
    st().toggleMode();
    expect(st().mode).toBe('side-by-side');
    st().toggleZoom();
    expect(st().zoom).toBe('1:1');
  });
});

// ---- fine-tuning, the model library, bundles ---------------------------------------------------------

async function withTrainImages(h: Harness, n: number) {
  const files = Array.from({ length: n }, (_, i) => file(`normal_${i}.png`, `${10 + i},2,2`));
  await h.store.getState().addTrainFiles(files);
  await h.store.getState().whenIdle();
}

const pickerIds = (h: Harness) => h.store.getState().models.map((m) => `${m.id}:${m.origin}${m.unsaved ? ':unsaved' : ''}`);

describe('inspector store: fine-tuning', () => {
  it('adds, removes and clears training images; presets and custom settings', async () => {
    const h = setup();
    await started(h);
    await h.store.getState().addTrainFiles([file('a.png', '10,1,1'), file('broken.png', 'bad:truncated'), file('b.png', '12,1,1')]);
    await h.store.getState().whenIdle();
    const st = () => h.store.getState();
    expect(st().trainImages.map((i) => [i.name, i.status])).toEqual([
      ['a.png', 'ready'],
      ['broken.png', 'error'],
      ['b.png', 'ready'],
    ]);
    expect(st().trainImages[0].image?.thumbnail).toBe('thumb:a.png');
    expect(st().errors.map((e) => e.message)).toEqual(['broken.png is not an image (truncated)']);
    st().removeTrainImage(st().trainImages[0].id);
    expect(st().trainImages.map((i) => i.name)).toEqual(['broken.png', 'b.png']);
    expect(h.released).toEqual(['a.png']);
    st().clearTrainImages();
    expect(st().trainImages).toEqual([]);
    expect(h.released).toEqual(['a.png', 'b.png']);

    expect(st().trainSettings).toMatchObject({ start: 'current', epochs: 5, learningRate: 0.001, augment: false, name: '' });
    expect(presetOf(st().trainSettings)).toBe('quick');
    st().applyTrainPreset('thorough');
    expect(st().trainSettings.epochs).toBe(TRAIN_PRESETS.thorough.epochs);
    expect(presetOf(st().trainSettings)).toBe('thorough');
    // Fresh weights take the CLI's learning rate; back to the current model, its smaller one.
    st().setTrainSettings({ start: 'fresh' });
    expect(st().trainSettings.learningRate).toBe(PRESET_LEARNING_RATE.fresh);
    expect(presetOf(st().trainSettings)).toBe('thorough');
    st().setTrainSettings({ start: 'current' });
    expect(st().trainSettings.learningRate).toBe(PRESET_LEARNING_RATE.current);
    // A typed learning rate is kept across start points.
    st().setTrainSettings({ learningRate: 0.002 });
    expect(presetOf(st().trainSettings)).toBe('custom');
    st().setTrainSettings({ start: 'fresh' });
    expect(st().trainSettings.learningRate).toBe(0.002);
    st().applyTrainPreset('quick');
    expect(st().trainSettings).toMatchObject({ start: 'fresh', epochs: 5, learningRate: 0.005 });
    st().setTrainSettings({ epochs: 7, augment: true });
    expect(presetOf(st().trainSettings)).toBe('custom');
  });

  it('refuses to start without images or with bad settings, and says why', async () => {
    const h = setup();
    await started(h);
    const st = () => h.store.getState();
    await st().startTraining();
    expect(st().trainStatus).toBe('failed');
    expect(st().trainOutcome?.message).toMatch(/at least one normal image/);
    await withTrainImages(h, 2);
    st().setTrainSettings({ learningRate: 1e30 });
    await st().startTraining();
    expect(st().trainOutcome?.message).toMatch(/learning rate/);
    st().setTrainSettings({ learningRate: 0.005, epochs: 2.5 });
    await st().startTraining();
    expect(st().trainOutcome?.message).toMatch(/Epochs must be a whole number/);
    expect(h.client.trainCalls).toEqual([]);
  });

  it('progress fills the loss history; done switches the active model and threshold and re-scores the listed images', async () => {
    const h = setup();
    await started(h);
    await addAndWait(h, file('a.png', '100,8,8'), file('b.png', '50,2,2'));
    const before = h.store.getState().items.map((i) => i.score!);
    const calls = h.client.inferCount;
    await withTrainImages(h, 6);

    h.client.trainGate.closed = true;
    h.store.getState().setTrainSettings({ epochs: 3, start: 'fresh', augment: true });
    const running = h.store.getState().startTraining();
    await expect.poll(() => h.store.getState().lossHistory.steps.length).toBe(1);
    let s = h.store.getState();
    expect(s.trainStatus).toBe('running');
    expect(s.trainProgress).toMatchObject({ phase: 'training', epoch: 1, step: 1 });
    expect(s.lossHistory).toMatchObject({ steps: [1], losses: [1 / 3], epochMeans: [], stepsPerEpoch: 2 });
    expect(h.client.trainCalls[0]).toEqual({ images: 6, options: { start: 'fresh', epochs: 3, learningRate: 0.005, augment: true } });
    // The model picker is locked while training runs.
    await s.selectModel('wood');
    expect(h.store.getState().activeModelId).toBe('fabric');
    expect(h.store.getState().errors.at(-1)?.message).toMatch(/training run is going on/);
    h.client.trainGate.open();
    await running;
    await h.store.getState().whenIdle();

    s = h.store.getState();
    expect(s.trainStatus).toBe('done');
    expect(s.lossHistory.steps).toEqual([1, 2, 3, 4, 5, 6]);
    expect(s.lossHistory.epochMeans).toHaveLength(3);
    expect(s.lossHistory.epochMeans[2]).toBeLessThan(s.lossHistory.epochMeans[0]);
    expect(s.trainProgress?.phase).toBe('calibrating');
    expect(s.trainOutcome).toMatchObject({ status: 'done', saved: null, calibration: { heldOut: [0.2, 0.25], optimistic: false } });
    // The trained model is active with its calibrated threshold and map defaults…
    expect(s.activeModelId).toBe('trained-1');
    expect(s.modelStatus).toBe('ready');
    expect(s.threshold).toBe(0.3);
    expect(s.thresholdSource).toBe('calibration');
    expect(s.sigma).toBe(3);
    expect(pickerIds(h)).toEqual(['fabric:shipped', 'wood:shipped', 'trained-1:user:unsaved']);
    // …named after its base model and inheriting its gallery…
    expect(s.models.find((m) => m.id === 'trained-1')).toMatchObject({ title: 'Woven fabric · fine-tuned', path: 'models/students/fabric' });
    // …and the listed images were run again with it.
    expect(h.client.inferCount).toBe(calls + 2);
    expect(s.items.every((i) => i.status === 'done' && i.modelId === 'trained-1')).toBe(true);
    s.items.forEach((i, k) => expect(i.score).not.toBeCloseTo(before[k], 3));
    expect(s.errors.filter((e) => /training/.test(e.message))).toEqual([]);

    // Saving afterwards: the same model gets the library id, nothing is re-run.
    const info = await s.saveActiveModel('  Line 2  ');
    s = h.store.getState();
    expect(info?.name).toBe('Line 2');
    expect(s.activeModelId).toBe(info!.id);
    expect(s.modelInfo).toMatchObject({ id: info!.id, origin: 'library', name: 'Line 2' });
    expect(pickerIds(h)).toEqual(['fabric:shipped', 'wood:shipped', `${info!.id}:user`]);
    expect(s.items.every((i) => i.modelId === info!.id)).toBe(true);
    expect(h.client.inferCount).toBe(calls + 2);
    expect(s.library.map((m) => m.name)).toEqual(['Line 2']);
    expect(s.libraryNotice).toMatch(/Saved "Line 2"/);
    expect(h.persistCalls).toBe(1);
  });

  it('cancel keeps the previous model, its threshold and the listed scores', async () => {
    const h = setup();
    await started(h);
    await addAndWait(h, file('a.png', '100,8,8'));
    const score = h.store.getState().items[0].score;
    const calls = h.client.inferCount;
    await withTrainImages(h, 3);
    h.store.getState().setThreshold(0.77);
    h.client.trainGate.closed = true;
    const running = h.store.getState().startTraining();
    await expect.poll(() => h.store.getState().lossHistory.steps.length).toBe(1);
    await h.store.getState().cancelTraining();
    expect(h.store.getState().trainCancelling).toBe(true);
    h.client.trainGate.open();
    await running;
    const s = h.store.getState();
    expect(s.trainStatus).toBe('cancelled');
    expect(s.trainCancelling).toBe(false);
    expect(s.trainOutcome?.message).toBe('Training cancelled; the model loaded before training is kept.');
    expect(s.activeModelId).toBe('fabric');
    expect(s.threshold).toBe(0.77);
    expect(s.items[0].score).toBe(score);
    expect(h.client.inferCount).toBe(calls);
    expect(pickerIds(h)).toEqual(['fabric:shipped', 'wood:shipped']);
    // The images stay for another try.
    expect(s.trainImages).toHaveLength(3);
  });

  it('a diverged or failed run shows its message and leaves the previous model active', async () => {
    const h = setup();
    await started(h);
    await withTrainImages(h, 1);
    h.client.trainFailure = 'diverge';
    await h.store.getState().startTraining();
    let s = h.store.getState();
    expect(s.trainStatus).toBe('diverged');
    expect(s.trainOutcome?.message).toMatch(/^Training diverged at epoch 2 step 1 .*try a lower learning rate\.$/);
    expect(s.trainOutcome?.warnings[0]).toMatch(/^1 image/);
    expect(s.activeModelId).toBe('fabric');

    h.client.trainFailure = Object.assign(new Error('GPU allocation failed'), { kind: 'out-of-memory' });
    await h.store.getState().startTraining();
    s = h.store.getState();
    expect(s.trainStatus).toBe('failed');
    expect(s.trainOutcome?.message).toMatch(/ran out of memory: GPU allocation failed.*previous model is still active/);
    expect(s.errors.at(-1)?.message).toBe(s.trainOutcome?.message);
    expect(s.activeModelId).toBe('fabric');
    expect(s.modelStatus).toBe('ready');
  });

  it('saves right away under the name entered before training; a full storage is reported and the model stays active', async () => {
    const h = setup();
    await started(h);
    await withTrainImages(h, 5);
    h.store.getState().setTrainSettings({ name: 'Fabric line 2' });
    await h.store.getState().startTraining();
    await h.store.getState().whenIdle();
    let s = h.store.getState();
    expect(h.client.trainCalls[0].options.saveAs).toBe('Fabric line 2');
    expect(s.trainOutcome?.saved?.name).toBe('Fabric line 2');
    expect(s.activeModelId).toBe('lib1');
    expect(pickerIds(h)).toEqual(['fabric:shipped', 'wood:shipped', 'lib1:user']);
    expect(s.models.find((m) => m.id === 'lib1')).toMatchObject({ title: 'Fabric line 2', source: { kind: 'indexeddb', id: 'lib1' } });
    expect(h.persistCalls).toBe(1);

    h.client.storageFull = true;
    h.store.getState().setTrainSettings({ name: 'Second' });
    await h.store.getState().startTraining();
    await h.store.getState().whenIdle();
    s = h.store.getState();
    expect(s.trainStatus).toBe('done');
    expect(s.trainOutcome?.saveError).toMatch(/"Second" could not be saved \(browser storage\): not enough browser storage/);
    expect(s.errors.at(-1)?.message).toBe(s.trainOutcome?.saveError);
    expect(s.activeModelId).toBe('trained-2');
    expect(pickerIds(h)).toEqual(['fabric:shipped', 'wood:shipped', 'trained-2:user:unsaved', 'lib1:user']);
    // Saving again once there is room.
    h.client.storageFull = false;
    expect((await s.saveActiveModel('Second'))?.id).toBe('lib2');
    expect(pickerIds(h)).toEqual(['fabric:shipped', 'wood:shipped', 'lib2:user', 'lib1:user']);
    expect(h.persistCalls).toBe(1);
  });

  it('an unsaved model goes from the picker when another model is chosen', async () => {
    const h = setup();
    await started(h);
    await withTrainImages(h, 2);
    await h.store.getState().startTraining();
    await h.store.getState().whenIdle();
    expect(pickerIds(h)).toContain('trained-1:user:unsaved');
    await h.store.getState().selectModel('wood');
    await h.store.getState().whenIdle();
    expect(pickerIds(h)).toEqual(['fabric:shipped', 'wood:shipped']);
    expect(h.store.getState().activeModelId).toBe('wood');
  });
});

describe('inspector store: model library and bundles', () => {
  function seedLibrary(h: Harness) {
    // Two saved models from an earlier session: lib-old (from fabric) and lib-new (from lib-old).
    const a = meta({ threshold: 0.5 });
    a.fineTune = { baseModel: 'fabric', start: 'current', augment: false, images: 10, heldOut: 2 };
    const b = meta({ threshold: 0.6 });
    b.fineTune = { baseModel: 'lib-old', start: 'current', augment: false, images: 10, heldOut: 2 };
    h.client.metas['lib-old'] = a;
    h.client.metas['lib-new'] = b;
    const info = (id: string, name: string, m: ModelMeta): LibraryModelInfo => ({
      id,
      source: { kind: 'indexeddb', id, url: `indexeddb://rd4ad-user/${id}` },
      name,
      origin: 'trained',
      createdAt: '2026-01-01T00:00:00Z',
      savedAt: '2026-01-01T00:00:00Z',
      bytes: 1000,
      teacher: 'mobilenet_v2/expand',
      inputSize: SIZE,
      threshold: m.calibration!.threshold,
      optimistic: false,
      meta: m,
    });
    h.client.library = [info('lib-new', 'Newer', b), info('lib-old', 'Older', a)];
  }

  it('lists saved models at start after the shipped ones, and ?model= can name one', async () => {
    const h = setup();
    seedLibrary(h);
    await started(h, { preferredModelId: 'lib-new' });
    const s = h.store.getState();
    expect(h.client.listCalls).toBe(1);
    expect(pickerIds(h)).toEqual(['fabric:shipped', 'wood:shipped', 'lib-new:user', 'lib-old:user']);
    expect(s.models.find((m) => m.id === 'lib-new')).toMatchObject({ title: 'Newer', path: 'models/students/fabric' });
    expect(s.libraryStorage).toEqual({ usage: 2000, quota: 1e9 });
    expect(s.activeModelId).toBe('lib-new');
    expect(h.client.loads[0]).toBe('lib-new@indexeddb://rd4ad-user/lib-new|/app/models/teacher');
    expect(s.threshold).toBe(0.6);
  });

  it('the default model is the first shipped one even when the library answers first', async () => {
    const h = setup();
    seedLibrary(h);
    await started(h);
    expect(h.store.getState().activeModelId).toBe('fabric');
  });

  it('rename and delete update the picker; deleting the active model keeps it loaded, unsaved', async () => {
    const h = setup();
    seedLibrary(h);
    await started(h, { preferredModelId: 'lib-old' });
    const st = () => h.store.getState();
    expect(await st().renameLibraryModel('lib-new', 'Renamed')).toBe(true);
    expect(st().models.find((m) => m.id === 'lib-new')?.title).toBe('Renamed');
    expect(st().libraryNotice).toBe('Renamed to "Renamed".');
    expect(await st().renameLibraryModel('lib-new', '   ')).toBe(false);
    expect(await st().renameLibraryModel('nope', 'x')).toBe(false);
    expect(st().errors.at(-1)?.message).toBe('Renaming failed: no model "nope" in the library');

    expect(await st().deleteLibraryModel('lib-new')).toBe(true);
    expect(pickerIds(h)).toEqual(['fabric:shipped', 'wood:shipped', 'lib-old:user']);
    expect(await st().deleteLibraryModel('lib-old')).toBe(true);
    expect(pickerIds(h)).toEqual(['fabric:shipped', 'wood:shipped', 'lib-old:user:unsaved']);
    expect(st().activeModelId).toBe('lib-old');
    expect(st().modelInfo?.origin).toBe('memory');
    expect(st().library).toEqual([]);
  });

  it('exports the active model as a download', async () => {
    const h = setup();
    await started(h);
    expect(await h.store.getState().exportModel()).toBe(true);
    expect(h.saved.map((f) => [f.fileName, f.type])).toEqual([['fabric.zip', 'application/zip']]);
    expect(h.store.getState().libraryNotice).toBe('Exported fabric.zip.');
  });

  it('dropped bundle files are imported (images are still inspected); a mismatched bundle is refused with the reason', async () => {
    const h = setup();
    await started(h);
    const good = JSON.stringify({ meta: meta() });
    const other = meta();
    other.teacher = { ...other.teacher, id: 'inception_v3' };
    const bad = JSON.stringify({ meta: other });
    await h.store.getState().openFiles([{ blob: new Blob([good]), name: 'Shared line.zip' }, file('photo.png', '80,3,3')]);
    await h.store.getState().whenIdle();
    let s = h.store.getState();
    expect(s.items.map((i) => [i.name, i.status])).toEqual([['photo.png', 'done']]);
    expect(pickerIds(h)).toEqual(['fabric:shipped', 'wood:shipped', 'lib1:user']);
    expect(s.models.find((m) => m.id === 'lib1')?.title).toBe('Shared line');
    expect(s.libraryNotice).toMatch(/Imported "Shared line"/);
    await s.selectModel('lib1');
    await h.store.getState().whenIdle();
    expect(h.store.getState().modelStatus).toBe('ready');

    await h.store.getState().openFiles([{ blob: new Blob([bad]), name: 'other.zip' }]);
    s = h.store.getState();
    expect(s.errors.at(-1)?.message).toBe('Import of other.zip failed: this bundle was trained on teacher inception_v3/expand; this app runs mobilenet_v2/expand');
    expect(pickerIds(h)).toEqual(['fabric:shipped', 'wood:shipped', 'lib1:user']);
    expect(s.libraryBusy).toBe(false);

    h.client.storageFull = true;
    await h.store.getState().importBundle([{ blob: new Blob([good]), name: 'again.zip' }]);
    expect(h.store.getState().errors.at(-1)?.message).toMatch(/^Import of again\.zip failed — browser storage: not enough browser storage/);
  });
});

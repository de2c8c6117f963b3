import { describe, expect, it } from 'vitest';
import { MapSmoother } from '../data/map-render';
import type { ModelMeta } from '../engine/model-meta';
import type { BackendInfo, BackendName, InferResult, LoadedModelInfo, ModelSource, PixelsMessage, WorkerEvent } from '../worker/protocol';
import { createInspectorStore, type InspectorStore } from './create-store';
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
        maps: mapsFor(own, model === 'wood' ? 2 : 1),
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
}

function setup(opts: { files?: Record<string, unknown> } = {}): Harness {
  const client = new FakeClient();
  const files: Record<string, unknown> = opts.files ?? { '/app/models/students/index.json': INDEX, '/app/samples/index.json': SAMPLES };
  const released: string[] = [];
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
  };
  return { store: createInspectorStore(services), client, files, released };
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

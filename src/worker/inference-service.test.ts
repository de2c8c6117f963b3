import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { initBackend } from '../../cli/lib/backend';
import { fileSystemHandler } from '../../cli/lib/file-io';
import { TEACHER_ROOT, loadTeacher, loadTeacherMeta } from '../../cli/lib/model-bundle';
import { MapSmoother, type MapView } from '../data/map-render';
import { FusedEvidence, GRID_STRIDE } from '../engine/evidence';
import type { ModelMeta } from '../engine/model-meta';
import { ReverseDistillationPipeline } from '../engine/pipeline';
import { Student, type StudentConfig } from '../engine/student';
import { Teacher, type TeacherMeta } from '../engine/teacher';
import { studentFromArtifacts, studentToArtifacts, weightDataToArrayBuffer } from '../engine/weights-io';
import { InferenceService, type InferenceServiceOptions } from './inference-service';
import { fetchModelFiles } from './model-files';
import type { InferResult, PixelsMessage, WorkerEvent, WorkerRequest } from './protocol';

const SIZE = 64;
const TEACHER_URL = '/models/teacher';
const TEACHER_ID = 'mobilenet_v2';

let teacherMeta: TeacherMeta;
/** URL → file body served by the fake fetch. */
const files = new Map<string, Uint8Array | string>();
/** Student artifacts by folder, for the in-memory loader. */
const artifactsByFolder = new Map<string, tf.io.ModelArtifacts>();

function fakeFetch(url: string): Promise<Response> {
  const body = files.get(url);
  if (body === undefined) return Promise.resolve(new Response('not found', { status: 404 }));
  const type = url.endsWith('.json') ? 'application/json' : 'application/octet-stream';
  return Promise.resolve(new Response(typeof body === 'string' ? body : body.slice(), { status: 200, headers: { 'content-type': type } }));
}

function metaFor(tapSet: string, config: StudentConfig, patch: (m: ModelMeta) => void = () => {}): ModelMeta {
  const taps = teacherMeta.tapSets[tapSet].map(({ name, stride, channels }) => ({ name, stride, channels }));
  const meta: ModelMeta = {
    formatVersion: 1,
    kind: 'rd4ad-student',
    teacher: { id: TEACHER_ID, tapSet, taps },
    student: config,
    inputSize: SIZE,
    normalization: { inputRange: [0, 1], resize: 'bilinear-half-pixel' },
    map: { sigma: 4, fusion: 'sum', upsample: 'bilinear-half-pixel', scales: [2, 3] },
    lossForm: 'flattened',
    calibration: null,
    training: { epochs: 0, batchSize: 1, learningRate: 0, betas: [0.5, 0.999], seed: 0, losses: [], minutes: 0, backend: 'wasm' },
    dataset: { name: 'test', fingerprint: '0', trainImages: 0 },
    createdAt: '2026-01-01T00:00:00Z',
  };
  patch(meta);
  return meta;
}

function configFor(tapSet: string): StudentConfig {
  const ch = teacherMeta.tapSets[tapSet].map((t) => t.channels) as [number, number, number];
  return { tapChannels: ch, widths: [16, 32, 64], embedChannels: 64, decoderBlocks: 1 };
}

/** A random-weight student bundle served at /models/students/<id> (and kept in memory for the injected loader). */
async function addBundle(id: string, tapSet = 'expand', seed = 1, patchMeta?: (m: ModelMeta) => void, bank?: { vectors: Float32Array; shape: [number, number] }): Promise<string> {
  const config = configFor(tapSet);
  const student = new Student(config, seed);
  const artifacts = await studentToArtifacts(student, bank);
  student.dispose();
  const folder = `/models/students/${id}`;
  artifactsByFolder.set(folder, artifacts);
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as object,
    format: artifacts.format,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs! }],
  };
  files.set(`${folder}/model.json`, JSON.stringify(modelJson));
  files.set(`${folder}/weights.bin`, new Uint8Array(weightDataToArrayBuffer(artifacts.weightData!)));
  files.set(`${folder}/meta.json`, JSON.stringify(metaFor(tapSet, config, patchMeta)));
  return folder;
}

function randomPixels(width: number, height: number, seed = 1): PixelsMessage {
  const rgba = new Uint8ClampedArray(width * height * 4);
  let s = seed;
  for (let i = 0; i < rgba.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    rgba[i] = (i & 3) === 3 ? 255 : s >>> 24;
  }
  return { width, height, rgba };
}

const services: InferenceService[] = [];
function service(opts: InferenceServiceOptions = {}): InferenceService {
  const s = new InferenceService({ loader: fetchModelFiles(fakeFetch), backendOrder: ['wasm'], ...opts });
  services.push(s);
  return s;
}

const src = (url: string) => ({ kind: 'url' as const, url });

describe('InferenceService (Node, wasm backend)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    teacherMeta = await loadTeacherMeta(TEACHER_ID);
    for (const f of ['model.json', 'meta.json', 'weights.bin']) {
      files.set(`${TEACHER_URL}/${TEACHER_ID}/${f}`, new Uint8Array(await readFile(path.join(TEACHER_ROOT, TEACHER_ID, f))));
    }
    await addBundle('a', 'expand', 1);
    await addBundle('b', 'expand', 2);
    await addBundle('imagenet', 'imagenet', 3);
  });

  afterEach(async () => {
    while (services.length) await services.pop()!.dispose();
    vi.restoreAllMocks();
  });

  it('loads a bundle over fetch and returns unsmoothed per-scale maps at the input size, with stage timings', async () => {
    const s = service();
    expect(await s.init()).toEqual({ backend: 'wasm', notes: [] });
    const info = await s.loadModel('a', src('/models/students/a/'), `${TEACHER_URL}/`);
    expect(info).toMatchObject({ id: 'a', teacher: 'mobilenet_v2/expand', inputSize: SIZE });
    expect(info.meta.map.scales).toEqual([2, 3]);
    expect(info.loadMs).toBeGreaterThan(0);

    const pixels = randomPixels(100, 80);
    const copy = { ...pixels, rgba: pixels.rgba.slice() };
    const r = await s.infer(pixels);
    expect(r.backend).toBe('wasm');
    expect(r.maps.size).toBe(SIZE);
    expect(r.maps.scales).toHaveLength(3);
    for (const m of r.maps.scales) {
      expect(m).toBeInstanceOf(Float32Array);
      expect(m.length).toBe(SIZE * SIZE);
      expect(m.byteLength).toBe(m.buffer.byteLength); // own buffer: safe to transfer
      expect(m.every((v) => Number.isFinite(v) && v >= -1e-5 && v <= 2 + 1e-5)).toBe(true);
    }
    const t = r.timings;
    for (const k of ['preprocessMs', 'teacherMs', 'studentMs', 'mapsMs', 'totalMs'] as const) expect(t[k]).toBeGreaterThanOrEqual(0);
    expect(t.totalMs).toBeGreaterThanOrEqual(t.teacherMs + t.studentMs + t.mapsMs);

    // Same numbers as the engine pipeline: re-smoothing the raw maps on the UI side gives its map.
    const teacher = await loadTeacher(TEACHER_ID, 'expand');
    const student = studentFromArtifacts(artifactsByFolder.get('/models/students/a')!);
    const pipeline = new ReverseDistillationPipeline(teacher, student, SIZE, 4, 'sum', [1, 2]);
    const x = tf.tidy(() => tf.image.resizeBilinear(tf.div(tf.tensor4d(Float32Array.from(copy.rgba), [1, 80, 100, 4]).slice([0, 0, 0, 0], [1, 80, 100, 3]), 255) as tf.Tensor4D, [SIZE, SIZE], false, true));
    const ref = pipeline.infer(x);
    const want = ref.map.dataSync();
    const got = new MapSmoother(r.maps).smooth([false, true, true], 4);
    let d = 0;
    for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(want[i] - got.values[i]));
    expect(d).toBeLessThan(1e-4);
    tf.dispose([x, ref.map, ref.scores, ...ref.scales]);
    teacher.dispose();
    student.dispose();
  });

  it('a model of the accurate profile: the bank travels in the weights, the raw maps carry its distances, the model view fuses them as the engine does', async () => {
    const sourceDims = teacherMeta.tapSets.expand.reduce((n, t) => n + t.channels, 0);
    const layout = { vectors: 300, dims: 16, sourceDims, projectionSeed: 5 };
    const vectors = Float32Array.from({ length: 300 * 16 }, (_, i) => 0.05 * Math.sin(i * 0.7));
    const evidenceMeta = { kind: 'fused' as const, rdScale: 0.3, nnScale: 0.8, gridStride: GRID_STRIDE, bank: layout };
    await addBundle('accurate-real', 'expand', 4, (m) => (m.evidence = evidenceMeta), { vectors, shape: [300, 16] });
    const s = service();
    await s.init();
    await s.loadModel('accurate-real', src('/models/students/accurate-real'), TEACHER_URL);
    const pixels = randomPixels(64, 64, 7);
    const copy = pixels.rgba.slice();
    const view: MapView = { scales: [false, true, true], sigma: 4, fusion: 'sum' }; // nearest: in by default
    const r = await s.infer(pixels, [view]);
    expect(r.maps.nearest).toMatchObject({ rdScale: 0.3, nnScale: 0.8 });
    expect(r.maps.nearest?.values.length).toBe(SIZE * SIZE);

    const teacher = await loadTeacher(TEACHER_ID, 'expand');
    const student = studentFromArtifacts(artifactsByFolder.get('/models/students/accurate-real')!);
    const pipeline = new ReverseDistillationPipeline(teacher, student, SIZE, 4, 'sum', [1, 2]);
    const evidence = FusedEvidence.fromStored(evidenceMeta, vectors);
    const x = tf.tidy(() => tf.div(tf.tensor4d(Float32Array.from(copy), [1, SIZE, SIZE, 4]).slice([0, 0, 0, 0], [1, SIZE, SIZE, 3]), 255) as tf.Tensor4D);
    const ref = evidence.map(pipeline, x);
    const want = ref.dataSync();
    let d = 0;
    for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(want[i] - r.smoothed[0].values[i]));
    expect(d).toBeLessThan(1e-4);
    // nearest: false — the same raw maps give RD's map alone
    expect(new MapSmoother(r.maps).smooth([false, true, true], 4, 'sum', false).score).toBeLessThan(r.smoothed[0].score * 0.3 + 1e-6);
    tf.dispose([x, ref]);
    evidence.dispose();
    teacher.dispose();
    student.dispose();
  });

  it('tf.memory().numTensors is back to its baseline after 50 inferences', async () => {
    const s = service();
    await s.loadModel('a', src('/models/students/a'), TEACHER_URL);
    await s.infer(randomPixels(64, 64)); // first call may set up kernels' constants
    const before = await s.memory();
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) await s.infer(randomPixels(48 + i, 64, i));
    const after = await s.memory();
    console.log(`50 inferences at ${SIZE}²: ${((performance.now() - t0) / 50).toFixed(1)} ms each; tensors ${before.numTensors} → ${after.numTensors}`);
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
  });

  it('loading another model disposes the previous one (teacher reused when shared); dispose() frees everything', async () => {
    const base = tf.memory().numTensors;
    const s = service();
    await s.loadModel('a', src('/models/students/a'), TEACHER_URL);
    const one = tf.memory().numTensors;
    expect(one).toBeGreaterThan(base);
    await s.loadModel('b', src('/models/students/b'), TEACHER_URL);
    expect(tf.memory().numTensors).toBe(one);
    await s.loadModel('imagenet', src('/models/students/imagenet'), TEACHER_URL); // other tap set: teacher reloaded
    expect(s.modelId).toBe('imagenet');
    expect((await s.infer(randomPixels(64, 64))).maps.size).toBe(SIZE);
    await s.loadModel('a', src('/models/students/a'), TEACHER_URL);
    expect(tf.memory().numTensors).toBe(one);
    await s.dispose();
    expect(tf.memory().numTensors).toBe(base);
  });

  it('refuses a model whose meta does not fit the teacher, or whose files are missing, with kind "model" and a clear message', async () => {
    await addBundle('wrong-taps', 'expand', 1, (m) => {
      m.teacher.taps[2] = { ...m.teacher.taps[2], name: 'block_16_project' };
    });
    await addBundle('wrong-teacher', 'expand', 1, (m) => {
      m.teacher.id = 'resnet50';
    });
    await addBundle('wrong-tapset', 'expand', 1, (m) => {
      m.teacher.tapSet = 'deep';
    });
    await addBundle('bad-version', 'expand', 1, (m) => {
      (m as { formatVersion: number }).formatVersion = 9;
    });
    await addBundle('bad-size', 'expand', 1, (m) => {
      m.inputSize = 100;
    });
    await addBundle('accurate', 'expand', 1, (m) => {
      m.evidence = { kind: 'fused', rdScale: 0.3, nnScale: 0.5, gridStride: 8, bank: { vectors: 10, dims: 4, sourceDims: 912, projectionSeed: 0 } };
    });
    const s = service();
    await s.loadModel('a', src('/models/students/a'), TEACHER_URL);
    const base = tf.memory().numTensors;
    const cases: [string, RegExp][] = [
      ['wrong-taps', /does not fit the teacher.*tap 3 differs: model has block_16_project/],
      ['wrong-teacher', /model files missing: \/models\/teacher\/resnet50\/meta\.json \(404\)/],
      ['wrong-tapset', /needs tap set "deep", which teacher "mobilenet_v2" does not have/],
      ['bad-version', /format version 9/],
      ['bad-size', /input size must be a multiple of 32/],
      ['accurate', /model files corrupt: \/models\/students\/accurate: meta\.json describes a nearest-neighbour bank, which the weights do not hold/],
      ['nowhere', /model files missing: \/models\/students\/nowhere\/meta\.json \(404\)/],
    ];
    for (const [id, message] of cases) {
      const err = await s.loadModel(id, src(`/models/students/${id}`), TEACHER_URL).catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'model', message: expect.stringMatching(message) });
    }
    // the model loaded before is untouched and still works
    expect(tf.memory().numTensors).toBe(base);
    expect(s.modelId).toBe('a');
    expect((await s.infer(randomPixels(32, 32))).maps.size).toBe(SIZE);
    // teacher files missing
    const err = await s.loadModel('a', src('/models/students/a'), '/elsewhere').catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'model', message: 'model files missing: /elsewhere/mobilenet_v2/meta.json (404)' });
  });

  it('refuses corrupt weights and model.json files with kind "model"', async () => {
    const folder = await addBundle('corrupt', 'expand', 4);
    const weights = files.get(`${folder}/weights.bin`) as Uint8Array;
    const s = service();
    const base = tf.memory().numTensors;

    files.set(`${folder}/weights.bin`, weights.subarray(0, weights.length - 100));
    await expect(s.loadModel('corrupt', src(folder), TEACHER_URL)).rejects.toMatchObject({
      kind: 'model', message: expect.stringMatching(/model files corrupt: \/models\/students\/corrupt\/weights\.bin has \d+ bytes, model\.json describes \d+/),
    });
    files.delete(`${folder}/weights.bin`);
    await expect(s.loadModel('corrupt', src(folder), TEACHER_URL)).rejects.toMatchObject({ kind: 'model', message: 'model files missing: /models/students/corrupt/weights.bin (404)' });
    files.set(`${folder}/weights.bin`, weights);
    const modelJson = files.get(`${folder}/model.json`) as string;
    files.set(`${folder}/model.json`, modelJson.slice(0, 40));
    await expect(s.loadModel('corrupt', src(folder), TEACHER_URL)).rejects.toMatchObject({ kind: 'model', message: expect.stringMatching(/model\.json is not valid JSON/) });
    files.set(`${folder}/model.json`, modelJson.replace('RD4ADStudent', 'Sequential'));
    await expect(s.loadModel('corrupt', src(folder), TEACHER_URL)).rejects.toMatchObject({ kind: 'model', message: expect.stringMatching(/not a student model/) });
    files.set(`${folder}/model.json`, modelJson);
    files.set(`${folder}/meta.json`, '<!doctype html><title>SPA</title>');
    await expect(s.loadModel('corrupt', src(folder), TEACHER_URL)).rejects.toMatchObject({ kind: 'model', message: expect.stringMatching(/meta\.json is not valid JSON/) });
    // a corrupt teacher
    const teacherWeights = files.get(`${TEACHER_URL}/${TEACHER_ID}/weights.bin`) as Uint8Array;
    files.set(`${TEACHER_URL}/${TEACHER_ID}/weights.bin`, teacherWeights.subarray(0, 1000));
    try {
      await expect(s.loadModel('a', src('/models/students/a'), TEACHER_URL)).rejects.toMatchObject({
        kind: 'model', message: expect.stringMatching(/mobilenet_v2\/weights\.bin has 1000 bytes/),
      });
    } finally {
      files.set(`${TEACHER_URL}/${TEACHER_ID}/weights.bin`, teacherWeights);
    }
    expect(tf.memory().numTensors).toBe(base); // nothing half-loaded is left behind
  });

  it('works with an injected loader (tf.io.fromMemory students, fileSystemHandler teacher)', async () => {
    const s = service({
      loader: {
        readJson: async (url) => {
          if (url.startsWith('teacher:')) return JSON.parse(await readFile(path.join(TEACHER_ROOT, url.slice(8)), 'utf8'));
          const body = files.get(url);
          if (body === undefined) throw new Error('ENOENT');
          return JSON.parse(body as string);
        },
        handler: (folder) => (folder.startsWith('teacher:') ? fileSystemHandler(path.join(TEACHER_ROOT, folder.slice(8))) : tf.io.fromMemory(artifactsByFolder.get(folder)!)),
      },
    });
    await s.loadModel('b', src('/models/students/b'), 'teacher:');
    expect((await s.infer(randomPixels(70, 50))).maps.scales[2].length).toBe(SIZE * SIZE);
    await expect(s.loadModel('x', src('/models/students/x'), 'teacher:')).rejects.toMatchObject({ kind: 'model', message: expect.stringMatching(/could not be read: \/models\/students\/x\/meta\.json \(ENOENT\)/) });
  });

  it('answers protocol requests: bad pixels or views → "input", then the next good inference works; maps and smoothed views are in the transfer list', async () => {
    const s = service();
    const reply = (req: WorkerRequest) => s.handle(req);
    expect((await reply({ id: 1, type: 'infer', pixels: randomPixels(8, 8) })).reply).toMatchObject({ id: 1, ok: false, error: { kind: 'model', message: 'no model is loaded yet' } });
    expect((await reply({ id: 2, type: 'init' })).reply).toEqual({ id: 2, ok: true, result: { backend: 'wasm', notes: [] } });
    expect((await reply({ id: 3, type: 'loadModel', modelId: 'a', source: src('/models/students/a'), teacherRoot: TEACHER_URL })).reply).toMatchObject({ id: 3, ok: true, result: { id: 'a' } });
    const base = (await s.memory()).numTensors;
    const bad: PixelsMessage[] = [
      { width: 10, height: 10, rgba: new Uint8ClampedArray(10 * 10 * 3) },
      { width: 0, height: 10, rgba: new Uint8ClampedArray(0) },
      { width: 10, height: 10, rgba: Array.from({ length: 400 }, () => 0) as unknown as Uint8ClampedArray<ArrayBuffer> },
      { width: 5000, height: 5000, rgba: new Uint8ClampedArray(4) },
      null as unknown as PixelsMessage,
    ];
    for (const [i, pixels] of bad.entries()) {
      const { reply: r } = await reply({ id: 10 + i, type: 'infer', pixels });
      expect(r).toMatchObject({ id: 10 + i, ok: false, error: { kind: 'input' } });
    }
    const { reply: good, transfer } = await reply({ id: 20, type: 'infer', pixels: randomPixels(64, 64) });
    expect(good.ok).toBe(true);
    const scales = (good as { result: { maps: { scales: Float32Array[] } } }).result.maps.scales;
    expect(transfer).toEqual(scales.map((m) => m.buffer));
    // Views: smoothed in the worker exactly as the UI's MapSmoother does; a view asked for twice is one buffer.
    const view: MapView = { scales: [false, true, true], sigma: 4, fusion: 'sum' };
    const pixels = randomPixels(64, 64);
    const raw = await s.infer({ ...pixels, rgba: pixels.rgba.slice() });
    const { reply: viewed, transfer: moved } = await reply({ id: 24, type: 'infer', pixels, views: [view, { ...view, sigma: 0 }, view] });
    if (!viewed.ok) throw new Error('infer with views failed');
    const res = viewed.result as InferResult;
    const ui = new MapSmoother(raw.maps);
    expect(Array.from(res.smoothed[0].values)).toEqual(Array.from(ui.smoothView(view).values));
    expect(res.smoothed[1].score).toBe(ui.smooth([false, true, true], 0).score);
    expect(res.smoothed[2]).toBe(res.smoothed[0]);
    expect(moved).toHaveLength(5);
    expect(res.timings.smoothMs).toBeGreaterThan(0);
    expect(raw.timings.smoothMs).toBe(0);
    for (const [i, views] of [[{ ...view, sigma: -1 }], [{ ...view, sigma: 1e9 }], [{ ...view, fusion: 'max' }], [{ scales: 'all', sigma: 4, fusion: 'sum' }], Array(5).fill(view)].entries()) {
      const { reply: r } = await reply({ id: 30 + i, type: 'infer', pixels: randomPixels(8, 8), views: views as MapView[] });
      expect(r).toMatchObject({ ok: false, error: { kind: 'input' } });
    }
    expect((await reply({ id: 21, type: 'memory' })).reply).toEqual({ id: 21, ok: true, result: expect.objectContaining({ numTensors: base }) });
    expect((await reply({ id: 22, type: 'bogus' } as unknown as WorkerRequest)).reply).toMatchObject({ ok: false, error: { kind: 'internal' } });
    expect((await reply({ id: 23, type: 'dispose' })).reply).toEqual({ id: 23, ok: true, result: null });
  });

  it('an out-of-memory failure is reported as such, frees its tensors and leaves the service usable', async () => {
    const s = service();
    await s.loadModel('a', src('/models/students/a'), TEACHER_URL);
    const base = tf.memory().numTensors;
    vi.spyOn(Student.prototype, 'predict').mockImplementationOnce(() => {
      throw new Error('Failed to allocate 1073741824 bytes: out of memory');
    });
    await expect(s.infer(randomPixels(64, 64))).rejects.toMatchObject({ kind: 'out-of-memory', message: expect.stringMatching(/out of memory/) });
    expect(tf.memory().numTensors).toBe(base);
    expect((await s.infer(randomPixels(64, 64))).maps.size).toBe(SIZE);
    // any other kernel failure is a backend error
    vi.spyOn(Student.prototype, 'predict').mockImplementationOnce(() => {
      throw new Error('kernel Conv2D failed');
    });
    await expect(s.infer(randomPixels(64, 64))).rejects.toMatchObject({ kind: 'backend', message: 'kernel Conv2D failed' });
    expect(tf.memory().numTensors).toBe(base);
  });

  it('a lost device during inference: falls back to the next backend, reloads the model, retries once, emits backend-changed', async () => {
    const events: WorkerEvent[] = [];
    const s = service({ backendOrder: ['cpu', 'wasm'], onEvent: (e) => events.push(e), warmUp: false });
    const base = tf.memory().numTensors;
    expect((await s.init('cpu')).backend).toBe('cpu');
    await s.loadModel('a', src('/models/students/a'), TEACHER_URL);
    vi.spyOn(Teacher.prototype, 'features').mockImplementationOnce(() => {
      throw new Error("GPUDevice was lost: the device's GPU process crashed");
    });
    const r = await s.infer(randomPixels(64, 64));
    expect(r.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(s.modelId).toBe('a');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'backend-changed', info: { backend: 'wasm' }, reason: expect.stringMatching(/lost.*switched from cpu to wasm/) });
    await s.dispose();
    expect(tf.memory().numTensors).toBe(base); // the model on the abandoned backend was released too
    // with nothing left to fall back to, a lost device is a backend error
    await s.loadModel('a', src('/models/students/a'), TEACHER_URL);
    vi.spyOn(Teacher.prototype, 'features').mockImplementationOnce(() => {
      throw new Error('device lost');
    });
    await expect(s.infer(randomPixels(64, 64))).rejects.toMatchObject({ kind: 'backend' });
  });

  it('a device-lost notification (the WebGPU device.lost promise) switches backend before the next inference', async () => {
    const events: WorkerEvent[] = [];
    const s = service({ backendOrder: ['cpu', 'wasm'], onEvent: (e) => events.push(e), warmUp: false });
    await s.init('cpu');
    await s.loadModel('b', src('/models/students/b'), TEACHER_URL);
    await s.notifyDeviceLost('cpu device lost: test');
    expect(s.backend).toBe('wasm');
    const changes = events.flatMap((e) => (e.type === 'backend-changed' ? [e] : []));
    expect(changes.map((e) => e.info.backend)).toEqual(['wasm']);
    expect(changes[0].info.notes[0]).toBe('cpu: cpu device lost: test');
    expect((await s.infer(randomPixels(64, 64))).backend).toBe('wasm');
    // the lost backend is not chosen again by a new init on the same service
    expect((await s.init('cpu')).backend).toBe('wasm');
  });
});

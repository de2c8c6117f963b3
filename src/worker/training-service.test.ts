/**
 * Fine-tuning, the model library and bundle export/import through InferenceService and the protocol
 * (Node, wasm backend, 64² inputs, a tiny student). The library runs on an in-memory stand-in for tfjs's
 * IndexedDB store here; model-library.test.ts runs the real tfjs IndexedDB handlers on fake-indexeddb.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { initBackend } from '../../cli/lib/backend';
import { TEACHER_ROOT, loadTeacherMeta } from '../../cli/lib/model-bundle';
import type { ModelMeta } from '../engine/model-meta';
import { Student, type StudentConfig } from '../engine/student';
import type { TeacherMeta } from '../engine/teacher';
import { studentToArtifacts, weightDataToArrayBuffer } from '../engine/weights-io';
import { ONE_IMAGE_WARNING } from './fine-tune';
import { InferenceService } from './inference-service';
import { fetchModelFiles } from './model-files';
import { ModelLibrary, memoryModelStorage } from './model-library';
import type { BundleFileMessage, InferResult, PixelsMessage, TrainProgress, TrainResult, WorkerEvent } from './protocol';
import { poisonFeatureBatch } from './test-support';

const SIZE = 64;
const TEACHER_URL = '/models/teacher';
let teacherMeta: TeacherMeta;
const files = new Map<string, Uint8Array | string>();

function fakeFetch(url: string): Promise<Response> {
  const body = files.get(url);
  if (body === undefined) return Promise.resolve(new Response('not found', { status: 404 }));
  return Promise.resolve(new Response(typeof body === 'string' ? body : body.slice(), { status: 200 }));
}

const config = (): StudentConfig => ({
  tapChannels: teacherMeta.tapSets.expand.map((t) => t.channels) as [number, number, number], widths: [8, 16, 32], embedChannels: 32, decoderBlocks: 1,
});

function metaFor(patch: (m: ModelMeta) => void = () => {}): ModelMeta {
  const meta: ModelMeta = {
    formatVersion: 1,
    kind: 'rd4ad-student',
    teacher: { id: 'mobilenet_v2', tapSet: 'expand', taps: teacherMeta.tapSets.expand.map(({ name, stride, channels }) => ({ name, stride, channels })) },
    student: config(),
    inputSize: SIZE,
    normalization: { inputRange: [0, 1], resize: 'bilinear-half-pixel' },
    map: { sigma: 1, fusion: 'sum', upsample: 'bilinear-half-pixel', scales: [2, 3] },
    lossForm: 'flattened',
    calibration: null,
    training: { epochs: 0, batchSize: 1, learningRate: 0, betas: [0.5, 0.999], seed: 0, losses: [], minutes: 0, backend: 'wasm' },
    dataset: { name: 'shipped', fingerprint: '0', trainImages: 0 },
    createdAt: '2026-01-01T00:00:00Z',
  };
  patch(meta);
  return meta;
}

/** A woven-looking texture with a little seeded noise. */
function texture(width: number, height: number, seed: number): PixelsMessage {
  const rgba = new Uint8ClampedArray(width * height * 4);
  let s = seed * 9973 + 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (s * 1103515245 + 12345) >>> 0;
      const v = 110 + 60 * Math.sin((x + seed) * 0.7) * Math.cos(y * 0.5) + ((s >>> 24) - 128) / 8;
      rgba.set([v, v * 0.9, v * 0.7, 255], 4 * (y * width + x));
    }
  }
  return { width, height, rgba };
}
const images = (n: number) => Array.from({ length: n }, (_, i) => texture(72 + 2 * i, 64, i + 1));
const probe = () => texture(80, 64, 99);

function maxDiff(a: InferResult, b: InferResult): number {
  let d = 0;
  for (let k = 0; k < 3; k++) a.maps.scales[k].forEach((v, i) => (d = Math.max(d, Math.abs(v - b.maps.scales[k][i]))));
  return d;
}

const src = (url: string) => ({ kind: 'url' as const, url });

let storage: ReturnType<typeof memoryModelStorage>;
let events: WorkerEvent[];
let service: InferenceService;

async function fresh(load = true): Promise<InferenceService> {
  storage = memoryModelStorage();
  events = [];
  service = new InferenceService({ loader: fetchModelFiles(fakeFetch), backendOrder: ['wasm'], library: new ModelLibrary(storage), onEvent: (e) => events.push(e) });
  if (load) await service.loadModel('a', src('/models/students/a'), TEACHER_URL);
  else await service.init();
  return service;
}

const progress = () => events.filter((e): e is TrainProgress => e.type === 'train-progress');
const done = () => events.filter((e) => e.type === 'train-done').map((e) => (e as { result: TrainResult }).result);

/** One bundle as dropped files, from the parts of an exported zip with some of them changed. */
function bundle(parts: Record<string, Uint8Array | string | null>, base: Record<string, Uint8Array>): BundleFileMessage[] {
  const out: Record<string, Uint8Array> = { ...base };
  for (const [k, v] of Object.entries(parts)) {
    if (v === null) delete out[k];
    else out[k] = typeof v === 'string' ? strToU8(v) : v;
  }
  return [{ name: 'dropped.zip', bytes: zipSync(out) }];
}

describe('training, library and bundles through InferenceService (wasm, 64²)', () => {
  let baseline = 0;

  beforeAll(async () => {
    await initBackend('wasm');
    teacherMeta = await loadTeacherMeta('mobilenet_v2');
    for (const f of ['model.json', 'meta.json', 'weights.bin']) {
      files.set(`${TEACHER_URL}/mobilenet_v2/${f}`, new Uint8Array(await readFile(path.join(TEACHER_ROOT, 'mobilenet_v2', f))));
    }
    const student = new Student(config(), 1);
    const a = await studentToArtifacts(student);
    student.dispose();
    files.set('/models/students/a/model.json', JSON.stringify({ modelTopology: a.modelTopology, format: a.format, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }));
    files.set('/models/students/a/weights.bin', new Uint8Array(weightDataToArrayBuffer(a.weightData!)));
    files.set('/models/students/a/meta.json', JSON.stringify(metaFor()));
    baseline = tf.memory().numTensors;
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await service.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('train: progress after every step, then the trained model is active (old student disposed) with its held-out threshold', async () => {
    const s = await fresh();
    const before = await s.infer(probe());
    const tensors = (await s.memory()).numTensors;
    const r = await s.train(images(6), { start: 'current', epochs: 2, learningRate: 0.005 });
    expect(r.status).toBe('done');
    if (r.status !== 'done') return;
    expect(r.model).toMatchObject({ origin: 'memory', teacher: 'mobilenet_v2/expand', inputSize: SIZE, name: 'images trained in the browser' });
    expect(r.model.id).toMatch(/^trained-/);
    expect(s.modelId).toBe(r.model.id);
    expect(r.saved).toBeNull();
    expect(r.calibration.heldOut).toHaveLength(2);
    for (const v of r.calibration.heldOut) expect(r.calibration.threshold).toBeGreaterThan(v);
    expect(r.model.meta.calibration).toMatchObject({ threshold: r.calibration.threshold, heldOutScores: r.calibration.heldOut, optimistic: false });
    expect(r.model.meta.fineTune).toMatchObject({ baseModel: 'a', start: 'current' });
    const steps = progress().filter((p) => p.phase === 'training');
    expect(steps.map((p) => `${p.epoch}/${p.epochs}:${p.step}/${p.stepsPerEpoch}`)).toEqual(['1/2:1/1', '2/2:1/1']);
    expect(done()).toEqual([r]);
    // same size of student: the old one was disposed when the new one came in
    expect((await s.memory()).numTensors).toBe(tensors);
    expect(maxDiff(await s.infer(probe()), before)).toBeGreaterThan(1e-4);
    // the protocol answers the same way
    const { reply } = await s.handle({ id: 7, type: 'train', images: images(2), options: { start: 'fresh', epochs: 1, learningRate: 0.005 } });
    expect(reply).toMatchObject({ id: 7, ok: true, result: { status: 'done', warnings: [expect.stringMatching(/^2 images: none can be held out/)] } });
  });

  it('a run sized in steps stops after exactly that many (the last epoch partial); a step is timed on request; bad sizes are refused', async () => {
    const s = await fresh();
    // 8 images: 2 held out, 6 trained on at batch 2 → 3 steps an epoch; 5 steps = one epoch and 2 steps.
    const r = await s.train(images(8), { start: 'fresh', steps: 5, learningRate: 0.005, batchSize: 2 });
    expect(r.status).toBe('done');
    const steps = progress().filter((p) => p.phase === 'training');
    expect(steps.map((p) => `${p.epoch}/${p.epochs}:${p.step}/${p.stepsPerEpoch}`)).toEqual(['1/2:1/3', '1/2:2/3', '1/2:3/3', '2/2:1/3', '2/2:2/3']);
    expect(steps.every((p) => p.totalSteps === 5)).toBe(true);
    expect(r.epochLosses).toHaveLength(2);
    const tensors = (await s.memory()).numTensors;
    const t = await s.api.measureTrainStep({ batchSize: 3 });
    expect(t).toMatchObject({ backend: 'wasm', batchSize: 3 });
    expect(t.stepMs).toBeGreaterThan(0);
    expect(t.featureMs).toBeGreaterThan(0);
    expect((await s.memory()).numTensors).toBe(tensors);
    await expect(s.api.measureTrainStep({ batchSize: 0 })).rejects.toMatchObject({ kind: 'input' });
    await expect(s.train(images(3), { start: 'current', steps: 2, epochs: 2, learningRate: 0.005 })).rejects.toMatchObject({ kind: 'input', message: expect.stringMatching(/exactly one of steps and epochs/) });
    await expect(s.train(images(3), { start: 'current', steps: 0, learningRate: 0.005 })).rejects.toMatchObject({ kind: 'input', message: expect.stringMatching(/steps must be an integer/) });
  });

  it('cancel mid-run (cancelTraining request) or before the run starts: the previous model answers exactly as before, no tensor left', async () => {
    const s = await fresh();
    const before = await s.infer(probe());
    const tensors = (await s.memory()).numTensors;
    let cancelReply: unknown = null;
    events = [];
    const onEvent = (e: WorkerEvent) => {
      if (e.type === 'train-progress' && e.phase === 'training' && e.epoch === 2 && e.step === 1) {
        void s.handle({ id: 2, type: 'cancelTraining' }).then(({ reply }) => (cancelReply = reply));
      }
    };
    (s as unknown as { opts: { onEvent: (e: WorkerEvent) => void } }).opts.onEvent = (e) => {
      events.push(e);
      onEvent(e);
    };
    const { reply } = await s.handle({ id: 1, type: 'train', images: images(5), options: { start: 'current', epochs: 5, learningRate: 0.005, batchSize: 2 } });
    expect(reply).toMatchObject({ id: 1, ok: true, result: { status: 'cancelled', message: expect.stringMatching(/cancelled/) } });
    expect(cancelReply).toEqual({ id: 2, ok: true, result: { cancelled: true } });
    expect(progress().filter((p) => p.phase === 'training').length).toBeLessThan(5 * 2);
    expect(done()).toMatchObject([{ status: 'cancelled' }]);
    expect(s.modelId).toBe('a');
    expect(maxDiff(await s.infer(probe()), before)).toBe(0);
    expect((await s.memory()).numTensors).toBe(tensors);
    // queued behind another request and cancelled before it starts
    const queued = s.train(images(3), { start: 'fresh', epochs: 3, learningRate: 0.005 });
    expect(s.cancelTraining()).toBe(true);
    expect(await queued).toMatchObject({ status: 'cancelled' });
    expect(s.cancelTraining()).toBe(false);
    expect((await s.memory()).numTensors).toBe(tensors);
  });

  it('a diverging run stops with the message and keeps the previous model', async () => {
    const s = await fresh();
    const before = await s.infer(probe());
    poisonFeatureBatch(3);
    const r = await s.train(images(4), { start: 'current', epochs: 4, learningRate: 0.005, batchSize: 2 });
    expect(r).toMatchObject({ status: 'diverged', epoch: 2, step: 1, message: expect.stringMatching(/^training diverged at epoch 2 step 1 \(loss NaN\); kept the last good weights .* try a lower learning rate$/) });
    expect(s.modelId).toBe('a');
    expect(maxDiff(await s.infer(probe()), before)).toBe(0);
  });

  it('a GPU device lost during training: stops, reloads the previous model on the next backend, rejects with kind "backend"', async () => {
    storage = memoryModelStorage();
    events = [];
    service = new InferenceService({
      loader: fetchModelFiles(fakeFetch), backendOrder: ['cpu', 'wasm'], warmUp: false, library: new ModelLibrary(storage),
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'train-progress' && e.phase === 'features' && e.step > 0) void service.notifyDeviceLost('cpu device lost: test');
      },
    });
    await service.init('cpu');
    await service.loadModel('a', src('/models/students/a'), TEACHER_URL);
    const err = await service.train(images(2), { start: 'current', epochs: 3, learningRate: 0.005 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'backend', message: 'cpu device lost: test: training stopped; the model loaded before training is kept (now on wasm) — start training again' });
    expect(service.backend).toBe('wasm');
    expect(service.modelId).toBe('a');
    expect(events.filter((e) => e.type === 'backend-changed')).toHaveLength(1);
    expect(done()).toMatchObject([{ status: 'failed', error: { kind: 'backend' } }]);
    expect((await service.infer(probe())).backend).toBe('wasm');
    await initBackend('wasm');
  });

  it('refusals: no model loaded, bad options (lr 1e30), bad name; failures are reported in train-done too', async () => {
    const s = await fresh(false);
    await expect(s.train(images(1), { start: 'current', epochs: 1, learningRate: 0.005 })).rejects.toMatchObject({ kind: 'model', message: expect.stringMatching(/^load a model first/) });
    await s.loadModel('a', src('/models/students/a'), TEACHER_URL);
    await expect(s.train(images(2), { start: 'current', epochs: 1, learningRate: 1e30 })).rejects.toMatchObject({ kind: 'input', message: expect.stringMatching(/lr must be in \(0, 1\)/) });
    await expect(s.train(images(2), { start: 'current', epochs: 1, learningRate: 0.005, saveAs: ' ' })).rejects.toMatchObject({ kind: 'input', message: 'a model needs a name' });
    expect(done().map((d) => d.status)).toEqual(['failed', 'failed', 'failed']);
    expect(s.modelId).toBe('a');
  });

  it('1 image with saveAs: warning, optimistic threshold, saved to the library and active under the library id', async () => {
    const s = await fresh();
    const r = await s.train(images(1), { start: 'current', epochs: 1, learningRate: 0.005, saveAs: 'One shot' });
    if (r.status !== 'done') throw new Error(`expected done, got ${r.status}`);
    expect(r.warnings).toEqual([ONE_IMAGE_WARNING]);
    expect(r.calibration.optimistic).toBe(true);
    expect(r.saved).toMatchObject({ name: 'One shot', origin: 'trained', optimistic: true, threshold: r.calibration.threshold });
    expect(r.model).toMatchObject({ id: r.saved!.id, origin: 'library', name: 'One shot' });
    expect((await s.listModels()).models.map((m) => m.id)).toEqual([r.saved!.id]);
    // a full storage: training still succeeds, the save error is reported, the model stays active in memory
    storage.full = true;
    const r2 = await s.train(images(1), { start: 'current', epochs: 1, learningRate: 0.005, saveAs: 'Second' });
    expect(r2).toMatchObject({ status: 'done', saved: null, saveError: { kind: 'storage', message: expect.stringMatching(/^not enough browser storage to save "Second"/) }, model: { origin: 'memory' } });
    expect((await s.handle({ id: 3, type: 'saveTrained', name: 'again' })).reply).toMatchObject({ ok: false, error: { kind: 'storage' } });
    storage.full = false;
    expect((await s.handle({ id: 4, type: 'saveTrained', name: 'again' })).reply).toMatchObject({ ok: true, result: { name: 'again' } });
  });

  it('saveTrained → listModels → loadModel from the library gives the same maps; rename; delete keeps the loaded model', async () => {
    const s = await fresh();
    await expect(s.saveTrained('x')).rejects.toMatchObject({ kind: 'input', message: expect.stringMatching(/ships with the app/) });
    const r = await s.train(images(3), { start: 'current', epochs: 1, learningRate: 0.005 });
    if (r.status !== 'done') throw new Error('expected done');
    const trained = await s.infer(probe());
    const saved = await s.saveTrained('Fabric line 2');
    expect(saved).toMatchObject({ name: 'Fabric line 2', origin: 'trained', source: { kind: 'indexeddb', id: saved.id, url: `indexeddb://rd4ad-user/${saved.id}` } });
    expect(s.modelId).toBe(saved.id);
    await expect(s.saveTrained('twice')).rejects.toMatchObject({ kind: 'input', message: 'this model is already in the library as "Fabric line 2"' });

    await s.loadModel('a', src('/models/students/a'), TEACHER_URL);
    const info = await s.loadModel(saved.id, saved.source, TEACHER_URL);
    expect(info).toMatchObject({ id: saved.id, origin: 'library', name: 'Fabric line 2', meta: { calibration: { threshold: r.calibration.threshold } } });
    expect(maxDiff(await s.infer(probe()), trained)).toBe(0);

    const renamed = (await s.handle({ id: 5, type: 'renameModel', modelId: saved.id, name: 'Fabric, line 3' })).reply;
    expect(renamed).toMatchObject({ ok: true, result: { id: saved.id, name: 'Fabric, line 3' } });
    expect((await s.handle({ id: 6, type: 'listModels' })).reply).toMatchObject({ ok: true, result: { models: [{ id: saved.id, name: 'Fabric, line 3' }], unreadable: [] } });
    expect((await s.handle({ id: 7, type: 'deleteModel', modelId: saved.id })).reply).toEqual({ id: 7, ok: true, result: null });
    expect((await s.listModels()).models).toEqual([]);
    expect(maxDiff(await s.infer(probe()), trained)).toBe(0); // still loaded
    const again = await s.saveTrained('Restored');
    expect(again.id).not.toBe(saved.id);
    await expect(s.loadModel(saved.id, saved.source, TEACHER_URL)).rejects.toMatchObject({ kind: 'model', message: `model "${saved.id}" is not in the library (was it deleted?)` });
    expect(s.modelId).toBe(again.id);
  });

  it('export → import round trip: same weights, maps within 1e-5; the zip has exactly the CLI layout', async () => {
    const s = await fresh();
    const r = await s.train(images(3), { start: 'current', epochs: 1, learningRate: 0.005 });
    if (r.status !== 'done') throw new Error('expected done');
    const trained = await s.infer(probe());
    const { reply, transfer } = await s.handle({ id: 1, type: 'exportModel', target: { kind: 'active' } });
    const exported = (reply as { result: { fileName: string; bytes: Uint8Array<ArrayBuffer> } }).result;
    expect(exported.fileName).toBe('images-trained-in-the-browser.zip');
    expect(transfer).toEqual([exported.bytes.buffer]);
    const parts = unzipSync(exported.bytes);
    expect(Object.keys(parts).sort()).toEqual(['meta.json', 'model.json', 'weights.bin']);

    // The model's name travels in meta.json: the import takes it, not the zip's file name (renamed on disk here).
    expect(JSON.parse(Buffer.from(parts['meta.json']).toString('utf8')).name).toBe('images trained in the browser');
    const imported = await s.importBundle([{ name: 'Fabric.zip', bytes: exported.bytes }], TEACHER_URL);
    expect(imported).toMatchObject({ name: 'images trained in the browser', origin: 'imported', threshold: r.calibration.threshold });
    // A second import of the same bundle is told apart.
    const second = await s.importBundle([{ name: 'Fabric.zip', bytes: exported.bytes }], TEACHER_URL);
    expect(second.name).toBe('images trained in the browser (2)');
    await s.loadModel(imported.id, imported.source, TEACHER_URL);
    expect(maxDiff(await s.infer(probe()), trained)).toBeLessThan(1e-5);
    // a library model exports to the same bytes of weights
    const again = unzipSync((await s.exportModel({ kind: 'indexeddb', id: imported.id })).bytes);
    expect(Buffer.from(again['weights.bin']).equals(Buffer.from(parts['weights.bin']))).toBe(true);
    // the shipped model exports too (loose files dropped together import the same)
    await s.loadModel('a', src('/models/students/a'), TEACHER_URL);
    const shipped = await s.infer(probe());
    const a = unzipSync((await s.exportModel({ kind: 'active' })).bytes);
    const loose = await s.importBundle(Object.entries(a).map(([name, bytes]) => ({ name, bytes: bytes as Uint8Array<ArrayBuffer> })), TEACHER_URL, 'Shipped copy');
    expect(loose).toMatchObject({ name: 'Shipped copy' });
    await s.loadModel(loose.id, loose.source, TEACHER_URL);
    expect(maxDiff(await s.infer(probe()), shipped)).toBeLessThan(1e-5);
  });

  it("an accurate-profile model taught here: its raw maps carry the bank's distances, and the bank survives save, export and import", async () => {
    const s = await fresh();
    const r = await s.train(images(5), { start: 'current', epochs: 1, learningRate: 0.005, profile: 'accurate', saveAs: 'Accurate' });
    if (r.status !== 'done') throw new Error('expected done');
    expect(r.model.meta.evidence?.bank.vectors).toBe(4 * 64);
    const trained = await s.infer(probe());
    expect(trained.maps.nearest?.values.length).toBe(64 * 64);
    const zip = (await s.exportModel({ kind: 'active' })).bytes;
    const imported = await s.importBundle([{ name: 'Accurate.zip', bytes: zip }], TEACHER_URL);
    expect(imported.meta.evidence).toEqual(r.model.meta.evidence);
    await s.loadModel(imported.id, imported.source, TEACHER_URL);
    const again = await s.infer(probe());
    expect(maxDiff(again, trained)).toBeLessThan(1e-5);
    let d = 0;
    again.maps.nearest!.values.forEach((v, i) => (d = Math.max(d, Math.abs(v - trained.maps.nearest!.values[i]))));
    expect(d).toBeLessThan(1e-5);
  });

  it('import refuses bundles for another teacher, other taps, a newer format, without weights or with a bank the weights lack — nothing is stored', async () => {
    const s = await fresh();
    const parts = unzipSync((await s.exportModel({ kind: 'active' })).bytes);
    const withMeta = (patch: (m: ModelMeta) => void) => ({ 'meta.json': JSON.stringify(metaFor(patch)) });
    const cases: [BundleFileMessage[], string | RegExp][] = [
      [bundle(withMeta((m) => (m.teacher = { ...m.teacher, id: 'inception_v3', tapSet: 'default' })), parts), 'this bundle was trained on teacher inception_v3/default; this app runs mobilenet_v2/expand'],
      [bundle(withMeta((m) => (m.teacher.taps[2] = { ...m.teacher.taps[2], name: 'block_16_project' })), parts), /^this bundle does not fit this app's teacher mobilenet_v2\/expand: tap 3 differs/],
      [bundle(withMeta((m) => ((m as { formatVersion: number }).formatVersion = 2)), parts), /^format version 2 is newer than this app reads \(1\)/],
      [bundle({ 'weights.bin': null }, parts), 'weights.bin missing from the bundle'],
      [bundle(withMeta((m) => (m.student = { ...m.student, widths: [8, 16, 48] })), parts), /^the bundle's weights are not a usable student model/],
      [bundle(withMeta((m) => (m.evidence = { kind: 'fused', rdScale: 1, nnScale: 1, gridStride: 8, bank: { vectors: 1, dims: 2, sourceDims: 2, projectionSeed: null } })), parts), /^the bundle is corrupt: meta\.json describes a nearest-neighbour bank, which the weights do not hold/],
    ];
    for (const [dropped, message] of cases) {
      const { reply } = await s.handle({ id: 9, type: 'importBundle', files: dropped, teacherRoot: TEACHER_URL });
      expect(reply).toMatchObject({ ok: false, error: { kind: 'model', message: typeof message === 'string' ? message : expect.stringMatching(message) } });
    }
    expect(storage.size).toBe(0);
    // with no model loaded, the teacher files under teacherRoot decide
    await s.dispose();
    const ok = await s.importBundle(bundle({}, parts), TEACHER_URL);
    expect(ok.teacher).toBe('mobilenet_v2/expand');
    await expect(s.importBundle(cases[0][0], TEACHER_URL)).rejects.toMatchObject({ message: 'this bundle was trained on teacher inception_v3/default, which this app does not have' });
  });
});

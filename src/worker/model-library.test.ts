/**
 * The model library on tfjs's real IndexedDB handlers, with fake-indexeddb standing in for the browser's
 * IndexedDB. tfjs registers its IndexedDB router and model manager only when it believes it runs in a
 * browser (or worker), so the globals are set before tfjs is first imported (dynamic imports below).
 */
import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import type * as TF from '@tensorflow/tfjs';
import type { ModelMeta } from '../engine/model-meta';
import type * as LibraryModule from './model-library';

const g = globalThis as Record<string, unknown>;
g.self ??= globalThis;
g.WorkerGlobalScope ??= class WorkerGlobalScope {};

let tf: typeof TF;
let lib: typeof LibraryModule;

function artifactsOf(values: number[]): TF.io.ModelArtifacts {
  return {
    modelTopology: { class_name: 'RD4ADStudent', config: {} },
    format: 'rd4ad-student',
    weightSpecs: [{ name: 'w', shape: [values.length], dtype: 'float32' }],
    weightData: new Float32Array(values).buffer,
  };
}

function meta(threshold: number, optimistic = false): ModelMeta {
  return {
    formatVersion: 1,
    kind: 'rd4ad-student',
    teacher: { id: 'mobilenet_v2', tapSet: 'expand', taps: [{ name: 'a', stride: 4, channels: 1 }, { name: 'b', stride: 8, channels: 1 }, { name: 'c', stride: 16, channels: 1 }] },
    student: { tapChannels: [1, 1, 1], widths: [1, 1, 1], embedChannels: 1, decoderBlocks: 1 },
    inputSize: 64,
    normalization: { inputRange: [0, 1], resize: 'bilinear-half-pixel' },
    map: { sigma: 4, fusion: 'sum', upsample: 'bilinear-half-pixel', scales: [2, 3] },
    lossForm: 'flattened',
    calibration: { n: 1, mean: 0, std: 0, min: 0, max: 0, p95: 0, p99: 0, threshold, rule: 'test', optimistic },
    training: { epochs: 1, batchSize: 1, learningRate: 0.005, betas: [0.5, 0.999], seed: 0, losses: [1], minutes: 0, backend: 'cpu' },
    dataset: { name: 't', fingerprint: '0', trainImages: 1 },
    createdAt: '2026-01-01T00:00:00Z',
  };
}

describe('ModelLibrary (tfjs IndexedDB handlers on fake-indexeddb)', () => {
  beforeAll(async () => {
    tf = await import('@tensorflow/tfjs');
    lib = await import('./model-library');
    expect(tf.env().getBool('IS_BROWSER')).toBe(true);
  });

  it('save → list → load → rename → delete, with names and metas in userDefinedMetadata', async () => {
    const library = new lib.ModelLibrary();
    expect((await library.list()).models).toEqual([]);
    // a model some other app stored with tfjs is not ours and is not listed
    await tf.io.getSaveHandlers('indexeddb://someone-else/m')[0].save!(artifactsOf([9]));

    const a = await library.save(artifactsOf([1, 2, 3]), meta(0.5), '  Fabric   line 2 ', 'trained');
    await new Promise((r) => setTimeout(r, 5));
    const b = await library.save(artifactsOf([4, 5]), meta(0.7, true), 'Imported', 'imported');
    expect(a).toMatchObject({ name: 'Fabric line 2', origin: 'trained', bytes: 12, teacher: 'mobilenet_v2/expand', inputSize: 64, threshold: 0.5, optimistic: false });
    expect(b).toMatchObject({ name: 'Imported', origin: 'imported', bytes: 8, threshold: 0.7, optimistic: true });
    expect(a.id).toMatch(/^m\d{8}-\d{6}-[0-9a-z]{4}$/);
    expect(a.id).not.toBe(b.id);

    const listed = await library.list();
    expect(listed.models.map((m) => m.name)).toEqual(['Imported', 'Fabric line 2']); // newest first
    expect(listed.unreadable).toEqual([]);
    expect(Object.keys(await tf.io.listModels())).toContain(`indexeddb://rd4ad-user/${a.id}`);

    // a fresh library object (a new worker) reads the same
    const again = await new lib.ModelLibrary().list();
    expect(again.models.map((m) => [m.id, m.name, m.bytes, m.meta.calibration?.threshold])).toEqual(listed.models.map((m) => [m.id, m.name, m.bytes, m.meta.calibration?.threshold]));

    const loaded = await library.load(a.id);
    expect(Array.from(new Float32Array(tf.io.CompositeArrayBuffer.join(loaded.artifacts.weightData!)))).toEqual([1, 2, 3]);
    expect(loaded.meta).toEqual(meta(0.5));
    expect(loaded.info.name).toBe('Fabric line 2');

    const renamed = await library.rename(a.id, 'Fabric, line 3');
    expect(renamed).toMatchObject({ id: a.id, name: 'Fabric, line 3' });
    expect((await new lib.ModelLibrary().list()).models.find((m) => m.id === a.id)?.name).toBe('Fabric, line 3');
    expect(Array.from(new Float32Array(tf.io.CompositeArrayBuffer.join((await library.load(a.id)).artifacts.weightData!)))).toEqual([1, 2, 3]);

    await library.remove(a.id);
    expect((await library.list()).models.map((m) => m.id)).toEqual([b.id]);
    await expect(library.load(a.id)).rejects.toMatchObject({ kind: 'model', message: `model "${a.id}" is not in the library (was it deleted?)` });
    await expect(library.remove(a.id)).rejects.toMatchObject({ kind: 'model' });
    await expect(library.rename(b.id, '   ')).rejects.toMatchObject({ kind: 'input', message: 'a model needs a name' });
    await expect(library.load('../x')).rejects.toMatchObject({ kind: 'input' });
    await library.remove(b.id);
    expect((await library.list()).models).toEqual([]);
  });

  it('a record without our metadata is listed as unreadable, not as a model', async () => {
    await tf.io.getSaveHandlers('indexeddb://rd4ad-user/broken')[0].save!(artifactsOf([1]));
    const library = new lib.ModelLibrary();
    const listed = await library.list();
    expect(listed.models).toEqual([]);
    expect(listed.unreadable).toEqual([{ id: 'broken', reason: 'the record has no rd4ad metadata' }]);
    await library.remove('broken');
  });

  it('quota errors become kind "storage" with a clear message, and leave no half-written record', async () => {
    const real = lib.tfjsModelStorage();
    const quota = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    const full: LibraryModule.ModelStorage = { ...real, save: () => Promise.reject(quota) };
    const library = new lib.ModelLibrary(full);
    await expect(library.save(artifactsOf([1, 2]), meta(1), 'big', 'trained')).rejects.toMatchObject({
      kind: 'storage', message: expect.stringMatching(/^not enough browser storage to save "big" \(The quota has been exceeded\.\): delete models/),
    });
    // tfjs resolved the save but the transaction was rolled back: caught by reading the record back
    const silent: LibraryModule.ModelStorage = { ...real, save: async (url, a) => real.save(url, { ...a, weightData: new ArrayBuffer(0), weightSpecs: [] }) };
    await expect(new lib.ModelLibrary(silent).save(artifactsOf([1, 2]), meta(1), 'big', 'trained')).rejects.toMatchObject({
      kind: 'storage', message: expect.stringMatching(/storage full/),
    });
    expect((await new lib.ModelLibrary().list()).models).toEqual([]);
    // other IndexedDB failures are storage errors too
    const broken: LibraryModule.ModelStorage = { ...real, list: () => Promise.reject(new Error('IndexedDB is disabled in private mode')) };
    await expect(new lib.ModelLibrary(broken).list()).rejects.toMatchObject({ kind: 'storage', message: 'could not list the saved models: IndexedDB is disabled in private mode' });
  });

  it('setCalibration replaces the stored threshold and rule; weights, name and statistics stay', async () => {
    const library = new lib.ModelLibrary();
    const a = await library.save(artifactsOf([1, 2, 3]), meta(0.5), 'Line 9', 'trained');
    const cal = { ...meta(0.5).calibration!, threshold: 0.62, rule: 'F1-optimal, from an evaluation' };
    const info = await library.setCalibration(a.id, cal);
    expect(info).toMatchObject({ id: a.id, name: 'Line 9', threshold: 0.62 });
    const back = await library.load(a.id);
    expect(back.meta.calibration).toEqual(cal);
    expect(Array.from(new Float32Array(tf.io.CompositeArrayBuffer.join(back.artifacts.weightData!)))).toEqual([1, 2, 3]);
    expect((await library.list()).models.find((m) => m.id === a.id)?.threshold).toBe(0.62);
    await library.remove(a.id);
  });
});

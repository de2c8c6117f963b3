import { beforeAll, describe, expect, it } from 'vitest';
import { unzipSync } from 'fflate';
import { initBackend } from '../../cli/lib/backend';
import { InferenceClient, type WorkerLike } from './inference-client';
import { InferenceService } from './inference-service';
import { fetchModelFiles } from './model-files';
import { ModelLibrary, memoryModelStorage } from './model-library';
import type { WorkerEvent, WorkerRequest } from './protocol';
import { serveTinyModel } from './test-support';

type Listener = (e: { data?: unknown; message?: string }) => void;

/** A Worker stand-in around a real service: requests, replies and events are structured-cloned (transfers honoured). */
class ServiceWorker implements WorkerLike {
  readonly listeners: Record<string, Listener[]> = { message: [], error: [], messageerror: [] };
  readonly sent: WorkerRequest[] = [];
  readonly service: InferenceService;
  constructor() {
    this.service = new InferenceService({
      loader: fetchModelFiles(fakeFetch), backendOrder: ['wasm'], library: new ModelLibrary(memoryModelStorage()),
      onEvent: (e) => this.emit({ data: structuredClone(e) }),
    });
  }
  addEventListener(type: string, listener: Listener): void {
    this.listeners[type].push(listener);
  }
  postMessage(message: unknown, transfer: Transferable[]): void {
    const req = structuredClone(message, { transfer }) as WorkerRequest;
    this.sent.push(req);
    void this.service.handle(req).then(({ reply, transfer: back }) => this.emit({ data: structuredClone(reply, { transfer: back }) }));
  }
  emit(e: { data?: unknown }): void {
    for (const l of this.listeners.message) l(e);
  }
  terminate(): void {}
}

const files = new Map<string, Uint8Array | string>();
const fakeFetch = (url: string) =>
  Promise.resolve(files.has(url) ? new Response(files.get(url)!.slice(), { status: 200 }) : new Response('', { status: 404 }));

function pixels(seed: number) {
  const rgba = new Uint8ClampedArray(48 * 40 * 4);
  for (let i = 0; i < rgba.length; i++) rgba[i] = (i & 3) === 3 ? 255 : (Math.sin(i * 0.37 + seed) * 60 + 120) | 0;
  return { width: 48, height: 40, rgba };
}

describe('InferenceClient: training, library and bundle methods', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    await serveTinyModel(files, { name: 'shipped' });
  });

  it('train (pixels copied), progress events, save, list, rename, export, import a File, load from the library, delete', async () => {
    const worker = new ServiceWorker();
    const client = new InferenceClient(worker, { baseUrl: 'https://app.test/index.html' });
    const teacherRoot = 'models/teacher';
    await client.loadModel('s', { kind: 'url', url: 'models/students/s' }, teacherRoot);
    const events: WorkerEvent[] = [];
    client.onEvent((e) => events.push(e));

    const images = [pixels(1), pixels(2)];
    const r = await client.train(images, { start: 'current', epochs: 1, learningRate: 0.005, augment: true, seed: 2 });
    expect(images[0].rgba.byteLength).toBe(48 * 40 * 4); // copied, not transferred
    expect(r).toMatchObject({ status: 'done', model: { origin: 'memory' }, calibration: { optimistic: true } });
    expect(events.map((e) => e.type)).toContain('train-progress');
    expect(events.at(-1)).toEqual({ type: 'train-done', result: r });
    expect(await client.cancelTraining()).toBe(false);

    const saved = await client.saveTrained('Line 2');
    expect((await client.listModels()).models.map((m) => m.name)).toEqual(['Line 2']);
    expect(await client.renameModel(saved.id, 'Line 3')).toMatchObject({ id: saved.id, name: 'Line 3' });

    const exported = await client.exportModel();
    expect(exported.fileName).toBe('Line-3.zip');
    expect(Object.keys(unzipSync(exported.bytes)).sort()).toEqual(['meta.json', 'model.json', 'weights.bin']);

    const file = new File([exported.bytes], 'Line-3 copy.zip', { type: 'application/zip' });
    const imported = await client.importBundle([file], teacherRoot);
    // Named from its meta.json (not the file name), told apart from the "Line 3" already in the library.
    expect(imported).toMatchObject({ name: 'Line 3 (2)', origin: 'imported' });
    const sentImport = worker.sent.find((q) => q.type === 'importBundle')!;
    expect(sentImport).toMatchObject({ teacherRoot: 'https://app.test/models/teacher' });

    const info = await client.loadModel(imported.id, imported.source, teacherRoot);
    expect(info).toMatchObject({ id: imported.id, origin: 'library', name: 'Line 3 (2)' });
    // a library source goes to the worker as it is (no URL resolution)
    expect(worker.sent.at(-1)).toMatchObject({ type: 'loadModel', source: { kind: 'indexeddb', id: imported.id, url: `indexeddb://rd4ad-user/${imported.id}` } });
    expect((await client.infer(pixels(3))).maps.size).toBe(64);

    await client.deleteModel(saved.id);
    expect((await client.listModels()).models.map((m) => m.id)).toEqual([imported.id]);
    await expect(client.deleteModel(saved.id)).rejects.toMatchObject({ kind: 'model' });
    await worker.service.dispose();
    client.terminate();
  });
});

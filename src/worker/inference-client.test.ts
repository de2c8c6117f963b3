import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../cli/lib/backend';
import { InferenceClient, WorkerFailure, type WorkerLike } from './inference-client';
import { InferenceService } from './inference-service';
import { fetchModelFiles } from './model-files';
import type { WorkerEvent, WorkerRequest } from './protocol';
import { serveTinyModel } from './test-support';

type Listener = (e: { data?: unknown; message?: string }) => void;

/** A Worker stand-in: messages are structured-cloned (transfer lists honoured) in both directions. */
class FakeWorker implements WorkerLike {
  readonly listeners: Record<string, Listener[]> = { message: [], error: [], messageerror: [] };
  readonly sent: WorkerRequest[] = [];
  terminated = false;
  constructor(private readonly answer: (req: WorkerRequest) => Promise<{ reply: unknown; transfer: Transferable[] }> | null) {}

  addEventListener(type: string, listener: Listener): void {
    this.listeners[type].push(listener);
  }

  postMessage(message: unknown, transfer: Transferable[]): void {
    const req = structuredClone(message, { transfer }) as WorkerRequest;
    this.sent.push(req);
    const p = this.answer(req);
    void p?.then(({ reply, transfer: back }) => this.emit('message', { data: structuredClone(reply, { transfer: back }) }));
  }

  emit(type: string, e: { data?: unknown; message?: string }): void {
    for (const l of this.listeners[type]) l(e);
  }

  terminate(): void {
    this.terminated = true;
  }
}

const files = new Map<string, Uint8Array | string>();
const fakeFetch = (url: string) =>
  Promise.resolve(files.has(url) ? new Response(files.get(url)!.slice(), { status: 200 }) : new Response('', { status: 404 }));

describe('InferenceClient', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    await serveTinyModel(files);
  });

  it('round-trips init / loadModel / infer / memory through a cloning worker, transferring the pixels and the maps', async () => {
    const service = new InferenceService({ loader: fetchModelFiles(fakeFetch), backendOrder: ['wasm'] });
    const worker = new FakeWorker((req) => service.handle(req));
    const client = new InferenceClient(worker, { baseUrl: 'https://app.test/index.html' });
    expect(await client.init()).toEqual({ backend: 'wasm', notes: [] });
    const info = await client.loadModel('s', { kind: 'url', url: 'models/students/s/' }, '/models/teacher');
    expect(info).toMatchObject({ id: 's', inputSize: 64, teacher: 'mobilenet_v2/expand' });
    // relative URLs were resolved against the page, not left to the worker's script URL
    expect(worker.sent[1]).toMatchObject({ source: { url: 'https://app.test/models/students/s' }, teacherRoot: 'https://app.test/models/teacher' });

    const rgba = new Uint8ClampedArray(40 * 30 * 4).fill(200);
    const r = await client.infer({ width: 40, height: 30, rgba });
    expect(rgba.byteLength).toBe(0); // transferred
    expect(r.maps.scales.map((m) => m.length)).toEqual([4096, 4096, 4096]);
    expect(r.timings.totalMs).toBeGreaterThan(0);
    const mem = await client.memory();
    expect(mem.numTensors).toBeGreaterThan(0);

    const bad = await client.infer({ width: 4, height: 4, rgba: new Uint8ClampedArray(3) }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(WorkerFailure);
    expect(bad).toMatchObject({ kind: 'input', message: expect.stringMatching(/expected 4×4×4/) });
    const missing = await client.loadModel('t', { kind: 'url', url: '/models/students/t' }, '/models/teacher').catch((e: unknown) => e);
    expect(missing).toMatchObject({ kind: 'model', message: 'model files missing: https://app.test/models/students/t/meta.json (404)' });
    await service.dispose();
    client.terminate();
  });

  it('delivers events to listeners until they unsubscribe', () => {
    const worker = new FakeWorker(() => null);
    const client = new InferenceClient(worker);
    const got: WorkerEvent[] = [];
    const off = client.onEvent((e) => got.push(e));
    const event: WorkerEvent = { type: 'backend-changed', info: { backend: 'wasm', notes: ['webgpu: device lost'] }, reason: 'webgpu device lost; switched from webgpu to wasm' };
    worker.emit('message', { data: event });
    off();
    worker.emit('message', { data: event });
    expect(got).toEqual([event]);
  });

  it('terminate() rejects pending and later requests with WorkerFailure("internal", "worker terminated")', async () => {
    const worker = new FakeWorker(() => null); // never answers
    const client = new InferenceClient(worker);
    const pending = [client.init('wasm'), client.memory()];
    client.terminate();
    expect(worker.terminated).toBe(true);
    for (const p of pending) await expect(p).rejects.toEqual(new WorkerFailure('internal', 'worker terminated'));
    await expect(client.memory()).rejects.toMatchObject({ kind: 'internal', message: 'worker terminated' });
  });

  it('a worker error event rejects every pending request; replies match their request ids', async () => {
    const worker = new FakeWorker(() => null);
    const client = new InferenceClient(worker);
    const a = client.memory();
    const b = client.init();
    worker.emit('message', { data: { id: 2, ok: true, result: { backend: 'webgl', notes: [] } } });
    await expect(b).resolves.toEqual({ backend: 'webgl', notes: [] });
    worker.emit('error', { message: 'Uncaught RangeError: boom' });
    await expect(a).rejects.toMatchObject({ kind: 'internal', message: expect.stringMatching(/worker failed: Uncaught RangeError: boom/) });
  });
});

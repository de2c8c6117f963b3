/**
 * Test support for the store's tests: a store around the fake worker client, a fake decoder and fetch
 * (the index files and samples), and the waits the tests share.
 */
import type { BackendName } from '../worker/protocol';
import { createInspectorStore, type InspectorStore } from './create-store';
import { selectSortedItems } from './selectors';
import { NotFoundError, type StoreServices } from './services';
import { FakeClient } from './test-fake-client';
import type { InspectImage } from './types';

export { FakeClient, Gate, meta, SIZE } from './test-fake-client';

export const INDEX = {
  version: 1,
  models: [
    { id: 'fabric', title: 'Woven fabric', path: 'models/students/fabric', teacher: 'mobilenet_v2/expand' },
    { id: 'wood', title: 'Wood', path: 'models/students/wood' },
  ],
};

export const SAMPLES = {
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
 * A file for the fake decoder: its text is "amp,x,y[,level]" (amp 0..255 → first red byte; level 0..255 →
 * first alpha byte, which the fake worker adds to the whole map / 100: another product), or "bad:<reason>"
 * to fail decoding like an ImageFileError.
 */
export function file(name: string, content: string): { blob: Blob; name: string } {
  return { blob: new Blob([content]), name };
}

export interface Harness {
  store: InspectorStore;
  client: FakeClient;
  files: Record<string, unknown>;
  released: string[];
  /** Files handed to the user (downloads). */
  saved: { fileName: string; bytes: Uint8Array; type: string }[];
  persistCalls: number;
}

export function setup(opts: { files?: Record<string, unknown>; services?: Partial<StoreServices> } = {}): Harness {
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
      const [amp, x, y, level] = text.split(',').map(Number);
      const rgba = new Uint8ClampedArray(8 * 8 * 4);
      rgba[0] = amp;
      rgba[1] = x || 0;
      rgba[2] = y || 0;
      rgba[3] = level || 0;
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
    ...opts.services,
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

export async function started(h: Harness, opts?: { preferredBackend?: BackendName; preferredModelId?: string }) {
  await h.store.getState().start(opts);
  await h.store.getState().whenIdle();
}

export async function addAndWait(h: Harness, ...files: { blob: Blob; name: string }[]) {
  await h.store.getState().addFiles(files);
  await h.store.getState().whenIdle();
}

export const names = (h: Harness) => selectSortedItems(h.store.getState()).map((i) => i.name);

export async function withTrainImages(h: Harness, n: number) {
  const files = Array.from({ length: n }, (_, i) => file(`normal_${i}.png`, `${10 + i},2,2`));
  await h.store.getState().addTrainFiles(files);
  await h.store.getState().whenIdle();
}

export const pickerIds = (h: Harness) => h.store.getState().models.map((m) => `${m.id}:${m.origin}${m.unsaved ? ':unsaved' : ''}`);

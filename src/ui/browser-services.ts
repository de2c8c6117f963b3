/**
 * The store's services in the browser: the inference worker's client, the image decoder and fetch
 * (same origin only: the page's CSP allows nothing else).
 */
import { NotFoundError, type BackendChoice, type InferenceService, type StoreServices } from '../store';
import { createBrowserCamera } from './camera-device';
import { decodeImageFile } from './decode-image';
import { downloadBlob } from './heatmap-draw';

async function get(url: string, accept: string): Promise<Response> {
  const res = await fetch(url, { headers: { Accept: accept }, cache: 'no-cache' });
  // A dev server or SPA host answers unknown paths with the app's index.html: that is "not found" too.
  if (res.status === 404 || (res.ok && (res.headers.get('content-type') ?? '').includes('text/html'))) throw new NotFoundError(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`.trim());
  return res;
}

/** localStorage entry of the worker's measured backend choice (one per origin; its key names browser, GPU and workload). */
const BACKEND_CHOICE_KEY = 'rd-inspector:backend-choice';

function readBackendChoice(): BackendChoice | null {
  try {
    const raw = localStorage.getItem(BACKEND_CHOICE_KEY);
    const c = raw ? (JSON.parse(raw) as Partial<BackendChoice>) : null;
    return c && typeof c.key === 'string' && typeof c.backend === 'string' && typeof c.reason === 'string' ? (c as BackendChoice) : null;
  } catch {
    return null; // storage blocked or a damaged entry: measure again
  }
}

export function createBrowserServices(client: InferenceService): StoreServices {
  return {
    client,
    decode: (file, name) => decodeImageFile(file, name),
    async fetchJson(url) {
      const res = await get(url, 'application/json');
      try {
        return (await res.json()) as unknown;
      } catch {
        throw new Error(`${url} is not valid JSON`);
      }
    },
    async fetchBlob(url) {
      return (await get(url, 'image/*,*/*;q=0.8')).blob();
    },
    baseUrl: import.meta.env.BASE_URL,
    release(image) {
      image.bitmap?.close();
      if (image.thumbnail.startsWith('blob:')) URL.revokeObjectURL(image.thumbnail);
    },
    yieldToUi: () => new Promise((r) => setTimeout(r, 0)),
    saveFile(fileName, bytes, type) {
      downloadBlob(new Blob([bytes], { type }), fileName);
    },
    backendChoiceCache: {
      load: readBackendChoice,
      save(choice) {
        try {
          localStorage.setItem(BACKEND_CHOICE_KEY, JSON.stringify(choice));
        } catch {
          // Only a speed-up for the next visit.
        }
      },
    },
    async requestPersistence() {
      // Window only (the worker cannot ask): keeps the browser from evicting saved models under pressure.
      return (await navigator.storage?.persist?.()) ?? false;
    },
    camera: createBrowserCamera(),
    settings: {
      get: (key) => window.localStorage.getItem(key),
      set: (key, value) => window.localStorage.setItem(key, value),
      remove: (key) => window.localStorage.removeItem(key),
    },
  };
}

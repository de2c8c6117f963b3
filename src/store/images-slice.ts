/**
 * The images to inspect: added from files, samples, drops and pastes (decoded one at a time, then queued
 * for inference), the selection, removal. Scores and verdicts come from the inference queue, scoring.ts
 * and selectors.ts.
 */
import { MapSmoother } from '../data/map-render';
import { decodeFiles } from './decode-files';
import { describeFailure } from './failures';
import { resolveUrl } from './indices';
import type { SetState, SliceCreator } from './runtime';
import type { InspectorState } from './state';
import { selectSortedItems } from './selectors';
import type { FileInput, ImageItem, InspectImage, InferResult } from './types';

/** An image inferred elsewhere (a camera frame with its map), for addInferred. */
export interface InferredImage {
  image: InspectImage;
  result: Pick<InferResult, 'maps' | 'timings'> & { smoother: MapSmoother };
  /** The model the maps are from: when another one is active by now, the image is queued to run again. */
  modelId: string;
  origin: 'camera';
  capturedAt: string;
}

export interface ImagesSlice {
  /** In insertion order; the displayed order is selectSortedItems. */
  items: ImageItem[];
  selectedId: string | null;

  /** Decodes (one at a time) and queues the files; the first one that decodes is selected. */
  addFiles(files: readonly FileInput[]): Promise<void>;
  /** Fetches a sample (path relative to the app base, as in samples/index.json) and adds it like a file. */
  addSample(file: string): Promise<void>;
  select(id: string | null): void;
  /** Moves the selection up (-1) or down (+1) in the displayed (score-sorted) order. */
  moveSelection(delta: number): void;
  /** Adds an already inferred image (not decoded, not queued unless the model changed); returns its id. Keeps the selection. */
  addInferred(entry: InferredImage): string;
  removeImage(id: string): void;
  clearImages(): void;
  /**
   * Opens dropped / picked / pasted files: model bundle files (.zip, .json, .bin) go to importBundle,
   * everything else is inspected as an image ('inspect', the default) or added to the training images
   * ('train').
   */
  openFiles(files: readonly FileInput[], into?: 'inspect' | 'train'): Promise<void>;
}

/** Files that belong to a model bundle rather than to image inspection. */
export function isBundleFileName(name: string): boolean {
  return /\.(zip|json|bin)$/i.test(name);
}

export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

/**
 * Changes one listed image (the queue and the scoring write results through this); `also` changes other
 * state in the same update, since every store update re-renders the page.
 */
export function patchItem(set: SetState, id: string, patch: Partial<ImageItem>, also?: (s: InspectorState) => Partial<InspectorState>): void {
  set((s) => ({ ...also?.(s), items: s.items.map((i) => (i.id === id ? { ...i, ...patch } : i)) }));
}

export const createImagesSlice: SliceCreator<ImagesSlice> = (set, get, rt) => {
  let seq = 0;
  const exists = (id: string) => get().items.some((i) => i.id === id);

  const newItem = (name: string, batch: number): ImageItem => {
    const n = ++seq;
    return {
      id: `img-${n}`,
      seq: n,
      batch,
      name,
      image: null,
      status: 'decoding',
      maps: null,
      smoother: null,
      modelId: null,
      timings: null,
      score: null,
      scoreKey: null,
      smoothMs: 0,
      mapMedian: null,
      error: null,
      retries: 0,
    };
  };

  const neighbourOf = (id: string): string | null => {
    const sorted = selectSortedItems(get());
    const i = sorted.findIndex((it) => it.id === id);
    const next = sorted[i + 1] ?? sorted[i - 1];
    return next ? next.id : null;
  };

  return {
    items: [],
    selectedId: null,

    addFiles: (files) => {
      if (files.length === 0) return Promise.resolve();
      const batch = rt.errors.nextBatch();
      const fresh = files.map((f) => newItem(f.name || 'image', batch));
      set((s) => ({ items: [...s.items, ...fresh] }));
      let selected = false;
      return decodeFiles(rt, files, fresh, batch, {
        exists,
        decoded: (id, image) => {
          // The first decoded image is selected at once: the viewer shows it, then its result, while the rest decode.
          patchItem(set, id, { image, status: 'queued' }, selected ? undefined : () => ({ selectedId: id }));
          selected = true;
          rt.queue.pump();
        },
        failed: (id, message) => patchItem(set, id, { status: 'error', error: message }),
      });
    },

    addSample: (file) =>
      rt.track(
        (async () => {
          let blob: Blob;
          try {
            blob = await rt.services.fetchBlob(resolveUrl(rt.services.baseUrl, file));
          } catch (e) {
            rt.errors.push(`${file}: the sample could not be loaded (${describeFailure(e).message}).`);
            return;
          }
          await get().addFiles([{ blob, name: baseName(file) }]);
        })(),
      ),

    select: (id) => {
      if (id !== null && !exists(id)) return;
      set({ selectedId: id });
      if (id !== null) rt.scoring.scoreNow(id);
    },

    moveSelection: (delta) => {
      const sorted = selectSortedItems(get());
      if (sorted.length === 0) return;
      const i = sorted.findIndex((it) => it.id === get().selectedId);
      const j = i < 0 ? (delta > 0 ? 0 : sorted.length - 1) : Math.max(0, Math.min(sorted.length - 1, i + Math.sign(delta)));
      get().select(sorted[j].id);
    },

    addInferred: ({ image, result, modelId, origin, capturedAt }) => {
      const base: ImageItem = { ...newItem(image.name, rt.errors.nextBatch()), image, origin, capturedAt };
      let item: ImageItem = { ...base, status: 'queued' };
      if (get().activeModelId === modelId) {
        const { smoother } = result;
        item = { ...base, status: 'done', maps: result.maps, smoother, modelId, timings: result.timings, ...rt.scoring.fieldsFor(smoother, get()) };
      }
      set((s) => ({ items: [...s.items, item] }));
      if (item.status === 'queued') rt.queue.pump();
      return item.id;
    },

    removeImage: (id) => {
      const item = get().items.find((i) => i.id === id);
      if (!item) return;
      const nextSelected = get().selectedId === id ? neighbourOf(id) : get().selectedId;
      set((s) => ({ items: s.items.filter((i) => i.id !== id), selectedId: nextSelected }));
      if (item.image) rt.services.release?.(item.image);
    },

    clearImages: () => {
      const items = get().items;
      set({ items: [], selectedId: null });
      for (const i of items) if (i.image) rt.services.release?.(i.image);
    },

    openFiles: async (files, into = 'inspect') => {
      const bundle = files.filter((f) => isBundleFileName(f.name));
      const images = files.filter((f) => !isBundleFileName(f.name));
      const addImages = into === 'train' ? get().addTrainFiles : get().addFiles;
      await Promise.all([bundle.length > 0 ? get().importBundle(bundle) : null, images.length > 0 ? addImages(images) : null]);
    },
  };
};

import { baseName, describeFailure, isBundleFileName, resolveUrl, withName } from './logic';
import type { SliceCreator } from './runtime';
import { selectSortedItems } from './selectors';
import type { ImagesSlice } from './state';
import type { ImageItem } from './types';

export const createImagesSlice: SliceCreator<ImagesSlice> = (set, get, rt) => {
  const exists = (id: string) => get().items.some((i) => i.id === id);

  const newItem = (name: string, batch: number): ImageItem => {
    const seq = ++rt.seq;
    return {
      id: `img-${seq}`,
      seq,
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
      const batch = rt.nextBatch();
      const fresh = files.map((f) => newItem(f.name || 'image', batch));
      set((s) => ({ items: [...s.items, ...fresh] }));
      return rt.track(
        (async () => {
          let selected = false;
          // One at a time: a batch of large photos decoded at once would hold all their pixels together.
          for (let i = 0; i < files.length; i++) {
            const { id, name } = fresh[i];
            try {
              const image = await rt.services.decode(files[i].blob, name);
              if (!exists(id)) {
                rt.services.release?.(image);
                continue;
              }
              rt.patchItem(id, { image, status: 'queued' });
              if (!selected) {
                selected = true;
                set({ selectedId: id });
              }
              rt.pump();
            } catch (e) {
              const message = withName(name, describeFailure(e).message);
              if (exists(id)) rt.patchItem(id, { status: 'error', error: message });
              rt.pushError(message, batch);
            }
          }
        })(),
      );
    },

    addSample: (file) =>
      rt.track(
        (async () => {
          let blob: Blob;
          try {
            blob = await rt.services.fetchBlob(resolveUrl(rt.services.baseUrl, file));
          } catch (e) {
            rt.pushError(`${file}: the sample could not be loaded (${describeFailure(e).message}).`);
            return;
          }
          await get().addFiles([{ blob, name: baseName(file) }]);
        })(),
      ),

    select: (id) => {
      if (id !== null && !exists(id)) return;
      set({ selectedId: id });
      if (id !== null) rt.scoreItemNow(id);
    },

    moveSelection: (delta) => {
      const sorted = selectSortedItems(get());
      if (sorted.length === 0) return;
      const i = sorted.findIndex((it) => it.id === get().selectedId);
      const j = i < 0 ? (delta > 0 ? 0 : sorted.length - 1) : Math.max(0, Math.min(sorted.length - 1, i + Math.sign(delta)));
      get().select(sorted[j].id);
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

    openFiles: async (files) => {
      const bundle = files.filter((f) => isBundleFileName(f.name));
      const images = files.filter((f) => !isBundleFileName(f.name));
      await Promise.all([bundle.length > 0 ? get().importBundle(bundle) : null, images.length > 0 ? get().addFiles(images) : null]);
    },
  };
};

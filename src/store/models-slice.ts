import {
  describeFailure,
  libraryEntry,
  MODEL_INDEX_PATH,
  parseModelIndex,
  parseSampleIndex,
  resolveUrl,
  SAMPLE_INDEX_PATH,
  viewDefaultsFromMeta,
} from './logic';
import type { SliceCreator } from './runtime';
import type { ModelsSlice } from './state';
import type { FileInput } from './state';
import type { BundleFileMessage } from '../worker/protocol';
import type { ImageItem, LibraryModelInfo, ModelEntry } from './types';

function isNotFound(e: unknown): boolean {
  return (e as { name?: unknown } | null)?.name === 'NotFoundError';
}

/** An image whose maps came from the previous model goes back to the queue (decode failures stay). */
export function requeue(item: ImageItem): ImageItem {
  if (!item.image || item.status === 'decoding') return item;
  return {
    ...item,
    status: 'queued',
    maps: null,
    smoother: null,
    modelId: null,
    timings: null,
    score: null,
    scoreKey: null,
    error: null,
    retries: 0,
  };
}

/** "Import failed: …" / "Saving failed: …" with the worker's message; storage problems say so first. */
function failureText(what: string, e: unknown): string {
  const f = describeFailure(e);
  if (f.kind === 'storage') return `${what} failed — browser storage: ${f.message}`;
  if (f.kind === 'out-of-memory') return `${what} failed — out of memory: ${f.message}`;
  return `${what} failed: ${f.message}`;
}

export const createModelsSlice: SliceCreator<ModelsSlice> = (set, get, rt) => {
  let listSeq = 0;

  /** Runs a library action with libraryBusy set; failures go to the error banner and give null. */
  const libraryAction = <T>(what: string, fn: () => Promise<T>): Promise<T | null> =>
    rt.track(
      (async () => {
        set({ libraryBusy: true, libraryNotice: null });
        try {
          return await fn();
        } catch (e) {
          rt.pushError(failureText(what, e));
          return null;
        } finally {
          set({ libraryBusy: false });
        }
      })(),
    );

  /**
   * The picker's user entries follow the listing: listed models in its order (newest first), the active
   * model kept as an unsaved entry when it is no longer listed (deleted while loaded).
   */
  const syncUserEntries = (listing: readonly LibraryModelInfo[]) => {
    const s = get();
    const listed = new Set(listing.map((m) => m.id));
    const kept: ModelEntry[] = [];
    for (const m of s.models) {
      if (m.origin !== 'user') kept.push(m);
      else if (listed.has(m.id)) continue;
      else if (m.id === s.activeModelId) kept.push(m.unsaved ? m : { ...m, unsaved: true });
    }
    // Oldest first, so a model fine-tuned from another library model finds its base's gallery path.
    const entries: ModelEntry[] = [];
    for (const info of [...listing].reverse()) entries.unshift(libraryEntry(info, [...kept, ...entries]));
    set({ models: kept });
    get().addModels(entries);
  };

  return {
    models: [],
    modelsStatus: 'idle',
    modelsError: null,
    samples: [],
    samplesStatus: 'idle',
    samplesError: null,
    activeModelId: null,
    modelStatus: 'none',
    modelError: null,
    meta: null,
    modelInfo: null,
    library: [],
    libraryStatus: 'idle',
    libraryError: null,
    libraryStorage: null,
    libraryUnreadable: [],
    libraryNotice: null,
    libraryBusy: false,

    loadModelIndex: () =>
      rt.track(
        (async () => {
          set({ modelsStatus: 'loading', modelsError: null });
          try {
            const json = await rt.services.fetchJson(resolveUrl(rt.services.baseUrl, MODEL_INDEX_PATH));
            const entries = parseModelIndex(json, rt.services.baseUrl);
            if (entries.length === 0) throw new Error(`No trained models found: ${MODEL_INDEX_PATH} lists none.`);
            get().addModels(entries);
            set({ modelsStatus: 'ready' });
          } catch (e) {
            const message = isNotFound(e)
              ? `No trained models found: ${MODEL_INDEX_PATH} not found.`
              : `Could not read the model list: ${describeFailure(e).message}`;
            set({ modelsStatus: 'error', modelsError: message });
            rt.pushError(message);
          }
        })(),
      ),

    loadSampleIndex: () =>
      rt.track(
        (async () => {
          set({ samplesStatus: 'loading', samplesError: null });
          try {
            const json = await rt.services.fetchJson(resolveUrl(rt.services.baseUrl, SAMPLE_INDEX_PATH));
            set({ samples: parseSampleIndex(json), samplesStatus: 'ready' });
          } catch (e) {
            // Not an error banner: the app works without samples (drop your own images).
            const message = isNotFound(e)
              ? `No sample images: ${SAMPLE_INDEX_PATH} not found.`
              : `Could not read the sample list: ${describeFailure(e).message}`;
            set({ samplesStatus: 'error', samplesError: message });
          }
        })(),
      ),

    addModels: (entries) =>
      set((s) => {
        const byId = new Map(entries.map((e) => [e.id, e]));
        const kept = s.models.map((m) => byId.get(m.id) ?? m);
        const known = new Set(s.models.map((m) => m.id));
        const all = [...kept, ...entries.filter((e) => !known.has(e.id))];
        // Shipped models stay first whatever arrives first (the index or the library listing).
        return { models: [...all.filter((m) => m.origin === 'shipped'), ...all.filter((m) => m.origin !== 'shipped')] };
      }),

    selectModel: (id) =>
      rt.track(
        (async () => {
          const entry = get().models.find((m) => m.id === id);
          if (!entry) {
            rt.pushError(`Unknown model "${id}".`);
            return;
          }
          if (get().trainStatus === 'running') {
            rt.pushError('A training run is going on: cancel it (or let it finish) before choosing another model.');
            return;
          }
          const previous = get().activeModelId;
          if (entry.unsaved) {
            if (id !== previous) rt.pushError(`"${entry.title}" was not saved and is no longer loaded.`);
            return;
          }
          // An unsaved trained model lives only in the worker, which replaces it now: its entry goes.
          set((s) => ({ models: s.models.filter((m) => !(m.unsaved && m.id !== id)) }));
          const gen = ++rt.modelGeneration;
          const batch = rt.nextBatch();
          rt.rescoreJob++;
          set((s) => ({
            activeModelId: id,
            modelStatus: 'loading',
            modelError: null,
            meta: null,
            modelInfo: null,
            items: s.items.map(requeue),
          }));
          await rt.engineReady;
          if (gen !== rt.modelGeneration) return;
          if (get().engineStatus === 'error') {
            const message = `Model "${entry.title}" cannot be loaded: no inference backend is running.`;
            set({ modelStatus: 'error', modelError: message });
            return;
          }
          try {
            const info = await rt.services.client.loadModel(entry.id, entry.source, rt.teacherRoot);
            if (gen !== rt.modelGeneration) return;
            set({ modelStatus: 'ready', meta: info.meta, modelInfo: info, ...viewDefaultsFromMeta(info.meta) });
            rt.clearErrorsBefore(batch);
            rt.pump();
          } catch (e) {
            if (gen !== rt.modelGeneration) return;
            const message = `Model "${entry.title}" could not be loaded: ${describeFailure(e).message}`;
            set({ modelStatus: 'error', modelError: message });
            rt.pushError(message, batch);
          }
        })(),
      ),

    refreshLibrary: () =>
      rt.track(
        (async () => {
          const seq = ++listSeq;
          set((s) => ({ libraryStatus: s.libraryStatus === 'ready' ? 'ready' : 'loading' }));
          try {
            const listing = await rt.services.client.listModels();
            if (seq !== listSeq) return;
            set({ library: listing.models, libraryStatus: 'ready', libraryError: null, libraryStorage: listing.storage, libraryUnreadable: listing.unreadable });
            syncUserEntries(listing.models);
          } catch (e) {
            if (seq !== listSeq) return;
            const f = describeFailure(e);
            set({ libraryStatus: 'error', libraryError: `Your saved models could not be listed: ${f.message}` });
          }
        })(),
      ),

    renameLibraryModel: async (id, name) => {
      const trimmed = name.trim();
      if (!trimmed) {
        rt.pushError('A model needs a name.');
        return false;
      }
      const info = await libraryAction('Renaming', () => rt.services.client.renameModel(id, trimmed));
      if (!info) return false;
      if (get().activeModelId === id) set((s) => ({ modelInfo: s.modelInfo ? { ...s.modelInfo, name: info.name } : s.modelInfo }));
      await get().refreshLibrary();
      set({ libraryNotice: `Renamed to "${info.name}".` });
      return true;
    },

    deleteLibraryModel: async (id) => {
      const name = get().library.find((m) => m.id === id)?.name ?? id;
      const ok = await libraryAction('Deleting', async () => {
        await rt.services.client.deleteModel(id);
        return true;
      });
      if (!ok) return false;
      // The worker keeps a deleted active model loaded, in memory only.
      if (get().activeModelId === id) {
        set((s) => ({
          models: s.models.map((m) => (m.id === id ? { ...m, unsaved: true } : m)),
          modelInfo: s.modelInfo ? { ...s.modelInfo, origin: 'memory' } : s.modelInfo,
        }));
      }
      await get().refreshLibrary();
      set({ libraryNotice: `Deleted "${name}".` });
      return true;
    },

    saveActiveModel: async (name) => {
      const trimmed = name.trim();
      if (!trimmed) {
        rt.pushError('A model needs a name to be saved.');
        return null;
      }
      const oldId = get().activeModelId;
      await rt.requestPersistenceOnce();
      const info = await libraryAction(`Saving "${trimmed}"`, () => rt.services.client.saveTrained(trimmed));
      if (!info) return null;
      // Same weights, now in the library: the active model takes the library id, nothing is re-run.
      set((s) => ({
        activeModelId: s.activeModelId === oldId ? info.id : s.activeModelId,
        modelInfo: s.modelInfo && s.activeModelId === oldId ? { ...s.modelInfo, id: info.id, origin: 'library', name: info.name } : s.modelInfo,
        models: s.models.filter((m) => m.id !== oldId),
        items: s.items.map((i) => (i.modelId === oldId ? { ...i, modelId: info.id } : i)),
        trainOutcome: s.trainOutcome && s.trainOutcome.model?.id === oldId ? { ...s.trainOutcome, saved: info, saveError: null } : s.trainOutcome,
      }));
      get().addModels([libraryEntry(info, get().models)]);
      await get().refreshLibrary();
      set({ libraryNotice: `Saved "${info.name}" to your models.` });
      return info;
    },

    exportModel: async (target = { kind: 'active' }) => {
      const res = await libraryAction('Export', () => rt.services.client.exportModel(target));
      if (!res) return false;
      if (!rt.services.saveFile) {
        rt.pushError('Export failed: this page cannot save files.');
        return false;
      }
      rt.services.saveFile(res.fileName, res.bytes, 'application/zip');
      set({ libraryNotice: `Exported ${res.fileName}.` });
      return true;
    },

    importBundle: async (files, name) => {
      if (files.length === 0) return null;
      await rt.requestPersistenceOnce();
      const label = files.map((f) => f.name).join(', ');
      const info = await libraryAction(`Import of ${label}`, async () => {
        const read: BundleFileMessage[] = await Promise.all(
          files.map(async (f: FileInput) => ({ name: f.name, bytes: new Uint8Array(await f.blob.arrayBuffer()) })),
        );
        return rt.services.client.importBundle(read, rt.teacherRoot, name);
      });
      if (!info) return null;
      await get().refreshLibrary();
      set({ libraryNotice: `Imported "${info.name}": choose it under "Your models" in the model list.` });
      return info;
    },
  };
};

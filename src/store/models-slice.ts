/**
 * Which models and sample images there are (the two index files, plus the library's entries) and which
 * model is active. activateModel is the one way a model becomes active — chosen in the picker (loaded by
 * the worker first) or handed over by a finished training run — and every listed image is re-run with it.
 */
import { describeFailure } from './failures';
import { MODEL_INDEX_PATH, parseModelIndex, parseSampleIndex, resolveUrl, SAMPLE_INDEX_PATH } from './indices';
import type { SliceCreator } from './runtime';
import type { InspectorState } from './state';
import type { ImageItem, LoadedModelInfo, LoadStatus, ModelEntry, ModelMeta, ModelStatus, SampleCategory } from './types';
import { viewDefaultsFromMeta } from './viewer-slice';

export interface ModelsSlice {
  /** All selectable models: shipped ones from the index first, then any appended with addModels. */
  models: ModelEntry[];
  modelsStatus: LoadStatus;
  modelsError: string | null;
  samples: SampleCategory[];
  samplesStatus: LoadStatus;
  samplesError: string | null;
  activeModelId: string | null;
  modelStatus: ModelStatus;
  modelError: string | null;
  /** meta.json of the loaded model (null while loading or when none is loaded). */
  meta: ModelMeta | null;
  modelInfo: LoadedModelInfo | null;

  loadModelIndex(): Promise<void>;
  loadSampleIndex(): Promise<void>;
  /** Appends models from another source (entries with an id already listed replace that entry). */
  addModels(entries: ModelEntry[]): void;
  /**
   * Loads a model in the worker. Every listed image that has pixels is queued again and re-run with the
   * new model when it is ready: scores of different models are not comparable, so none are kept.
   * Refused (error banner) while a training run is going on.
   */
  selectModel(id: string): Promise<void>;
  /**
   * Makes a model the worker already holds the active one (a training run's result): like a finished
   * selectModel — map defaults and threshold from its meta, every listed image re-run — without a load.
   */
  adoptModel(info: LoadedModelInfo): void;
}

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
    mapMedian: null,
    error: null,
    retries: 0,
  };
}

/** The state of a ready model: its meta, and the viewer's defaults from it. */
function readyFields(info: LoadedModelInfo): Partial<InspectorState> {
  return { modelStatus: 'ready', meta: info.meta, modelInfo: info, ...viewDefaultsFromMeta(info.meta) };
}

export const createModelsSlice: SliceCreator<ModelsSlice> = (set, get, rt) => {
  /**
   * Makes `id` the active model: results still in flight for the previous one are dropped, the
   * background re-scoring stops and every listed image is queued again. With `info` (the worker holds
   * the model already) it is ready at once; without, it is 'loading' until `ready` is called.
   */
  const activateModel = (id: string, info: LoadedModelInfo | null) => {
    const gen = rt.queue.nextModel();
    const batch = rt.errors.nextBatch();
    rt.scoring.stop();
    const pending: Partial<InspectorState> = { modelStatus: 'loading', meta: null, modelInfo: null };
    set((s) => ({ activeModelId: id, modelError: null, ...(info ? readyFields(info) : pending), items: s.items.map(requeue) }));
    const ready = (loaded: LoadedModelInfo | null) => {
      if (loaded) set(readyFields(loaded));
      rt.errors.clearBefore(batch);
      rt.queue.pump();
    };
    if (info) ready(null);
    return { gen, batch, ready };
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
            rt.errors.push(message);
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
            rt.errors.push(`Unknown model "${id}".`);
            return;
          }
          if (get().trainStatus === 'running') {
            rt.errors.push('A training run is going on: cancel it (or let it finish) before choosing another model.');
            return;
          }
          const previous = get().activeModelId;
          if (entry.unsaved) {
            if (id !== previous) rt.errors.push(`"${entry.title}" was not saved and is no longer loaded.`);
            return;
          }
          // An unsaved trained model lives only in the worker, which replaces it now: its entry goes.
          set((s) => ({ models: s.models.filter((m) => !(m.unsaved && m.id !== id)) }));
          const { gen, batch, ready } = activateModel(id, null);
          await rt.engine.whenReady();
          if (!rt.queue.isCurrentModel(gen)) return;
          if (get().engineStatus === 'error') {
            const message = `Model "${entry.title}" cannot be loaded: no inference backend is running.`;
            set({ modelStatus: 'error', modelError: message });
            return;
          }
          try {
            const info = await rt.services.client.loadModel(entry.id, entry.source, rt.teacherRoot);
            if (!rt.queue.isCurrentModel(gen)) return;
            ready(info);
          } catch (e) {
            if (!rt.queue.isCurrentModel(gen)) return;
            const message = `Model "${entry.title}" could not be loaded: ${describeFailure(e).message}`;
            set({ modelStatus: 'error', modelError: message });
            rt.errors.push(message, batch);
          }
        })(),
      ),

    adoptModel: (info) => {
      activateModel(info.id, info);
    },
  };
};

import {
  defaultThreshold,
  describeFailure,
  MODEL_INDEX_PATH,
  parseModelIndex,
  parseSampleIndex,
  resolveUrl,
  SAMPLE_INDEX_PATH,
  scalesFromMeta,
  sigmaFromMeta,
} from './logic';
import type { SliceCreator } from './runtime';
import type { ModelsSlice } from './state';
import type { ImageItem } from './types';

function isNotFound(e: unknown): boolean {
  return (e as { name?: unknown } | null)?.name === 'NotFoundError';
}

/** An image whose maps came from the previous model goes back to the queue (decode failures stay). */
function requeue(item: ImageItem): ImageItem {
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

export const createModelsSlice: SliceCreator<ModelsSlice> = (set, get, rt) => ({
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
      return { models: [...kept, ...entries.filter((e) => !known.has(e.id))] };
    }),

  selectModel: (id) =>
    rt.track(
      (async () => {
        const entry = get().models.find((m) => m.id === id);
        if (!entry) {
          rt.pushError(`Unknown model "${id}".`);
          return;
        }
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
          const meta = info.meta;
          const { threshold, calibrated } = defaultThreshold(meta);
          set({
            modelStatus: 'ready',
            meta,
            modelInfo: info,
            scales: scalesFromMeta(meta),
            sigma: sigmaFromMeta(meta),
            threshold,
            thresholdSource: calibrated ? 'calibration' : 'fallback',
          });
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
});

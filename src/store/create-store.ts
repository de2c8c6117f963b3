/**
 * The inspector store: a vanilla zustand store (usable in Node) built from four slices around a runtime
 * that holds the injected services — the worker client is never part of the state.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { MapSmoother } from '../data/map-render';
import { createEngineSlice } from './engine-slice';
import { createImagesSlice } from './images-slice';
import { describeFailure, fusionOf, resolveUrl, scoreKey, TEACHER_ROOT_PATH, viewDefaultsFromMeta, withName } from './logic';
import { createModelsSlice, requeue } from './models-slice';
import type { GetState, Runtime, SetState } from './runtime';
import type { StoreServices } from './services';
import type { InspectorState } from './state';
import { createTrainingSlice } from './training-slice';
import type { ImageItem } from './types';
import { createViewerSlice } from './viewer-slice';
import type { PixelsMessage } from '../worker/protocol';

export type InspectorStore = StoreApi<InspectorState>;

/** Background re-scoring works in slices of about this many ms, then lets the UI paint. */
const RESCORE_SLICE_MS = 24;
/** At most this many distinct messages are kept in the error banner (oldest dropped). */
const MAX_ERRORS = 8;

function defaultNow(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

function defaultYield(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}

/** The worker client transfers (detaches) the buffer it is given: keep the original for a re-run. */
function copyPixels(p: PixelsMessage): PixelsMessage {
  return { width: p.width, height: p.height, rgba: new Uint8ClampedArray(p.rgba) };
}

function createRuntime(services: StoreServices, set: SetState, get: GetState): Runtime {
  let persistence: Promise<void> | null = null;
  const rt: Runtime = {
    services,
    teacherRoot: resolveUrl(services.baseUrl, TEACHER_ROOT_PATH),
    seq: 0,
    batch: 0,
    errorSeq: 0,
    modelGeneration: 0,
    rescoreJob: 0,
    pumping: false,
    startPromise: null,
    engineReady: Promise.resolve(),
    unsubscribe: null,
    pending: new Set(),
    now: services.now ?? defaultNow,
    yieldToUi: services.yieldToUi ?? defaultYield,
    trainRun: 0,

    requestPersistenceOnce() {
      persistence ??= (async () => {
        try {
          await services.requestPersistence?.();
        } catch {
          // Only a request: the browser may refuse it; saving works without it.
        }
      })();
      return persistence;
    },

    adoptModel(info) {
      rt.modelGeneration++;
      rt.rescoreJob++;
      const batch = rt.nextBatch();
      const meta = info.meta;
      set((s) => ({
        activeModelId: info.id,
        modelStatus: 'ready',
        modelError: null,
        meta,
        modelInfo: info,
        ...viewDefaultsFromMeta(meta),
        items: s.items.map(requeue),
      }));
      rt.clearErrorsBefore(batch);
      rt.pump();
    },

    track(p) {
      rt.pending.add(p);
      const done = () => rt.pending.delete(p);
      p.then(done, done);
      return p;
    },

    nextBatch: () => ++rt.batch,

    patchItem(id, patch) {
      set((s) => ({ items: s.items.map((i) => (i.id === id ? { ...i, ...patch } : i)) }));
    },

    pushError(message, batch = rt.batch) {
      set((s) => {
        if (s.errors.some((e) => e.message === message)) return {};
        const errors = [...s.errors, { id: ++rt.errorSeq, message, batch }];
        return { errors: errors.slice(-MAX_ERRORS) };
      });
    },

    clearErrorsBefore(batch) {
      if (get().errors.some((e) => e.batch < batch)) set((s) => ({ errors: s.errors.filter((e) => e.batch >= batch) }));
    },

    pump() {
      if (rt.pumping) return;
      rt.pumping = true;
      rt.track(
        runQueue().catch((e: unknown) => {
          rt.pumping = false;
          rt.pushError(`Inference queue stopped: ${describeFailure(e).message}`);
        }),
      );
    },

    scoreItemNow(id) {
      const s = get();
      const item = s.items.find((i) => i.id === id);
      const fusion = fusionOf(s.meta);
      const key = scoreKey(s.scales, s.sigma, fusion);
      if (!item || !item.smoother || item.scoreKey === key) return;
      rt.patchItem(id, scoreFields(item.smoother, s));
    },

    rescore() {
      const job = ++rt.rescoreJob;
      const sel = get().selectedId;
      if (sel !== null) rt.scoreItemNow(sel);
      rt.track(
        (async () => {
          // The first yield also coalesces a burst of changes (a dragged σ slider): only the last job runs.
          await rt.yieldToUi();
          while (job === rt.rescoreJob) {
            const s = get();
            const fusion = fusionOf(s.meta);
            const key = scoreKey(s.scales, s.sigma, fusion);
            const todo = s.items.filter((i) => i.smoother && i.scoreKey !== key);
            if (todo.length === 0) return;
            const t0 = rt.now();
            const updates = new Map<string, Partial<ImageItem>>();
            for (const item of todo) {
              updates.set(item.id, scoreFields(item.smoother!, s));
              if (rt.now() - t0 > RESCORE_SLICE_MS) break;
            }
            set((st) => ({ items: st.items.map((i) => (updates.has(i.id) && i.smoother ? { ...i, ...updates.get(i.id) } : i)) }));
            await rt.yieldToUi();
          }
        })(),
      );
    },
  };

  /** An item's image score under the current σ / scales, its cache key, and what the smoothing cost (the viewer reports it). */
  function scoreFields(smoother: MapSmoother, s: Pick<InspectorState, 'scales' | 'sigma' | 'meta'>): Pick<ImageItem, 'score' | 'scoreKey' | 'smoothMs'> {
    const fusion = fusionOf(s.meta);
    const t0 = rt.now();
    const sm = smoother.smooth(s.scales, s.sigma, fusion);
    return { score: sm.score, scoreKey: scoreKey(s.scales, s.sigma, fusion), smoothMs: rt.now() - t0 };
  }

  /**
   * The single inference queue: oldest queued image first, one request in flight at a time. `pumping` is
   * cleared in the same synchronous step as the check that found nothing to do, so an image queued right
   * after cannot be missed.
   */
  async function runQueue(): Promise<void> {
    for (;;) {
      const s = get();
      const item = s.modelStatus === 'ready' && s.activeModelId !== null ? s.items.find((i) => i.status === 'queued' && i.image) : undefined;
      if (!item || !item.image || s.activeModelId === null) {
        rt.pumping = false;
        return;
      }
      const gen = rt.modelGeneration;
      const modelId = s.activeModelId;
      rt.patchItem(item.id, { status: 'running' });
      try {
        const res = await services.client.infer(copyPixels(item.image.pixels));
        // A model switch re-queued every image: this result belongs to the previous model.
        if (gen !== rt.modelGeneration) continue;
        if (!get().items.some((i) => i.id === item.id)) continue;
        const smoother = new MapSmoother(res.maps);
        rt.patchItem(item.id, {
          status: 'done',
          maps: res.maps,
          smoother,
          modelId,
          timings: res.timings,
          ...scoreFields(smoother, get()),
          error: null,
        });
        set((x) => ({
          lastTimings: res.timings,
          backend: x.backend && x.backend.backend !== res.backend ? { ...x.backend, backend: res.backend } : x.backend,
        }));
        rt.clearErrorsBefore(item.batch);
      } catch (e) {
        if (gen !== rt.modelGeneration) continue;
        if (!get().items.some((i) => i.id === item.id)) continue;
        const f = describeFailure(e);
        if (f.kind === 'backend' && item.retries < 1) {
          // The worker may have just switched backends (device lost): one more try on the new one.
          rt.patchItem(item.id, { status: 'queued', retries: item.retries + 1 });
          continue;
        }
        const reason = f.kind === 'out-of-memory' ? `out of memory — ${f.message}` : f.message;
        const message = withName(item.name, reason);
        rt.patchItem(item.id, { status: 'error', error: message });
        rt.pushError(message, item.batch);
      }
    }
  }

  return rt;
}

/** A fresh store around the given services (the app makes one; each test makes its own). */
export function createInspectorStore(services: StoreServices): InspectorStore {
  return createStore<InspectorState>()((set, get) => {
    const rt = createRuntime(services, set, get);
    return {
      ...createModelsSlice(set, get, rt),
      ...createImagesSlice(set, get, rt),
      ...createViewerSlice(set, get, rt),
      ...createEngineSlice(set, get, rt),
      ...createTrainingSlice(set, get, rt),
    };
  });
}

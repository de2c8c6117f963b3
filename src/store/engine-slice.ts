import { backendLabel, describeFailure } from './logic';
import type { SliceCreator } from './runtime';
import type { EngineSlice } from './state';

export const createEngineSlice: SliceCreator<EngineSlice> = (set, get, rt) => ({
  backend: null,
  engineStatus: 'idle',
  engineError: null,
  lastTimings: null,
  notes: [],
  errors: [],

  start: (opts = {}) => {
    if (rt.startPromise) return rt.startPromise;
    const { client } = rt.services;
    rt.unsubscribe = client.onEvent((e) => {
      if (e.type !== 'backend-changed') return;
      const note = `${e.reason} — switched to ${backendLabel(e.info.backend)}`;
      set((s) => ({ backend: e.info, notes: [...s.notes, note] }));
    });
    set({ engineStatus: 'starting', engineError: null });
    let resolveReady!: () => void;
    rt.engineReady = new Promise<void>((r) => (resolveReady = r));
    const init = (async () => {
      try {
        const info = await client.init(opts.preferredBackend);
        set({ backend: info, engineStatus: 'ready' });
      } catch (e) {
        const message = `No inference backend could start: ${describeFailure(e).message}`;
        set({ engineStatus: 'error', engineError: message });
        rt.pushError(message);
      } finally {
        resolveReady();
      }
    })();
    rt.startPromise = rt.track(
      (async () => {
        // The library is listed before the model is chosen: ?model= may name a saved model.
        await Promise.all([init, get().loadModelIndex(), get().loadSampleIndex(), get().refreshLibrary()]);
        const { models, engineStatus } = get();
        if (engineStatus !== 'ready' || models.length === 0) return;
        const first = models.find((m) => m.origin === 'shipped') ?? models[0];
        let id = first.id;
        if (opts.preferredModelId) {
          if (models.some((m) => m.id === opts.preferredModelId && !m.unsaved)) id = opts.preferredModelId;
          else set((s) => ({ notes: [...s.notes, `Model "${opts.preferredModelId}" is not in the model list; showing "${first.title}".`] }));
        }
        await get().selectModel(id);
      })(),
    );
    return rt.startPromise;
  },

  reportError: (message) => rt.pushError(message),
  dismissError: (id) => set((s) => ({ errors: s.errors.filter((e) => e.id !== id) })),
  dismissErrors: () => set({ errors: [] }),

  whenIdle: async () => {
    while (rt.pending.size > 0) await Promise.allSettled([...rt.pending]);
  },

  dispose: () => {
    rt.unsubscribe?.();
    rt.unsubscribe = null;
    rt.rescoreJob++;
    rt.modelGeneration++;
  },
});

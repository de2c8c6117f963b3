/**
 * The inference engine as the page sees it: start-up (backend, both indices, the library, the first
 * model), the backend badge and its fallback notes, the last timings, and idle / dispose.
 */
import { describeFailure } from './failures';
import type { SliceCreator } from './runtime';
import type { BackendInfo, BackendName, StageTimings } from './types';

export interface EngineSlice {
  backend: BackendInfo | null;
  engineStatus: 'idle' | 'starting' | 'ready' | 'error';
  engineError: string | null;
  /** Stage timings of the last finished inference. */
  lastTimings: StageTimings | null;
  /** Visible notes: backend fallbacks during the session, a ?model= that was not found. */
  notes: string[];

  /**
   * Starts everything once (later calls return the same promise): subscribes to worker events, inits the
   * backend, fetches both indices and loads the preferred (or first) model.
   */
  start(opts?: { preferredBackend?: BackendName; preferredModelId?: string }): Promise<void>;
  /** Resolves when no decode, inference, model load or re-scoring is in progress (tests, exports). */
  whenIdle(): Promise<void>;
  /** Unsubscribes from worker events (the store is unusable afterwards). */
  dispose(): void;
}

/** Model loads wait until the backend has started (or failed to). */
export interface EngineGate {
  /** Resolves when client.init has settled, ok or not (at once before start()). */
  whenReady(): Promise<void>;
  /** Called by start() only: whenReady waits until the returned function is called. */
  begin(): () => void;
}

export function createEngineGate(): EngineGate {
  let ready = Promise.resolve();
  return {
    whenReady: () => ready,
    begin() {
      let resolve!: () => void;
      ready = new Promise<void>((r) => (resolve = r));
      return resolve;
    },
  };
}

const BACKEND_LABELS: Record<string, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WebAssembly (wasm)', cpu: 'CPU' };

export function backendLabel(name: string): string {
  return BACKEND_LABELS[name] ?? name;
}

export const createEngineSlice: SliceCreator<EngineSlice> = (set, get, rt) => {
  let startPromise: Promise<void> | null = null;
  let unsubscribe: (() => void) | null = null;

  return {
    backend: null,
    engineStatus: 'idle',
    engineError: null,
    lastTimings: null,
    notes: [],

    start: (opts = {}) => {
      if (startPromise) return startPromise;
      const { client } = rt.services;
      unsubscribe = client.onEvent((e) => {
        if (e.type !== 'backend-changed') return;
        const note = `${e.reason} — switched to ${backendLabel(e.info.backend)}`;
        set((s) => ({ backend: e.info, notes: [...s.notes, note] }));
      });
      set({ engineStatus: 'starting', engineError: null });
      const resolveReady = rt.engine.begin();
      const init = (async () => {
        try {
          const cache = rt.services.backendChoiceCache;
          const info = await client.init(opts.preferredBackend, opts.preferredBackend ? null : (cache?.load() ?? null));
          // A fresh measurement is kept, so that the next visit starts at once on the same choice.
          if (info.choice?.how === 'measured') cache?.save(info.choice);
          set({ backend: info, engineStatus: 'ready' });
        } catch (e) {
          const message = `No inference backend could start: ${describeFailure(e).message}`;
          set({ engineStatus: 'error', engineError: message });
          rt.errors.push(message);
        } finally {
          resolveReady();
        }
      })();
      startPromise = rt.track(
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
      return startPromise;
    },

    whenIdle: () => rt.whenIdle(),

    dispose: () => {
      unsubscribe?.();
      unsubscribe = null;
      rt.scoring.stop();
      rt.queue.stop();
    },
  };
};

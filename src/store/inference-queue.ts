/**
 * The single inference queue: oldest queued image first, one request in flight at a time, while a model
 * is ready. It owns the model generation: activating a model starts a new one, and a result that comes
 * back under an older generation belongs to the previous model and is dropped.
 */
import { MapSmoother } from '../data/map-render';
import type { PixelsMessage } from '../worker/protocol';
import type { ErrorLog } from './errors-slice';
import { describeFailure, withName } from './failures';
import { patchItem } from './images-slice';
import type { GetState, SetState, TaskTracker } from './runtime';
import type { Scoring } from './scoring';
import type { InferenceService } from './services';
import type { ImageItem } from './types';
import { inferenceViews, modelView } from './viewer-slice';

/** A model generation, as returned by InferenceQueue.nextModel. */
export type ModelGeneration = number;

export interface InferenceQueue {
  /** Runs queued inferences one at a time while a model is ready. Safe to call any time. */
  pump(): void;
  /** Another model becomes active: results still in flight are dropped. Returns the new generation. */
  nextModel(): ModelGeneration;
  /** Whether no other model was activated since `gen` (a model load still belongs to the active model). */
  isCurrentModel(gen: ModelGeneration): boolean;
  /** Drops every result still in flight (the store is being disposed). */
  stop(): void;
}

interface QueueDeps extends Pick<TaskTracker, 'track'> {
  client: InferenceService;
  errors: ErrorLog;
  scoring: Scoring;
}

/** The worker client transfers (detaches) the buffer it is given: keep the original for a re-run. */
function copyPixels(p: PixelsMessage): PixelsMessage {
  return { width: p.width, height: p.height, rgba: new Uint8ClampedArray(p.rgba) };
}

export function createInferenceQueue(set: SetState, get: GetState, deps: QueueDeps): InferenceQueue {
  let generation = 0;
  let pumping = false;

  /**
   * `pumping` is cleared in the same synchronous step as the check that found nothing to do, so an image
   * queued right after cannot be missed.
   */
  async function runQueue(): Promise<void> {
    for (;;) {
      const s = get();
      const item = s.modelStatus === 'ready' && s.activeModelId !== null ? s.items.find((i) => i.status === 'queued' && i.image) : undefined;
      if (!item || !item.image || s.activeModelId === null) {
        pumping = false;
        return;
      }
      const gen = generation;
      const modelId = s.activeModelId;
      patchItem(set, item.id, { status: 'running' });
      try {
        // The worker smooths the current view and the model's own: on arrival this thread only draws.
        const views = inferenceViews(s);
        const res = await deps.client.infer(copyPixels(item.image.pixels), views);
        // A model switch re-queued every image: this result belongs to the previous model.
        if (gen !== generation) continue;
        if (!get().items.some((i) => i.id === item.id)) continue;
        const smoother = new MapSmoother(res.maps, { views, smoothed: res.smoothed });
        const done: Partial<ImageItem> = {
          mapMedian: smoother.smoothView(modelView(get().meta)).median,
          status: 'done',
          maps: res.maps,
          smoother,
          modelId,
          timings: res.timings,
          ...deps.scoring.fieldsFor(smoother, get()),
          error: null,
        };
        // One store update per result (item, header timings, backend).
        patchItem(set, item.id, done, (x) => ({
          lastTimings: res.timings,
          backend: x.backend && x.backend.backend !== res.backend ? { ...x.backend, backend: res.backend } : x.backend,
        }));
        deps.errors.clearBefore(item.batch);
      } catch (e) {
        if (gen !== generation) continue;
        if (!get().items.some((i) => i.id === item.id)) continue;
        const f = describeFailure(e);
        if (f.kind === 'backend' && item.retries < 1) {
          // The worker may have just switched backends (device lost): one more try on the new one.
          patchItem(set, item.id, { status: 'queued', retries: item.retries + 1 });
          continue;
        }
        const reason = f.kind === 'out-of-memory' ? `out of memory — ${f.message}` : f.message;
        const message = withName(item.name, reason);
        patchItem(set, item.id, { status: 'error', error: message });
        deps.errors.push(message, item.batch);
      }
    }
  }

  return {
    pump() {
      if (pumping) return;
      pumping = true;
      deps.track(
        runQueue().catch((e: unknown) => {
          pumping = false;
          deps.errors.push(`Inference queue stopped: ${describeFailure(e).message}`);
        }),
      );
    },
    nextModel: () => ++generation,
    isCurrentModel: (gen) => gen === generation,
    stop() {
      generation++;
    },
  };
}

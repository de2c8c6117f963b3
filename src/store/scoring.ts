/**
 * Image scores from the cached raw maps: an item's score under the current σ / scales (through its
 * MapSmoother, no network), and the background job that brings every listed image to new settings in
 * short slices so the UI keeps painting. Only the newest job runs: a new one (or stop()) ends the last.
 */
import type { MapSmoother } from '../data/map-render';
import { patchItem } from './images-slice';
import type { Clock, GetState, SetState, TaskTracker } from './runtime';
import type { InspectorState } from './state';
import type { ImageItem } from './types';
import { fusionOf, scoreKey } from './viewer-slice';

/** Background re-scoring works in slices of about this many ms, then lets the UI paint. */
const RESCORE_SLICE_MS = 24;

export type ScoreFields = Pick<ImageItem, 'score' | 'scoreKey' | 'smoothMs'>;

export interface Scoring {
  /** An item's image score under the current σ / scales, its cache key, and what the smoothing cost (the viewer reports it). */
  fieldsFor(smoother: MapSmoother, s: Pick<InspectorState, 'scales' | 'sigma' | 'meta'>): ScoreFields;
  /** Scores one item for the current settings now (MapSmoother caches make a repeat cheap). */
  scoreNow(id: string): void;
  /** Brings the scores of all finished images to the current σ / scales (selected one synchronously). */
  rescore(): void;
  /** Ends the running background job (its images are being re-run, or the store is disposed). */
  stop(): void;
}

export function createScoring(set: SetState, get: GetState, deps: Clock & Pick<TaskTracker, 'track'>): Scoring {
  let job = 0;

  const fieldsFor: Scoring['fieldsFor'] = (smoother, s) => {
    const fusion = fusionOf(s.meta);
    const t0 = deps.now();
    const sm = smoother.smooth(s.scales, s.sigma, fusion);
    return { score: sm.score, scoreKey: scoreKey(s.scales, s.sigma, fusion), smoothMs: deps.now() - t0 };
  };

  const scoreNow = (id: string) => {
    const s = get();
    const item = s.items.find((i) => i.id === id);
    const key = scoreKey(s.scales, s.sigma, fusionOf(s.meta));
    if (!item || !item.smoother || item.scoreKey === key) return;
    patchItem(set, id, fieldsFor(item.smoother, s));
  };

  return {
    fieldsFor,
    scoreNow,
    rescore() {
      const mine = ++job;
      const sel = get().selectedId;
      if (sel !== null) scoreNow(sel);
      deps.track(
        (async () => {
          // The first yield also coalesces a burst of changes (a dragged σ slider): only the last job runs.
          await deps.yieldToUi();
          while (mine === job) {
            const s = get();
            const key = scoreKey(s.scales, s.sigma, fusionOf(s.meta));
            const todo = s.items.filter((i) => i.smoother && i.scoreKey !== key);
            if (todo.length === 0) return;
            const t0 = deps.now();
            const updates = new Map<string, Partial<ImageItem>>();
            for (const item of todo) {
              updates.set(item.id, fieldsFor(item.smoother!, s));
              if (deps.now() - t0 > RESCORE_SLICE_MS) break;
            }
            set((st) => ({ items: st.items.map((i) => (updates.has(i.id) && i.smoother ? { ...i, ...updates.get(i.id) } : i)) }));
            await deps.yieldToUi();
          }
        })(),
      );
    },
    stop() {
      job++;
    },
  };
}

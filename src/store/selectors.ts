/**
 * Derived values. Selectors that build arrays are memoised on the identity of their inputs, so React
 * (useSyncExternalStore) gets the same reference until something relevant changes. Scores themselves are
 * computed by the store (per item, through its MapSmoother cache) — selectors only sort and compare.
 */
import { outsideNormalRange } from '../metrics/normal-calibration';
import { categoryForModel } from './indices';
import type { InspectorState } from './state';
import type { ImageItem, ModelEntry, SampleCategory, Verdict } from './types';
import { fusionOf, scoreKey } from './viewer-slice';

/** Remembers the last result for the last arguments (compared with ===). */
export function memoizeLast<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  let lastArgs: A | null = null;
  let last: R;
  return (...args: A) => {
    if (lastArgs && lastArgs.length === args.length && lastArgs.every((a, i) => a === args[i])) return last;
    last = fn(...args);
    lastArgs = args;
    return last;
  };
}

/** Key of the current map settings; an item whose scoreKey differs shows a score being refreshed. */
export function selectScoreKey(s: InspectorState): string {
  return scoreKey(s.scales, s.sigma, fusionOf(s.meta));
}

export function isPending(item: ImageItem): boolean {
  return item.status === 'decoding' || item.status === 'queued' || item.status === 'running' || (item.status === 'done' && item.score === null);
}

/** The decision rule: a score above the threshold is an anomaly. */
export function scoreVerdict(score: number, threshold: number): 'anomaly' | 'ok' {
  return score > threshold ? 'anomaly' : 'ok';
}

/**
 * The image is far outside the active model's calibrated normal range — another product than the one the
 * model knows (outsideNormalRange: the map's median above the calibrated threshold). False for an
 * uncalibrated model and for maps of another model.
 */
export function isNotYourProduct(item: ImageItem | null, s: Pick<InspectorState, 'meta' | 'activeModelId'>): boolean {
  const threshold = s.meta?.calibration?.threshold;
  if (!item || item.mapMedian === null || threshold === undefined || item.modelId !== s.activeModelId) return false;
  return outsideNormalRange(item.mapMedian, threshold);
}

/** Verdict of one image: anomaly when its score is above the threshold. */
export function verdictOf(item: ImageItem, threshold: number): Verdict {
  if (item.status === 'error') return 'error';
  if (isPending(item) || item.score === null) return 'pending';
  return scoreVerdict(item.score, threshold);
}

function rank(item: ImageItem): number {
  if (item.status === 'error') return 2;
  return isPending(item) ? 1 : 0;
}

/** Scored images by score descending, then pending ones, then failed ones; ties keep insertion order. */
export function sortItems(items: readonly ImageItem[]): ImageItem[] {
  return [...items].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    if (ra !== rb) return ra - rb;
    if (ra === 0 && a.score !== b.score) return (b.score as number) - (a.score as number);
    return a.seq - b.seq;
  });
}

const sortedMemo = memoizeLast(sortItems);
export function selectSortedItems(s: InspectorState): ImageItem[] {
  return sortedMemo(s.items);
}

export interface ListRow {
  item: ImageItem;
  verdict: Verdict;
  /** The score was computed for other σ / scales and is being refreshed. */
  stale: boolean;
}

/**
 * Rows keep their identity while their item, verdict and staleness stay the same: one image's result
 * during a large batch then re-renders one row of the list, not all of them (the list's rows are memoised
 * on it). Keyed by the item object, which every change to an image replaces.
 */
const rowCache = new WeakMap<ImageItem, ListRow>();

function rowOf(item: ImageItem, threshold: number, key: string): ListRow {
  const verdict = verdictOf(item, threshold);
  const stale = item.status === 'done' && item.scoreKey !== null && item.scoreKey !== key;
  const cached = rowCache.get(item);
  if (cached && cached.verdict === verdict && cached.stale === stale) return cached;
  const row: ListRow = { item, verdict, stale };
  rowCache.set(item, row);
  return row;
}

const rowsMemo = memoizeLast((sorted: ImageItem[], threshold: number, key: string): ListRow[] => sorted.map((item) => rowOf(item, threshold, key)));

/** The image list as displayed: sorted, with verdicts for the current threshold. */
export function selectListRows(s: InspectorState): ListRow[] {
  return rowsMemo(selectSortedItems(s), s.threshold, selectScoreKey(s));
}

export function selectSelectedItem(s: InspectorState): ImageItem | null {
  if (s.selectedId === null) return null;
  return s.items.find((i) => i.id === s.selectedId) ?? null;
}

export function selectActiveModel(s: InspectorState): ModelEntry | undefined {
  return s.models.find((m) => m.id === s.activeModelId);
}

const galleryMemo = memoizeLast((samples: SampleCategory[], model: ModelEntry | undefined) => categoryForModel(samples, model));

/** The sample category of the active model (null when there is none). */
export function selectGalleryCategory(s: InspectorState): SampleCategory | null {
  return galleryMemo(s.samples, selectActiveModel(s));
}

const countsMemo = memoizeLast((rows: ListRow[]) => {
  const c = { ok: 0, anomaly: 0, pending: 0, error: 0 };
  for (const r of rows) c[r.verdict]++;
  return c;
});

export function selectVerdictCounts(s: InspectorState): Record<Verdict, number> {
  return countsMemo(selectListRows(s));
}

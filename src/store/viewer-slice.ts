/**
 * How the selected image and its map are shown: scales, σ, opacity, colormap, mode, zoom and the decision
 * threshold, and the defaults a model's meta.json gives them. σ and scale changes re-score the listed
 * images from their cached maps (scoring.ts); the threshold only changes derived verdicts.
 */
import { COLORMAP_NAMES } from '../data/colormap';
import { mapViewKey, type MapView } from '../data/map-render';
import { FUSIONS, type Fusion } from '../engine/fusion';
import type { SliceCreator } from './runtime';
import type { ColormapName, ModelMeta, ScaleSelection, ThresholdSource, ViewMode, ZoomMode } from './types';

export const SIGMA_MIN = 0;
export const SIGMA_MAX = 8;
export const SIGMA_STEP = 0.25;
export const ALL_SCALES: ScaleSelection = [true, true, true];
/** Smallest threshold: scores are 1 − cosine sums, never negative, so a negative threshold flags every image. */
export const THRESHOLD_MIN = 0;
/** Why unticking the last scale is refused (shown by the controls, whichever way the toggle came). */
export const LAST_SCALE_NOTICE = 'At least one scale stays on: the map is fused from the selected scales, and an empty selection has no map.';

/** A user-facing reason why `value` (a typed threshold; null when the field is empty) cannot be used, or null. */
export function checkThreshold(value: number | null): string | null {
  if (value === null) return 'Enter a threshold (a number of 0 or more).';
  if (!Number.isFinite(value)) return 'The threshold must be a number.';
  if (value < THRESHOLD_MIN) return `The threshold cannot be below ${THRESHOLD_MIN}: every image would be an anomaly.`;
  return null;
}

export interface ViewerSlice {
  scales: ScaleSelection;
  sigma: number;
  /** Heatmap opacity in overlay mode, 0..1. */
  opacity: number;
  colormap: ColormapName;
  mode: ViewMode;
  zoom: ZoomMode;
  threshold: number;
  thresholdSource: ThresholdSource;
  /** Set when a scale toggle was refused (it would turn off the last scale); cleared by the next accepted one. */
  scaleNotice: string | null;

  /** Returns false (and changes nothing but scaleNotice) when it would turn off the last scale. */
  toggleScale(k: number): boolean;
  setScales(sel: readonly boolean[]): boolean;
  setSigma(sigma: number): void;
  nudgeSigma(delta: number): void;
  setOpacity(opacity: number): void;
  setColormap(name: ColormapName): void;
  setMode(mode: ViewMode): void;
  toggleMode(): void;
  setZoom(zoom: ZoomMode): void;
  toggleZoom(): void;
  /**
   * Applies a threshold that passes checkThreshold and returns null; otherwise changes nothing and returns
   * the reason. Verdicts of all images follow at once (they are derived).
   */
  setThreshold(threshold: number | null): string | null;
  /** Back to the model's calibrated (or fallback) threshold. */
  resetThreshold(): void;
}

/** Clamps σ to the slider's range and snaps it to its 0.25 grid. */
export function clampSigma(sigma: number): number {
  if (!Number.isFinite(sigma)) return SIGMA_MIN;
  const snapped = Math.round(sigma / SIGMA_STEP) * SIGMA_STEP;
  return Math.min(SIGMA_MAX, Math.max(SIGMA_MIN, snapped));
}

/** meta.map.scales (1-based; absent = all three) as on/off flags. An empty or invalid list means all. */
export function scalesFromMeta(meta: ModelMeta | null): ScaleSelection {
  const list = meta?.map.scales;
  if (!list || list.length === 0) return ALL_SCALES;
  const sel: [boolean, boolean, boolean] = [false, false, false];
  for (const s of list) if (s >= 1 && s <= 3 && Number.isInteger(s)) sel[s - 1] = true;
  return sel.some(Boolean) ? sel : ALL_SCALES;
}

export function sigmaFromMeta(meta: ModelMeta | null): number {
  const s = meta?.map.sigma;
  return typeof s === 'number' && Number.isFinite(s) ? clampSigma(s) : 4;
}

/**
 * The model's fusion ('sum' while no model is loaded). The worker validated meta.json, so an unknown
 * mode here is a bug: it throws rather than render a map the worker would fuse differently.
 */
export function fusionOf(meta: ModelMeta | null): Fusion {
  if (!meta) return 'sum';
  const fusion = meta.map.fusion;
  if (!FUSIONS.includes(fusion)) throw new Error(`meta.json: unknown map fusion "${String(fusion)}" (known: ${FUSIONS.join(', ')})`);
  return fusion;
}

/**
 * The decision threshold a model starts with: its calibration (the rule in meta.json's calibration.rule,
 * src/metrics/normal-calibration.ts for the CLI's and the browser's models) when meta.json has one. Without calibration there is no principled value; the calibrated
 * thresholds of this project's trained runs lie at 0.17–0.28 per fused scale (bottle 0.34 for M2+M3,
 * cookies 0.70–0.83 for M1+M2+M3), so 0.3 per fused scale (0.3^n for product fusion) is a deliberately
 * loose start, which the UI labels "uncalibrated".
 */
export function defaultThreshold(meta: ModelMeta | null): { threshold: number; calibrated: boolean } {
  const cal = meta?.calibration?.threshold;
  if (typeof cal === 'number' && Number.isFinite(cal)) return { threshold: cal, calibrated: true };
  const n = scalesFromMeta(meta).filter(Boolean).length;
  const t = fusionOf(meta) === 'product' ? 0.3 ** n : 0.3 * n;
  return { threshold: Number(t.toPrecision(6)), calibrated: false };
}

/** The model's default threshold and where it came from. */
export function thresholdDefaults(meta: ModelMeta | null): { threshold: number; thresholdSource: ThresholdSource } {
  const { threshold, calibrated } = defaultThreshold(meta);
  return { threshold, thresholdSource: calibrated ? 'calibration' : 'fallback' };
}

/** The viewer settings a newly active model starts with: its σ, scales and (calibrated or fallback) threshold. */
export function viewDefaultsFromMeta(meta: ModelMeta | null): { scales: ScaleSelection; sigma: number } & ReturnType<typeof thresholdDefaults> {
  return { scales: scalesFromMeta(meta), sigma: sigmaFromMeta(meta), ...thresholdDefaults(meta) };
}

/** Cache key of a score: the map settings it was computed with (the smoother's own key for them). */
export function scoreKey(scales: ScaleSelection, sigma: number, fusion: Fusion): string {
  return mapViewKey({ scales, sigma, fusion }, scales.length);
}

/** The map the viewer shows now: its σ and scales, the model's fusion. */
export function currentView(s: { scales: ScaleSelection; sigma: number; meta: ModelMeta | null }): MapView {
  return { scales: s.scales, sigma: s.sigma, fusion: fusionOf(s.meta) };
}

/** The model's own map (meta σ, scales and fusion): the one its calibration and the "not your product" rule use. */
export function modelView(meta: ModelMeta | null): MapView {
  return { scales: scalesFromMeta(meta), sigma: sigmaFromMeta(meta), fusion: fusionOf(meta) };
}

/** The views for the worker to smooth with an inference: the current one, and the model's own when it differs. */
export function inferenceViews(s: { scales: ScaleSelection; sigma: number; meta: ModelMeta | null }): MapView[] {
  const now = currentView(s);
  const own = modelView(s.meta);
  return mapViewKey(now, now.scales.length) === mapViewKey(own, own.scales.length) ? [now] : [now, own];
}

export const createViewerSlice: SliceCreator<ViewerSlice> = (set, get, rt) => {
  const applyScales = (sel: readonly boolean[]): boolean => {
    if (sel.length !== 3) return false;
    if (!sel.some(Boolean)) {
      set({ scaleNotice: LAST_SCALE_NOTICE });
      return false;
    }
    const next: ScaleSelection = [sel[0], sel[1], sel[2]];
    const cur = get().scales;
    if (get().scaleNotice !== null) set({ scaleNotice: null });
    if (cur.every((b, k) => b === next[k])) return true;
    set({ scales: next });
    rt.scoring.rescore();
    return true;
  };

  return {
    scales: ALL_SCALES,
    sigma: 4,
    opacity: 0.5,
    colormap: 'turbo',
    mode: 'overlay',
    zoom: 'fit',
    threshold: defaultThreshold(null).threshold,
    thresholdSource: 'fallback',
    scaleNotice: null,

    toggleScale: (k) => {
      if (!(k >= 0 && k < 3)) return false;
      const next = [...get().scales];
      next[k] = !next[k];
      return applyScales(next);
    },
    setScales: applyScales,

    setSigma: (sigma) => {
      const s = clampSigma(sigma);
      if (s === get().sigma) return;
      set({ sigma: s });
      rt.scoring.rescore();
    },
    nudgeSigma: (delta) => get().setSigma(get().sigma + delta),

    setOpacity: (opacity) => {
      if (!Number.isFinite(opacity)) return;
      set({ opacity: Math.min(1, Math.max(0, opacity)) });
    },
    setColormap: (name) => {
      if (COLORMAP_NAMES.includes(name)) set({ colormap: name });
    },
    setMode: (mode) => set({ mode }),
    toggleMode: () => set((s) => ({ mode: s.mode === 'overlay' ? 'side-by-side' : 'overlay' })),
    setZoom: (zoom) => set({ zoom }),
    toggleZoom: () => set((s) => ({ zoom: s.zoom === 'fit' ? '1:1' : 'fit' })),

    setThreshold: (threshold) => {
      const problem = checkThreshold(threshold);
      if (problem !== null || threshold === null) return problem;
      set({ threshold, thresholdSource: 'user' });
      return null;
    },
    resetThreshold: () => set(thresholdDefaults(get().meta)),
  };
};

import { COLORMAP_NAMES } from '../data/colormap';
import { ALL_SCALES, clampSigma, defaultThreshold, thresholdDefaults } from './logic';
import type { SliceCreator } from './runtime';
import type { ViewerSlice } from './state';
import type { ScaleSelection } from './types';

export const createViewerSlice: SliceCreator<ViewerSlice> = (set, get, rt) => {
  const applyScales = (sel: readonly boolean[]): boolean => {
    if (sel.length !== 3 || !sel.some(Boolean)) return false;
    const next: ScaleSelection = [sel[0], sel[1], sel[2]];
    const cur = get().scales;
    if (cur.every((b, k) => b === next[k])) return true;
    set({ scales: next });
    rt.rescore();
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
      rt.rescore();
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
      if (!Number.isFinite(threshold)) return;
      set({ threshold, thresholdSource: 'user' });
    },
    resetThreshold: () => set(thresholdDefaults(get().meta)),
  };
};

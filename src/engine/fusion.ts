/**
 * How the per-scale anomaly maps are combined: the one list of fusion modes, shared by the engine, the
 * UI-side re-smoothing (src/data/map-render.ts) and meta.json validation. Free of tfjs so the page can
 * import it without loading the engine.
 */
export type Fusion = 'sum' | 'product';
export const FUSIONS: readonly Fusion[] = ['sum', 'product'];

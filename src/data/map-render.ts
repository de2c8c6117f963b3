/**
 * Re-smoothing of the worker's raw per-scale maps on the UI side (the "blur cache"): fusion of the
 * selected scales (sum or product) followed by the engine's separable Gaussian (radius ⌈4σ⌉, scipy's
 * reflect border), in plain TypeScript. Equal to the engine's computeAnomalyMap to ~1e-6, so a new σ or
 * scale selection never touches the network. Pure TS: no DOM, no Node, no tfjs kernels.
 */
import type { Fusion } from '../engine/fusion';
import { gaussianKernel1d, reflectIndices } from '../engine/gaussian';

/**
 * A model of the accurate profile's second evidence: the nearest-neighbour distances (size×size, upsampled,
 * not smoothed) and the divisors of fused = Σ scales / rdScale + nearest / nnScale (meta.evidence).
 */
export interface NearestMap {
  values: Float32Array;
  rdScale: number;
  nnScale: number;
}

/** Per-scale maps, each size×size row-major, already upsampled to the model input (= protocol RawMaps). */
export interface ScaleMaps {
  size: number;
  scales: readonly Float32Array[];
  /** Accurate profile only. */
  nearest?: NearestMap;
}

/**
 * One fused and smoothed map. `values` is shared with the smoother's cache: treat it as read-only.
 * score = max (the image score), argmax = row-major index of the first maximum.
 */
export interface SmoothedMap {
  size: number;
  values: Float32Array;
  score: number;
  min: number;
  max: number;
  argmax: number;
  /**
   * Median of the map: its typical level away from any defect. A defect raises the map locally and leaves
   * the median where normal images have it; an image of another product raises it everywhere (the
   * "not your product" rule, src/metrics/normal-calibration.ts).
   */
  median: number;
}

/**
 * One way of looking at the raw maps: which scales are fused, how, and the σ of the smoothing. The worker
 * smooths the views asked for along with an inference (so the UI thread only draws when a result
 * arrives); the UI re-smooths for any other view.
 */
export interface MapView {
  scales: readonly boolean[];
  sigma: number;
  fusion: Fusion;
  /**
   * The nearest-neighbour evidence of a model of the accurate profile is part of its map: fused in unless
   * this is false (maps without it ignore the flag).
   */
  nearest?: boolean;
}

/** A view's cache key, as the smoother and its callers name it. */
export function mapViewKey(view: MapView, scaleCount: number): string {
  const sel = Array.from({ length: scaleCount }, (_, k) => (view.scales[k] === true ? '1' : '0')).join('');
  return `${sel}|${view.sigma}|${view.fusion}${view.nearest === true ? '|nn' : ''}`;
}

const CACHE_ENTRIES = 8;

/** A tiny insertion-ordered LRU. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly capacity: number) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
  }
}

/** Index tables and taps for one (size, σ): built once per σ and reused by every smoother. */
interface BlurPlan {
  taps: Float64Array;
  radius: number;
  /** reflectIndices(size, radius): padded position → source index. */
  index: Int32Array;
}

const planCache = new Lru<BlurPlan>(CACHE_ENTRIES);

function blurPlan(size: number, sigma: number): BlurPlan {
  const key = `${size}|${sigma}`;
  let plan = planCache.get(key);
  if (!plan) {
    const k = gaussianKernel1d(sigma);
    const radius = (k.length - 1) / 2;
    plan = { taps: Float64Array.from(k), radius, index: reflectIndices(size, radius) };
    planCache.set(key, plan);
  }
  return plan;
}

/**
 * Separable Gaussian of a size×size map with the engine's taps and reflect border. The kernel is
 * symmetric, so each output sums pairs of mirrored inputs (half the multiplies). Rows are blurred through a
 * padded scratch row; columns by accumulating whole rows (contiguous memory).
 */
export function blurMap(src: Float32Array, size: number, sigma: number): Float32Array {
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new Error(`gaussian σ must be a finite number ≥ 0, got ${sigma}`);
  if (src.length !== size * size) throw new Error(`map has ${src.length} values, expected ${size}×${size}`);
  if (sigma === 0) return src.slice();
  const { taps, radius, index } = blurPlan(size, sigma);
  const n = size;
  const tmp = new Float32Array(n * n);
  const padded = new Float64Array(n + 2 * radius);
  const k0 = taps[radius];

  // Along x.
  for (let y = 0; y < n; y++) {
    const row = y * n;
    for (let i = 0; i < padded.length; i++) padded[i] = src[row + index[i]];
    for (let x = 0; x < n; x++) {
      const c = x + radius;
      let acc = k0 * padded[c];
      for (let t = 1; t <= radius; t++) acc += taps[radius + t] * (padded[c - t] + padded[c + t]);
      tmp[row + x] = acc;
    }
  }

  // Along y: output row y = Σ_t taps[t] · input row index[y + t].
  const out = new Float32Array(n * n);
  const acc = new Float64Array(n);
  for (let y = 0; y < n; y++) {
    const centre = tmp.subarray(index[y + radius] * n, index[y + radius] * n + n);
    for (let x = 0; x < n; x++) acc[x] = k0 * centre[x];
    for (let t = 1; t <= radius; t++) {
      const w = taps[radius + t];
      const a = index[y + radius - t] * n;
      const b = index[y + radius + t] * n;
      for (let x = 0; x < n; x++) acc[x] += w * (tmp[a + x] + tmp[b + x]);
    }
    const row = y * n;
    for (let x = 0; x < n; x++) out[row + x] = acc[x];
  }
  return out;
}

function summarise(size: number, values: Float32Array): SmoothedMap {
  let min = Infinity;
  let max = -Infinity;
  let argmax = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) {
      max = v;
      argmax = i;
    }
  }
  if (values.length === 0) min = max = 0;
  return { size, values, score: max, min, max, argmax, median: values.length ? medianOf(values) : 0 };
}

/** The lower median, by quickselect on a copy (O(n): the map is re-summarised on every σ change). */
export function medianOf(values: Float32Array): number {
  const a = Float32Array.from(values);
  const k = (a.length - 1) >> 1;
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k];
}

/**
 * Caches per (selection, fusion, σ): re-smoothing for a new σ never touches the network, and going back
 * to a recent setting is free (the same SmoothedMap object is returned). Fused maps are cached per
 * (selection, fusion) as well, so moving the σ slider only blurs.
 *
 * An empty selection gives an all-zero map (score 0) rather than an error, so a UI with every scale
 * unticked keeps rendering.
 */
export class MapSmoother {
  readonly size: number;
  private readonly scales: readonly Float32Array[];
  private readonly nearest: NearestMap | null;
  private readonly fused = new Lru<Float32Array>(CACHE_ENTRIES);
  private readonly smoothed = new Lru<SmoothedMap>(CACHE_ENTRIES);

  /**
   * `primed`: maps of these same scales already smoothed elsewhere (the worker's result.smoothed for the
   * request's views), handed to prime().
   */
  constructor(maps: ScaleMaps, primed?: { views: readonly MapView[]; smoothed: readonly SmoothedMap[] }) {
    const { size, scales } = maps;
    if (!Number.isInteger(size) || size < 1) throw new Error(`MapSmoother: invalid map size ${size}`);
    if (scales.length === 0) throw new Error('MapSmoother: no scale maps');
    scales.forEach((s, k) => {
      if (s.length !== size * size) throw new Error(`MapSmoother: scale ${k + 1} has ${s.length} values, expected ${size}×${size}`);
    });
    if (maps.nearest && maps.nearest.values.length !== size * size) throw new Error(`MapSmoother: the nearest-neighbour map has ${maps.nearest.values.length} values, expected ${size}×${size}`);
    this.size = size;
    this.scales = scales;
    this.nearest = maps.nearest ?? null;
    if (primed) {
      if (primed.views.length !== primed.smoothed.length) throw new Error(`MapSmoother: ${primed.smoothed.length} smoothed maps for ${primed.views.length} views`);
      primed.views.forEach((v, i) => this.prime(v, primed.smoothed[i]));
    }
  }

  /** `nearest`: fuse the nearest-neighbour evidence in, where these maps have it (MapView.nearest). */
  smooth(selection: readonly boolean[], sigma: number, fusion: Fusion = 'sum', nearest = true): SmoothedMap {
    if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new Error(`gaussian σ must be a finite number ≥ 0, got ${sigma}`);
    const withNearest = nearest && this.nearest !== null;
    const picked = this.scales.filter((_, k) => selection[k] === true);
    const key = mapViewKey({ scales: selection, sigma, fusion, nearest: withNearest }, this.scales.length);
    const hit = this.smoothed.get(key);
    if (hit) return hit;

    const fusedKey = mapViewKey({ scales: selection, sigma: 0, fusion, nearest: withNearest }, this.scales.length);
    let fused = this.fused.get(fusedKey);
    if (!fused) {
      fused = fuse(picked, this.size * this.size, fusion);
      if (withNearest && this.nearest) addNearest(fused, this.nearest);
      this.fused.set(fusedKey, fused);
    }
    const result = summarise(this.size, sigma === 0 ? fused : blurMap(fused, this.size, sigma));
    this.smoothed.set(key, result);
    return result;
  }

  /** smooth() of a view. */
  smoothView(view: MapView): SmoothedMap {
    return this.smooth(view.scales, view.sigma, view.fusion, view.nearest !== false);
  }

  /**
   * Hands the smoother a map already smoothed elsewhere (the worker's, from these same raw maps) for a
   * view: smooth() of that view then returns it without blurring.
   */
  prime(view: MapView, map: SmoothedMap): void {
    if (map.size !== this.size || map.values.length !== this.size * this.size) {
      throw new Error(`MapSmoother.prime: a ${map.size}×${map.size} map for ${this.size}×${this.size} scales`);
    }
    this.smoothed.set(mapViewKey({ ...view, nearest: view.nearest !== false && this.nearest !== null }, this.scales.length), map);
  }
}

/** fused ← fused / rdScale + nearest / nnScale, in place (float32, as the engine's fuseEvidence before its blur). */
function addNearest(fused: Float32Array, nearest: NearestMap): void {
  const { values, rdScale, nnScale } = nearest;
  for (let i = 0; i < fused.length; i++) fused[i] = fused[i] / rdScale + values[i] / nnScale;
}

/** Sum or product of the maps in float32, in scale order (as tf.addN / successive tf.mul do). */
function fuse(maps: readonly Float32Array[], n: number, fusion: Fusion): Float32Array {
  const out = new Float32Array(n);
  if (maps.length === 0) return out;
  out.set(maps[0]);
  for (let k = 1; k < maps.length; k++) {
    const m = maps[k];
    if (fusion === 'sum') for (let i = 0; i < n; i++) out[i] += m[i];
    else for (let i = 0; i < n; i++) out[i] *= m[i];
  }
  return out;
}

/**
 * The map value under a point given as fractions (0..1) of the image's width and height: the nearest
 * map pixel (pixel-centre sampling, clamped to the edges). NaN when a coordinate is not a number.
 */
export function mapValueAt(map: SmoothedMap, fx: number, fy: number): number {
  if (!Number.isFinite(fx) || !Number.isFinite(fy) || map.size < 1) return Number.NaN;
  const x = Math.min(map.size - 1, Math.max(0, Math.floor(fx * map.size)));
  const y = Math.min(map.size - 1, Math.max(0, Math.floor(fy * map.size)));
  return map.values[y * map.size + x];
}

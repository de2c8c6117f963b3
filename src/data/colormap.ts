/**
 * Perceptual colormaps as 256-entry lookup tables, anomaly-map → RGBA rendering and overlay
 * blending. Pure TypeScript: runs in Node, a worker or the page.
 *
 * The tables are evaluated from published low-degree polynomial fits of each map (per channel, in
 * sRGB, input t in [0, 1]), clamped to [0, 1] and rounded to bytes:
 *  - turbo: the degree-5 approximation published with Google's Turbo colormap (A. Mikhailov,
 *    R. Du, 2019; Apache-2.0). It tracks the reference table closely in the middle but drifts at
 *    the very ends (t = 0 comes out near-black rather than dark indigo);
 *  - viridis / inferno: degree-6 least-squares fits of the matplotlib maps (M. Zucker), within
 *    about 4/255 of the reference tables.
 * 'gray' is the identity ramp.
 */
import { assertRgbImage, type RgbImage } from './image.ts';

export type ColormapName = 'turbo' | 'inferno' | 'viridis' | 'gray';

export const COLORMAP_NAMES: readonly ColormapName[] = ['turbo', 'inferno', 'viridis', 'gray'];

/** Per-channel polynomial coefficients, lowest degree first. */
interface PolyFit {
  r: readonly number[];
  g: readonly number[];
  b: readonly number[];
}

const FITS: Record<Exclude<ColormapName, 'gray'>, PolyFit> = {
  turbo: {
    r: [0.13572138, 4.6153926, -42.66032258, 132.13108234, -152.94239396, 59.28637943],
    g: [0.09140261, 2.19418839, 4.84296658, -14.18503333, 4.27729857, 2.82956604],
    b: [0.1066733, 12.64194608, -60.58204836, 110.36276771, -89.90310912, 27.34824973],
  },
  viridis: {
    r: [0.2777273272234177, 0.1050930431085774, -0.3308618287255563, -4.634230498983486,
      6.228269936347081, 4.776384997670288, -5.435455855934631],
    g: [0.005407344544966578, 1.404613529898575, 0.214847559468213, -5.799100973351585,
      14.17993336680509, -13.74514537774601, 4.645852612178535],
    b: [0.3340998053353061, 1.384590162594685, 0.09509516302823659, -19.33244095627987,
      56.69055260068105, -65.35303263337234, 26.3124352495832],
  },
  inferno: {
    r: [0.0002189403691192265, 0.1065134194856116, 11.60249308247187, -41.70399613139459,
      77.162935699427, -71.31942824499214, 25.13112622477341],
    g: [0.001651004631001012, 0.5639564367884091, -3.972853965665698, 17.43639888205313,
      -33.40235894210092, 32.62606426397723, -12.24266895238567],
    b: [-0.01948089843709184, 3.932712388889277, -15.9423941062914, 44.35414519872813,
      -81.80730925738993, 73.20951985803202, -23.07032500287172],
  },
};

function horner(coeffs: readonly number[], t: number): number {
  let v = 0;
  for (let i = coeffs.length - 1; i >= 0; i--) v = v * t + coeffs[i];
  return v;
}

function to8(v: number): number {
  return Math.max(0, Math.min(255, Math.round(v * 255)));
}

const lutCache = new Map<ColormapName, Uint8Array<ArrayBuffer>>();

/**
 * The colormap as a 256 x 3 table (R, G, B interleaved): entry i is the color at t = i / 255.
 * Tables are built once and cached; treat the result as read-only.
 */
export function colormapLut(name: ColormapName): Uint8Array<ArrayBuffer> {
  const cached = lutCache.get(name);
  if (cached) return cached;
  const lut = new Uint8Array(256 * 3);
  if (name === 'gray') {
    for (let i = 0; i < 256; i++) lut.fill(i, i * 3, i * 3 + 3);
  } else {
    const fit = FITS[name];
    if (!fit) throw new Error(`unknown colormap "${String(name)}" (expected one of ${COLORMAP_NAMES.join(', ')})`);
    for (let i = 0; i < 256; i++) {
      const t = i / 255;
      lut[i * 3] = to8(horner(fit.r, t));
      lut[i * 3 + 1] = to8(horner(fit.g, t));
      lut[i * 3 + 2] = to8(horner(fit.b, t));
    }
  }
  lutCache.set(name, lut);
  return lut;
}

/** The color at t in [0, 1] (clamped; NaN → 0) as [r, g, b] bytes. */
export function colormapColor(name: ColormapName, t: number): [number, number, number] {
  const lut = colormapLut(name);
  const i = lutIndex(t);
  return [lut[i * 3], lut[i * 3 + 1], lut[i * 3 + 2]];
}

function lutIndex(t: number): number {
  if (!(t > 0)) return 0; // also NaN
  if (t >= 1) return 255;
  return Math.round(t * 255);
}

export interface HeatmapOptions {
  /** Value mapped to the low end of the colormap; default: the map's finite minimum. */
  min?: number;
  /** Value mapped to the high end of the colormap; default: the map's finite maximum. */
  max?: number;
  /** Default 'turbo'. */
  colormap?: ColormapName;
  /** Alpha written to every pixel, 0..255; default 255. */
  alpha?: number;
}

/** Finite minimum and maximum of `values`; [0, 0] when there are none. */
export function finiteRange(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : [0, 0];
}

/**
 * Render a scalar map (row-major, width*height values) as RGBA through a colormap. Values are
 * normalised with (v - min) / (max - min) and clamped to [0, 1], so anything outside [min, max]
 * takes the end colors; NaN takes the low end. When max <= min every pixel gets the low end.
 */
export function renderHeatmap(
  map: ArrayLike<number>,
  width: number,
  height: number,
  opts: HeatmapOptions = {},
): Uint8ClampedArray<ArrayBuffer> {
  const n = width * height;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`renderHeatmap: invalid size ${width}x${height}`);
  }
  if (map.length !== n) {
    throw new RangeError(`renderHeatmap: map has ${map.length} values, expected ${width}x${height} = ${n}`);
  }
  let { min, max } = opts;
  if (min === undefined || max === undefined) {
    const [lo, hi] = finiteRange(map);
    min ??= lo;
    max ??= hi;
  }
  const lut = colormapLut(opts.colormap ?? 'turbo');
  const alpha = opts.alpha ?? 255;
  const span = max - min;
  const scale = span > 0 ? 255 / span : 0;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0, k = 0; i < n; i++, k += 4) {
    const t = (map[i] - min) * scale;
    const idx = t > 0 ? (t >= 255 ? 255 : Math.round(t)) : 0; // NaN → 0
    const l = idx * 3;
    out[k] = lut[l];
    out[k + 1] = lut[l + 1];
    out[k + 2] = lut[l + 2];
    out[k + 3] = alpha;
  }
  return out;
}

/**
 * Alpha-blend a heatmap over an RGB image: per pixel a = opacity * heatAlpha / 255 and
 * out = base * (1 - a) + heat * a, with an opaque result. `opacity` is clamped to [0, 1].
 */
export function blendOverlay(
  base: RgbImage,
  heatRgba: ArrayLike<number>,
  opacity = 0.5,
): Uint8ClampedArray<ArrayBuffer> {
  assertRgbImage(base, 'blendOverlay base');
  const n = base.width * base.height;
  if (heatRgba.length !== n * 4) {
    throw new RangeError(
      `blendOverlay: heatmap has ${heatRgba.length} values, expected ${base.width}x${base.height}x4 = ${n * 4}`,
    );
  }
  const op = Number.isFinite(opacity) ? Math.max(0, Math.min(1, opacity)) : 0;
  const src = base.data;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0, j = 0, k = 0; i < n; i++, j += 3, k += 4) {
    const a = (op * heatRgba[k + 3]) / 255;
    const b = 1 - a;
    out[k] = src[j] * b + heatRgba[k] * a;
    out[k + 1] = src[j + 1] * b + heatRgba[k + 1] * a;
    out[k + 2] = src[j + 2] * b + heatRgba[k + 2] * a;
    out[k + 3] = 255;
  }
  return out;
}

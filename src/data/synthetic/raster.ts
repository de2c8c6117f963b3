/**
 * Drawing helpers shared by the synthetic categories: a float RGB canvas, soft-edged shape weights
 * (irregular blobs, polylines with varying width), camera effects (lighting, sensor noise) and
 * quantisation to an 8-bit {@link RgbImage}.
 *
 * Defects are drawn as a per-pixel blend weight in [0, 1] (how much of the pixel the defect
 * replaced); the ground-truth mask is the set of pixels whose weight exceeds {@link MASK_THRESHOLD},
 * so soft stain edges that barely change the material are not labelled.
 */
import type { SeededRandom } from '../../engine/random.ts';
import type { RgbImage } from '../image.ts';
import { clamp01, fbm, smoothstep, uniform } from './noise.ts';

/** Pixels whose defect blend weight is above this are part of the ground-truth mask. */
export const MASK_THRESHOLD = 0.25;

/** Interleaved RGB in 0..255 float units (values may leave the range until quantisation). */
export interface Canvas {
  width: number;
  height: number;
  rgb: Float32Array;
}

export function createCanvas(width: number, height: number): Canvas {
  return { width, height, rgb: new Float32Array(width * height * 3) };
}

export type Rgb = readonly [number, number, number];

/** Blend pixel `i` of the canvas towards `color` by `weight`. */
export function blendPixel(canvas: Canvas, i: number, color: Rgb, weight: number): void {
  const k = i * 3;
  const rgb = canvas.rgb;
  rgb[k] += (color[0] - rgb[k]) * weight;
  rgb[k + 1] += (color[1] - rgb[k + 1]) * weight;
  rgb[k + 2] += (color[2] - rgb[k + 2]) * weight;
}

/** weight[i] = max(weight[i], w): defect weights of overlapping parts combine by maximum. */
export function raiseWeight(weight: Float32Array, i: number, w: number): void {
  if (w > weight[i]) weight[i] = w;
}

/** An axis-aligned pixel box, inclusive, already clipped to the image. */
export interface PixelBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export function boxAround(cx: number, cy: number, radius: number, width: number, height: number): PixelBox {
  return {
    x0: Math.max(0, Math.floor(cx - radius)),
    y0: Math.max(0, Math.floor(cy - radius)),
    x1: Math.min(width - 1, Math.ceil(cx + radius)),
    y1: Math.min(height - 1, Math.ceil(cy + radius)),
  };
}

/**
 * An irregular closed blob: a circle whose radius wobbles with the angle (a few random low
 * harmonics) and whose boundary is roughened by 2-D noise. `normalizedDistance` is < 1 inside.
 */
export class Blob {
  private readonly harmonics: { k: number; amplitude: number; phase: number }[] = [];
  private readonly noiseSeed: number;

  constructor(
    readonly cx: number,
    readonly cy: number,
    readonly radius: number,
    rng: SeededRandom,
    irregularity = 0.25,
    readonly roughness = 0.12,
  ) {
    for (let k = 2; k <= 5; k++) {
      this.harmonics.push({ k, amplitude: (irregularity * uniform(rng, 0.3, 1)) / (k - 1), phase: uniform(rng, 0, 2 * Math.PI) });
    }
    this.noiseSeed = (rng.next() * 4294967296) >>> 0;
  }

  /** Largest distance from the centre the boundary can reach (for bounding boxes). */
  get extent(): number {
    return this.radius * (1.6 + this.roughness * 2);
  }

  normalizedDistance(x: number, y: number): number {
    const dx = x - this.cx;
    const dy = y - this.cy;
    const theta = Math.atan2(dy, dx);
    let wobble = 1;
    for (const h of this.harmonics) wobble += h.amplitude * Math.sin(h.k * theta + h.phase);
    const rough = this.roughness * fbm(x / 6, y / 6, 2, this.noiseSeed);
    return Math.hypot(dx, dy) / (this.radius * Math.max(0.35, wobble)) + rough;
  }
}

export interface Point {
  x: number;
  y: number;
}

/** A polyline with a half-width per vertex (linearly interpolated along each segment). */
export interface Stroke {
  points: Point[];
  halfWidths: number[];
}

/** Bounding box of a stroke, padded, clipped to the image. */
export function strokeBox(stroke: Stroke, pad: number, width: number, height: number): PixelBox {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const p of stroke.points) {
    x0 = Math.min(x0, p.x);
    y0 = Math.min(y0, p.y);
    x1 = Math.max(x1, p.x);
    y1 = Math.max(y1, p.y);
  }
  const maxHalf = Math.max(...stroke.halfWidths);
  return {
    x0: Math.max(0, Math.floor(x0 - maxHalf - pad)),
    y0: Math.max(0, Math.floor(y0 - maxHalf - pad)),
    x1: Math.min(width - 1, Math.ceil(x1 + maxHalf + pad)),
    y1: Math.min(height - 1, Math.ceil(y1 + maxHalf + pad)),
  };
}

/**
 * Distance from (x, y) to the stroke's centre line minus the local half-width: negative inside the
 * stroke, positive outside (in pixels).
 */
export function strokeSignedDistance(stroke: Stroke, x: number, y: number): number {
  const { points, halfWidths } = stroke;
  let best = Infinity;
  for (let s = 0; s + 1 < points.length; s++) {
    const a = points[s];
    const b = points[s + 1];
    const ex = b.x - a.x;
    const ey = b.y - a.y;
    const len2 = ex * ex + ey * ey;
    const t = len2 > 0 ? clamp01(((x - a.x) * ex + (y - a.y) * ey) / len2) : 0;
    const d = Math.hypot(x - (a.x + t * ex), y - (a.y + t * ey)) - (halfWidths[s] + t * (halfWidths[s + 1] - halfWidths[s]));
    if (d < best) best = d;
  }
  return best;
}

/** Pixel coverage of a shape from a signed distance in pixels (a 1-px linear ramp at the edge). */
export function coverage(signedDistance: number): number {
  return clamp01(0.5 - signedDistance);
}

export interface WalkOptions {
  start: Point;
  /** Initial heading, radians. */
  heading: number;
  length: number;
  /** Step length in pixels. */
  step: number;
  /** Standard deviation of the heading change per step, radians. */
  turn: number;
  /** Pull of the heading back towards the initial heading per step (0 = free drift, 1 = none). */
  straighten: number;
}

/** A random walk polyline (scratches: small turn; cracks: large turn, strong straightening). */
export function randomWalk(rng: SeededRandom, o: WalkOptions): Point[] {
  const points: Point[] = [{ ...o.start }];
  let heading = o.heading;
  let travelled = 0;
  let p = o.start;
  while (travelled < o.length) {
    const step = Math.min(o.step, o.length - travelled);
    heading += o.turn * rng.normal() - o.straighten * (heading - o.heading);
    p = { x: p.x + step * Math.cos(heading), y: p.y + step * Math.sin(heading) };
    points.push(p);
    travelled += step;
  }
  return points;
}

/** Half-widths that swell from `ends` at both tips to `middle` at the centre of the polyline. */
export function taperedHalfWidths(count: number, middle: number, ends: number): number[] {
  return Array.from({ length: count }, (_, i) => {
    const t = count > 1 ? i / (count - 1) : 0.5;
    return ends + (middle - ends) * Math.sin(Math.PI * t) ** 0.5;
  });
}

/** Random position for a defect of reach `extent` that stays `margin` pixels inside the image. */
export function randomCentre(rng: SeededRandom, extent: number, width: number, height: number, margin = 4): Point {
  const pad = Math.min(extent + margin, width / 2 - 1, height / 2 - 1);
  return { x: uniform(rng, pad, width - pad), y: uniform(rng, pad, height - pad) };
}

/** Global camera/lighting conditions of one shot. */
export interface Lighting {
  brightness: number;
  contrast: number;
  /** > 0 warmer (more red, less blue). */
  temperature: number;
  /** Linear illumination ramp: relative change per 128 px along `gradientAngle`. */
  gradient: number;
  gradientAngle: number;
  /** Sensor noise standard deviation in 8-bit units. */
  noiseSigma: number;
}

/** Moderate production variation: ±6 % brightness and contrast, ±2 % colour temperature, ≤ 6 % ramp, σ 2–3. */
export function drawLighting(rng: SeededRandom): Lighting {
  return {
    brightness: uniform(rng, 0.94, 1.06),
    contrast: uniform(rng, 0.94, 1.06),
    temperature: uniform(rng, -0.02, 0.02),
    gradient: uniform(rng, 0, 0.06),
    gradientAngle: uniform(rng, 0, 2 * Math.PI),
    noiseSigma: uniform(rng, 2, 3),
  };
}

/**
 * Apply lighting and Gaussian sensor noise (drawn from `noiseRng`, one value per channel sample in
 * raster order, so the noise is identical whether or not a defect was drawn) and round to bytes.
 */
export function finishImage(canvas: Canvas, lighting: Lighting, noiseRng: SeededRandom): RgbImage {
  const { width, height, rgb } = canvas;
  const out = new Uint8Array(width * height * 3);
  const gains = [1 + lighting.temperature, 1, 1 - lighting.temperature];
  const gx = (Math.cos(lighting.gradientAngle) * lighting.gradient) / 128;
  const gy = (Math.sin(lighting.gradientAngle) * lighting.gradient) / 128;
  const cx = width / 2;
  const cy = height / 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const illumination = lighting.brightness * (1 + gx * (x - cx) + gy * (y - cy));
      const k = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const v = ((rgb[k + c] - 128) * lighting.contrast + 128) * illumination * gains[c] + lighting.noiseSigma * noiseRng.normal();
        out[k + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
      }
    }
  }
  return { width, height, data: out };
}

/** 0/255 mask of the pixels whose defect weight exceeds {@link MASK_THRESHOLD}. */
export function maskFromWeight(weight: Float32Array): Uint8Array {
  const mask = new Uint8Array(weight.length);
  for (let i = 0; i < weight.length; i++) if (weight[i] > MASK_THRESHOLD) mask[i] = 255;
  return mask;
}

/**
 * A contamination blob that recolours the material multiplicatively (`tint` per channel), so the
 * texture underneath stays visible, with a soft edge and an optional darker tide line where the
 * liquid front dried. Writes the blend weight into `weight`. `clip` (0..1 per pixel) limits it to a
 * surface, e.g. the metal of a part.
 */
export function paintStain(canvas: Canvas, weight: Float32Array, blob: Blob, tint: Rgb, tideDarkening: number, clip?: Float32Array): void {
  const box = boxAround(blob.cx, blob.cy, blob.extent + 2, canvas.width, canvas.height);
  const rgb = canvas.rgb;
  for (let y = box.y0; y <= box.y1; y++) {
    for (let x = box.x0; x <= box.x1; x++) {
      const nd = blob.normalizedDistance(x + 0.5, y + 0.5);
      const i = y * canvas.width + x;
      const w = (1 - smoothstep(0.78, 1.12, nd)) * (clip ? clip[i] : 1);
      if (w <= 0) continue;
      const k = i * 3;
      const stained: Rgb = [Math.min(250, rgb[k] * tint[0]), Math.min(250, rgb[k + 1] * tint[1]), Math.min(250, rgb[k + 2] * tint[2])];
      const tide = tideDarkening * Math.exp(-(((nd - 0.93) / 0.08) ** 2));
      const k2 = 1 - tide;
      blendPixel(canvas, i, [stained[0] * k2, stained[1] * k2, stained[2] * k2], w * 0.92);
      raiseWeight(weight, i, w);
    }
  }
}

/**
 * Visit the pixels a stroke (widened by `halo` pixels) covers: `paint(i, coverage)` recolours pixel
 * i, and the coverage becomes its defect weight. `clip` (0..1 per pixel) limits it to a surface.
 */
export function paintStroke(
  canvas: Canvas,
  weight: Float32Array,
  stroke: Stroke,
  paint: (i: number, coverage: number) => void,
  halo = 0,
  clip?: Float32Array,
): void {
  const box = strokeBox(stroke, halo + 1, canvas.width, canvas.height);
  for (let y = box.y0; y <= box.y1; y++) {
    for (let x = box.x0; x <= box.x1; x++) {
      const i = y * canvas.width + x;
      const cov = coverage(strokeSignedDistance(stroke, x + 0.5, y + 0.5) - halo) * (clip ? clip[i] : 1);
      if (cov <= 0) continue;
      paint(i, cov);
      raiseWeight(weight, i, cov);
    }
  }
}

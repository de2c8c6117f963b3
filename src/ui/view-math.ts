/**
 * Geometry and labels of the viewer, as pure functions (tested in Node): how big the canvas is, how it
 * fits the stage, where the pointer is on the image, the colorbar's range and ticks, export file names.
 *
 * The worker resizes the whole image (no crop) to the model's size×size input, so map pixel (u, v)
 * covers the image fractions [u/size, (u+1)/size) × [v/size, (v+1)/size): drawing the map stretched to
 * the image's width×height aligns it with the photo, whatever the aspect ratio.
 */
import type { ViewMode, ZoomMode } from '../store';

export interface Size {
  width: number;
  height: number;
}

/** Gap between image and heatmap in side-by-side mode, in image pixels (2 % of the width, at least 4). */
export function sideGap(imageWidth: number): number {
  return Math.max(4, Math.round(imageWidth * 0.02));
}

/** The canvas's own pixel size: the image, or image | gap | heatmap. */
export function contentSize(image: Size, mode: ViewMode): Size {
  if (mode === 'overlay') return { width: image.width, height: image.height };
  return { width: image.width * 2 + sideGap(image.width), height: image.height };
}

/**
 * CSS size of the canvas: 'fit' scales (up or down) to fit the stage keeping the aspect ratio; '1:1'
 * shows one image pixel per CSS pixel (the stage scrolls).
 */
export function displaySize(content: Size, stage: Size, zoom: ZoomMode): Size {
  if (content.width <= 0 || content.height <= 0) return { width: 0, height: 0 };
  if (zoom === '1:1' || stage.width <= 0 || stage.height <= 0) return { width: content.width, height: content.height };
  const scale = Math.min(stage.width / content.width, stage.height / content.height);
  return { width: Math.max(1, Math.floor(content.width * scale)), height: Math.max(1, Math.floor(content.height * scale)) };
}

/**
 * A pointer position (CSS px from the canvas's top-left, canvas shown at `display` size) as fractions
 * (0..1) of the image; in side-by-side mode either half maps to the same image point. null outside the
 * image (or on the gap).
 */
export function pointerToImage(
  x: number,
  y: number,
  display: Size,
  image: Size,
  mode: ViewMode,
): { fx: number; fy: number } | null {
  const content = contentSize(image, mode);
  if (display.width <= 0 || display.height <= 0) return null;
  const cx = (x * content.width) / display.width;
  const cy = (y * content.height) / display.height;
  if (cy < 0 || cy >= content.height || cx < 0 || cx >= content.width) return null;
  let ix = cx;
  if (mode === 'side-by-side' && cx >= image.width) {
    ix = cx - image.width - sideGap(image.width);
    if (ix < 0) return null;
  }
  return { fx: ix / image.width, fy: cy / image.height };
}

/** Centre of the map pixel `argmax` as fractions of the image's width and height. */
export function hotSpot(argmax: number, size: number): { fx: number; fy: number } {
  const x = argmax % size;
  const y = Math.floor(argmax / size);
  return { fx: (x + 0.5) / size, fy: (y + 0.5) / size };
}

/**
 * Value range of the colorbar. A per-image min..max stretch would paint every image red somewhere, even
 * a perfect part; a range fixed per model makes colours comparable between images: 0 .. 1.5 × the
 * threshold, so the threshold sits at two thirds of the bar and an image that stays below it never
 * reaches the hot end. Only an image whose maximum exceeds 1.5 × threshold extends the range (to its
 * maximum), so that its peak is not clipped.
 */
export function colorRange(threshold: number, currentMax: number): [number, number] {
  const base = Number.isFinite(threshold) && threshold > 0 ? threshold * 1.5 : 1;
  const hi = Number.isFinite(currentMax) ? Math.max(base, currentMax) : base;
  return [0, hi];
}

/** Round ticks (steps 1, 2, 2.5 or 5 × 10^k) inside [lo, hi], about `count` intervals, from the first round value ≥ lo. */
export function colorbarTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  // The round step nearest to the raw one (in ratio), so the count stays close to `count`.
  const step = [1, 2, 2.5, 5, 10]
    .map((m) => m * mag)
    .reduce((best, s) => (Math.abs(Math.log(s / raw)) < Math.abs(Math.log(best / raw)) ? s : best));
  const first = Math.ceil(lo / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = first; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Short label of a map value: 3 significant digits, no exponent for the usual 0.001 … 1000 range. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return '—';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000 || a < 0.001) return v.toExponential(2);
  return String(Number(v.toPrecision(3)));
}

/** "part 7.jpg" → "part_7-heatmap.png". */
export function exportFileName(imageName: string, kind: 'heatmap' | 'overlay'): string {
  const stem = imageName.replace(/\.[a-z0-9]{1,5}$/i, '').replace(/[^\w.-]+/g, '_').replace(/^[._]+/, '') || 'image';
  return `${stem}-${kind}.png`;
}

/** A CSS linear-gradient through a 256-entry RGB lookup table (every 16th entry + the last). */
export function lutGradient(lut: ArrayLike<number>, direction = 'to right'): string {
  const stops: string[] = [];
  for (let i = 0; i <= 256; i += 16) {
    const k = Math.min(255, i);
    stops.push(`rgb(${lut[k * 3]}, ${lut[k * 3 + 1]}, ${lut[k * 3 + 2]}) ${((k / 255) * 100).toFixed(1)}%`);
  }
  return `linear-gradient(${direction}, ${stops.join(', ')})`;
}

/** The defect regions' outlines on a map-size canvas, drawn over the view without smoothing (DOM). */
import { regionOutline, type RegionMap } from '../metrics';
import type { ViewMode } from '../store';
import { sideGap, type Size } from './view-math';

const OUTLINE_RGBA = [255, 255, 255, 255] as const;

export function outlineCanvas(rm: RegionMap): HTMLCanvasElement {
  const outline = regionOutline(rm);
  const rgba = new Uint8ClampedArray(outline.length * 4);
  for (let i = 0; i < outline.length; i++) if (outline[i]) rgba.set(OUTLINE_RGBA, i * 4);
  const c = document.createElement('canvas');
  c.width = rm.width;
  c.height = rm.height;
  c.getContext('2d')!.putImageData(new ImageData(rgba, rm.width, rm.height), 0, 0);
  return c;
}

/** Over the image, and over the heatmap too when they are side by side. */
export function drawOutlines(ctx: CanvasRenderingContext2D, outline: CanvasImageSource, size: Size, mode: ViewMode): void {
  const { width: w, height: h } = size;
  ctx.save();
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(outline, 0, 0, w, h);
  if (mode === 'side-by-side') ctx.drawImage(outline, w + sideGap(w), 0, w, h);
  ctx.restore();
}

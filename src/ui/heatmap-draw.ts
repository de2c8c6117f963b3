/**
 * Canvas drawing of the viewer and of the exported PNGs (DOM). The map is colour-mapped at its own
 * size×size resolution (renderHeatmap) and scaled onto the image by the canvas (bilinear), which is
 * where the worker's resize of the whole image to the model input puts it back.
 */
import { renderHeatmap, type ColormapName } from '../data/colormap';
import type { SmoothedMap } from '../data/map-render';
import type { ViewMode } from '../store';
import { exportFileName, sideGap, type Size } from './view-math';

/** The colour-mapped map on a size×size canvas. */
export function heatCanvas(map: SmoothedMap, range: readonly [number, number], colormap: ColormapName): HTMLCanvasElement {
  const rgba = renderHeatmap(map.values, map.size, map.size, { min: range[0], max: range[1], colormap });
  const c = document.createElement('canvas');
  c.width = map.size;
  c.height = map.size;
  c.getContext('2d')!.putImageData(new ImageData(rgba, map.size, map.size), 0, 0);
  return c;
}

/**
 * Draws the image (w×h) and, when there is one, the heatmap: over it with `opacity`, or to its right
 * after a gap. The canvas must already have the content size (see view-math contentSize).
 */
export function drawView(
  ctx: CanvasRenderingContext2D,
  image: CanvasImageSource | null,
  heat: CanvasImageSource | null,
  size: Size,
  mode: ViewMode,
  opacity: number,
): void {
  const { width: w, height: h } = size;
  ctx.save();
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  if (image) ctx.drawImage(image, 0, 0, w, h);
  else {
    ctx.fillStyle = '#222';
    ctx.fillRect(0, 0, w, h);
  }
  if (heat) {
    if (mode === 'overlay') {
      ctx.globalAlpha = Math.min(1, Math.max(0, opacity));
      ctx.drawImage(heat, 0, 0, w, h);
    } else {
      ctx.drawImage(heat, w + sideGap(w), 0, w, h);
    }
  }
  ctx.restore();
}

/** Saves a blob under a file name through a temporary object URL and <a download>. */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Give the browser time to start the download (a large model bundle too) before the URL goes.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * PNG of the heatmap alone or of the overlay, at the image's (displayed) resolution so it lines up with
 * the photo; resolves with the file name it was saved as.
 */
export async function exportPng(
  kind: 'heatmap' | 'overlay',
  imageName: string,
  image: CanvasImageSource | null,
  heat: CanvasImageSource,
  size: Size,
  opacity: number,
): Promise<string> {
  const c = document.createElement('canvas');
  c.width = size.width;
  c.height = size.height;
  const ctx = c.getContext('2d')!;
  if (kind === 'heatmap') {
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(heat, 0, 0, size.width, size.height);
  } else {
    drawView(ctx, image, heat, size, 'overlay', opacity);
  }
  const blob = await new Promise<Blob>((resolve, reject) =>
    c.toBlob((b) => (b ? resolve(b) : reject(new Error('the browser could not encode the PNG'))), 'image/png'),
  );
  const name = exportFileName(imageName, kind);
  downloadBlob(blob, name);
  return name;
}

/**
 * Image file → what the viewer and the worker need: the header is checked first (readImageHeader: empty,
 * not an image, unsupported, truncated, too small, too large), then the browser decodes it with the EXIF
 * orientation applied, downscaled for display (long side ≤ 2048) and for the worker (≤ 1024; the worker
 * resizes to the model input anyway), plus a ≤ 96 px thumbnail. DOM only (createImageBitmap, canvas).
 */
import { ImageFileError, readImageHeader, type ImageFileFormat } from '../data/image-file';
import type { PixelsMessage } from '../worker/protocol';

export const DISPLAY_MAX_SIDE = 2048;
export const WORKER_MAX_SIDE = 1024;
export const THUMBNAIL_MAX_SIDE = 96;

export interface DecodedImage {
  name: string;
  /** Displayed size after EXIF orientation and safe downscale (long side ≤ 2048) = bitmap size. */
  width: number;
  height: number;
  /** Full-resolution size as displayed (after EXIF orientation). */
  originalWidth: number;
  originalHeight: number;
  /** For drawing; the owner calls bitmap.close() when the image is dropped. */
  bitmap: ImageBitmap;
  /** RGBA for the worker (long side ≤ 1024), transparent areas composited over black like the CLI does. */
  pixels: PixelsMessage;
  /** Object URL of a ≤ 96 px PNG thumbnail; the owner revokes it (URL.revokeObjectURL) when the image is dropped. */
  thumbnail: string;
}

const LABEL: Record<ImageFileFormat, string> = { png: 'PNG', jpeg: 'JPEG', webp: 'WebP', bmp: 'BMP', gif: 'GIF' };

/** Size with the long side at most `max`, keeping the aspect ratio (never upscales, never 0). */
export function fitWithin(width: number, height: number, max: number): { width: number; height: number } {
  const s = Math.min(1, max / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * s)), height: Math.max(1, Math.round(height * s)) };
}

type AnyCanvas = OffscreenCanvas | HTMLCanvasElement;

function makeCanvas(width: number, height: number): AnyCanvas {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height);
  const c = document.createElement('canvas');
  c.width = width;
  c.height = height;
  return c;
}

function context2d(canvas: AnyCanvas): OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D {
  const ctx = canvas.getContext('2d', { willReadFrequently: true }) as OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null;
  if (!ctx) throw new Error('this browser cannot create a 2D canvas');
  return ctx;
}

async function canvasToBlob(canvas: AnyCanvas): Promise<Blob> {
  if ('convertToBlob' in canvas) return canvas.convertToBlob({ type: 'image/png' });
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('canvas.toBlob failed'))), 'image/png'));
}

/** High-quality resize of an (already oriented) bitmap; returns the source itself when the size is unchanged. */
async function resized(src: ImageBitmap, width: number, height: number): Promise<ImageBitmap> {
  if (src.width === width && src.height === height) return src;
  return createImageBitmap(src, { resizeWidth: width, resizeHeight: height, resizeQuality: 'high' });
}

/** Draws over black (alpha composited like the CLI) and reads the RGBA bytes. */
function readPixels(src: ImageBitmap): PixelsMessage {
  const { width, height } = src;
  const ctx = context2d(makeCanvas(width, height));
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, width, height);
  ctx.drawImage(src, 0, 0);
  return { width, height, rgba: ctx.getImageData(0, 0, width, height).data };
}

export async function decodeImageFile(file: Blob, name: string): Promise<DecodedImage> {
  const header = readImageHeader(new Uint8Array(await file.arrayBuffer()), name);
  const swap = header.orientation >= 5; // 5–8 rotate by 90°
  const originalWidth = swap ? header.height : header.width;
  const originalHeight = swap ? header.width : header.height;
  const display = fitWithin(originalWidth, originalHeight, DISPLAY_MAX_SIDE);

  let decoded: ImageBitmap;
  try {
    decoded = await createImageBitmap(
      file,
      display.width === originalWidth
        ? { imageOrientation: 'from-image' }
        : { imageOrientation: 'from-image', resizeWidth: display.width, resizeHeight: display.height, resizeQuality: 'high' },
    );
  } catch {
    throw new ImageFileError(
      'truncated',
      `“${name}” could not be decoded: the ${LABEL[header.format]} data is damaged or incomplete, or uses a feature this browser cannot decode.`,
      name,
    );
  }

  const owned: ImageBitmap[] = [decoded];
  try {
    // Browsers differ on whether resizeWidth/Height apply before or after the EXIF rotation: whatever came
    // back, bring it to the display size now that the orientation is baked in.
    const fit = fitWithin(decoded.width, decoded.height, DISPLAY_MAX_SIDE);
    let bitmap = decoded;
    if (swap && display.width !== originalWidth && (decoded.width > decoded.height) !== (display.width > display.height)) {
      bitmap = await createImageBitmap(decoded, { resizeWidth: display.width, resizeHeight: display.height, resizeQuality: 'high' });
    } else if (fit.width !== decoded.width || fit.height !== decoded.height) {
      bitmap = await resized(decoded, fit.width, fit.height);
    }
    if (bitmap !== decoded) {
      owned.push(bitmap);
      decoded.close();
    }

    const forWorker = fitWithin(bitmap.width, bitmap.height, WORKER_MAX_SIDE);
    const small = await resized(bitmap, forWorker.width, forWorker.height);
    if (small !== bitmap) owned.push(small);
    const pixels = readPixels(small);
    if (small !== bitmap) small.close();

    const t = fitWithin(bitmap.width, bitmap.height, THUMBNAIL_MAX_SIDE);
    const thumbBitmap = await resized(bitmap, t.width, t.height);
    const thumbCanvas = makeCanvas(t.width, t.height);
    context2d(thumbCanvas).drawImage(thumbBitmap, 0, 0);
    if (thumbBitmap !== bitmap) thumbBitmap.close();
    const thumbnail = URL.createObjectURL(await canvasToBlob(thumbCanvas));

    return { name, width: bitmap.width, height: bitmap.height, originalWidth, originalHeight, bitmap, pixels, thumbnail };
  } catch (e) {
    for (const b of owned) b.close();
    throw e;
  }
}

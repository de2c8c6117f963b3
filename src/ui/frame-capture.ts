/**
 * Frames from the live <video>: the crop is cut and resized to the model input by createImageBitmap
 * (the browser's image pipeline, off the JS heap), so the main thread only reads size×size pixels
 * (256² = 256 KB), never a full camera frame. And a captured frame as an image-list image. DOM only.
 */
import type { CameraFrame, CropRect, InspectImage } from '../store';
import { THUMBNAIL_MAX_SIDE } from './decode-image';

/** One reusable size×size canvas to read the resized crop's pixels from. */
let reader: OffscreenCanvasRenderingContext2D | null = null;

function readerFor(size: number): OffscreenCanvasRenderingContext2D {
  if (!reader || reader.canvas.width !== size || reader.canvas.height !== size) {
    const ctx = new OffscreenCanvas(size, size).getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('this browser cannot create a 2D canvas');
    reader = ctx;
  }
  return reader;
}

/** The video's current frame: `crop` resized to size×size, as a bitmap (for drawing and capture) and RGBA (for the worker). */
export async function grabCrop(video: HTMLVideoElement, crop: CropRect, size: number): Promise<Pick<CameraFrame, 'bitmap' | 'pixels'>> {
  const bitmap = await createImageBitmap(video, crop.x, crop.y, crop.width, crop.height, { resizeWidth: size, resizeHeight: size, resizeQuality: 'medium' });
  const ctx = readerFor(size);
  ctx.clearRect(0, 0, size, size);
  ctx.drawImage(bitmap, 0, 0);
  return { bitmap, pixels: { width: size, height: size, rgba: ctx.getImageData(0, 0, size, size).data } };
}

/** A captured frame as an image-list image: its own copy of the bitmap and pixels, and a thumbnail object URL. */
export async function frameToImage(frame: CameraFrame, name: string): Promise<InspectImage> {
  const { width, height } = frame.pixels;
  const rgba = new Uint8ClampedArray(frame.pixels.rgba);
  const bitmap = await createImageBitmap(frame.bitmap ?? new ImageData(rgba, width, height));
  const t = Math.min(THUMBNAIL_MAX_SIDE, width);
  const thumb = new OffscreenCanvas(t, Math.max(1, Math.round((t * height) / width)));
  thumb.getContext('2d')!.drawImage(bitmap, 0, 0, thumb.width, thumb.height);
  const thumbnail = URL.createObjectURL(await thumb.convertToBlob({ type: 'image/png' }));
  return { name, width, height, originalWidth: frame.crop.width, originalHeight: frame.crop.height, bitmap, pixels: { width, height, rgba }, thumbnail };
}

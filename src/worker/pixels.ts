/** The check of every image the UI sends (inference and training): size, byte layout and the worker's pixel limit. */
import { InferenceError } from './errors';
import type { PixelsMessage } from './types';

/** Largest image the worker accepts (the UI sends ≤ 1024 px on the long side). */
export const MAX_WORKER_PIXELS = 4096 * 4096;

/** Checks a pixels message from the UI; throws InferenceError('input') naming `what` (e.g. "training image 2"). */
export function checkPixels(p: PixelsMessage | null | undefined, what = 'image'): PixelsMessage {
  if (!p || typeof p !== 'object') throw new InferenceError('input', `${what} is missing`);
  const { width, height, rgba } = p;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new InferenceError('input', `${what} has an invalid size ${String(width)}×${String(height)}`);
  }
  if (width * height > MAX_WORKER_PIXELS) {
    throw new InferenceError('input', `${what} (${width}×${height} px) is too large for the worker (at most ${MAX_WORKER_PIXELS / 1e6} MP; downscale it first)`);
  }
  if (!(rgba instanceof Uint8ClampedArray) && !((rgba as unknown) instanceof Uint8Array)) {
    throw new InferenceError('input', `${what}: pixels must be RGBA bytes (Uint8ClampedArray)`);
  }
  if (rgba.length !== width * height * 4) {
    throw new InferenceError('input', `${what}: ${rgba.length} bytes of pixels, expected ${width}×${height}×4 = ${width * height * 4}`);
  }
  return p;
}

/**
 * Failures with a protocol ErrorKind and a user-facing message, shared by the worker's modules
 * (inference, fine-tuning, the model library, bundle import/export).
 */
import type { ErrorKind, PixelsMessage } from './protocol';

/** Largest image the worker accepts (the UI sends ≤ 1024 px on the long side). */
export const MAX_WORKER_PIXELS = 4096 * 4096;

/** A failure with its protocol kind; `message` is user-facing. */
export class InferenceError extends Error {
  override readonly name = 'InferenceError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  if (e && typeof e === 'object' && 'message' in e && typeof (e as { message: unknown }).message === 'string') {
    return (e as { message: string }).message;
  }
  return String(e);
}

/** IndexedDB / storage quota exhaustion (DOMException QuotaExceededError, or a message naming the quota). */
export function isQuotaError(e: unknown): boolean {
  const name = e && typeof e === 'object' && 'name' in e ? String((e as { name: unknown }).name) : '';
  return name === 'QuotaExceededError' || /quota/i.test(messageOf(e));
}

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

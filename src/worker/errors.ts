/**
 * Failures with a protocol ErrorKind and a user-facing message, shared by the worker's modules
 * (inference, fine-tuning, the model library, bundle import/export).
 */
import type { ErrorKind } from './protocol';

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

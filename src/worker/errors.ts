/**
 * Failures that the worker reports with a protocol ErrorKind and a user-facing message, and how any
 * other thrown value is classified into one. Every role has its own error type — InferenceError for
 * inference, model loading, training and bundles (its kind says which part failed), StorageError for
 * the browser's model storage — and the facade turns all of them into a WorkerError reply.
 */
import type { ErrorKind, WorkerError } from './types';

/** A failure with its protocol kind; `message` is user-facing. */
export abstract class KindedError extends Error {
  abstract readonly kind: ErrorKind;
}

/** Inference, model loading, training, bundles: `kind` names what went wrong ('input', 'model', 'backend', …). */
export class InferenceError extends KindedError {
  override readonly name = 'InferenceError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** The browser's model storage (IndexedDB) is full, unavailable or failed: always kind 'storage'. */
export class StorageError extends KindedError {
  override readonly name = 'StorageError';
  readonly kind = 'storage' as const;
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

const OOM_PATTERN = /out of memory|\boom\b|allocation failed|failed to allocate|could not allocate|cannot enlarge memory|greater than (the )?webgl maximum|exceeds the max(imum)? (buffer|texture)/i;
const LOST_PATTERN = /device (was |is |has been )?lost|\blost\b.*\bdevice\b|context (was |is |has been )?lost|CONTEXT_LOST/i;

export function isOutOfMemory(e: unknown): boolean {
  return OOM_PATTERN.test(messageOf(e));
}

export function isDeviceLost(e: unknown): boolean {
  return LOST_PATTERN.test(messageOf(e));
}

/** A KindedError as is; out-of-memory messages → 'out-of-memory'; anything else → InferenceError(`fallback`). */
export function classifyError(e: unknown, fallback: ErrorKind): KindedError {
  if (e instanceof KindedError) return e;
  const m = messageOf(e);
  if (isOutOfMemory(e)) return new InferenceError('out-of-memory', `out of memory: ${m}`);
  return new InferenceError(fallback, m);
}

/** Out of memory as it is, anything else as InferenceError(kind, `prefix` + message): for a failure whose cause is known. */
export function rewordUnlessOom(e: unknown, kind: ErrorKind, prefix: string): KindedError {
  const c = classifyError(e, kind);
  return c.kind === 'out-of-memory' ? c : new InferenceError(kind, `${prefix}${messageOf(e)}`);
}

export function toWorkerError(e: unknown): WorkerError {
  const c = classifyError(e, 'internal');
  return { kind: c.kind, message: c.message };
}

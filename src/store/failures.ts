/**
 * User-facing failure text: what kind of failure a rejection is (worker, decoder or anything else) and
 * the file it concerns. Every slice reports through these, so a failure reads the same everywhere.
 */

/** What failed, from WorkerFailure (`kind`), ImageFileError (`reason`) or anything else. */
export interface FailureInfo {
  kind: 'input' | 'model' | 'backend' | 'out-of-memory' | 'storage' | 'internal' | 'image';
  message: string;
}

export function describeFailure(e: unknown): FailureInfo {
  const err = e as { kind?: unknown; reason?: unknown; message?: unknown } | null;
  const message = typeof err?.message === 'string' && err.message ? err.message : String(e);
  if (err && typeof err.reason === 'string') return { kind: 'image', message };
  const kind = err?.kind;
  if (kind === 'input' || kind === 'model' || kind === 'backend' || kind === 'out-of-memory' || kind === 'storage' || kind === 'internal') {
    return { kind, message };
  }
  return { kind: 'internal', message };
}

/** "photo.png: <reason>", without repeating a name the reason already contains. */
export function withName(name: string, message: string): string {
  return message.includes(name) ? message : `${name}: ${message}`;
}

/**
 * The error banner: user-facing failures with the add-action ("batch") they belong to. A message stays
 * until it is dismissed or a later batch succeeds; the same message is shown once, and only the newest
 * few are kept. The log (batch and message ids) is the one place the other slices report through.
 */
import type { SetState, GetState, SliceCreator } from './runtime';
import type { AppError } from './types';

/** At most this many distinct messages are kept in the error banner (oldest dropped). */
const MAX_ERRORS = 8;

export interface ErrorsSlice {
  errors: AppError[];
  /** Shows a user-facing failure from the UI itself (e.g. an export that failed). */
  reportError(message: string): void;
  dismissError(id: number): void;
  dismissErrors(): void;
}

export interface ErrorLog {
  /** A new add-action (drop, pick, paste, gallery click, model switch): its id for push / clearBefore. */
  nextBatch(): number;
  /** Shows a message, tagged with `batch` (default: the latest batch). */
  push(message: string, batch?: number): void;
  /** "Stays until dismissed or the next success": a success of batch b clears errors of batches < b. */
  clearBefore(batch: number): void;
}

export function createErrorLog(set: SetState, get: GetState): ErrorLog {
  let batch = 0;
  let errorSeq = 0;
  return {
    nextBatch: () => ++batch,
    push(message, b = batch) {
      set((s) => {
        if (s.errors.some((e) => e.message === message)) return {};
        const errors = [...s.errors, { id: ++errorSeq, message, batch: b }];
        return { errors: errors.slice(-MAX_ERRORS) };
      });
    },
    clearBefore(b) {
      if (get().errors.some((e) => e.batch < b)) set((s) => ({ errors: s.errors.filter((e) => e.batch >= b) }));
    },
  };
}

export const createErrorsSlice: SliceCreator<ErrorsSlice> = (set, _get, rt) => ({
  errors: [],
  reportError: (message) => rt.errors.push(message),
  dismissError: (id) => set((s) => ({ errors: s.errors.filter((e) => e.id !== id) })),
  dismissErrors: () => set({ errors: [] }),
});

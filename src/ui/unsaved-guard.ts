/**
 * The one question asked before something replaces a trained model that was never saved (it lives only in
 * the worker, so choosing another model or training again loses it): the model picker and the Train
 * button both ask it.
 */
import type { ModelEntry } from '../store';

/** True when nothing unsaved is at stake or the user agrees to lose it; `what` completes "… discards it". */
export function confirmDiscardUnsaved(unsaved: ModelEntry | undefined, what: string): boolean {
  if (!unsaved?.unsaved) return true;
  return window.confirm(`"${unsaved.title}" is not saved. ${what} discards it. Continue?`);
}

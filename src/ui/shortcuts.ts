/**
 * Keyboard shortcuts of the viewer, as a pure mapping from a key event to an action (tested in Node).
 * They are ignored while the focus is somewhere typing goes (text/number inputs, text areas, selects with
 * their type-ahead, editable content) and when a modifier other than Shift is held; ↑/↓ also while a
 * slider or radio button has the focus (they move its value).
 */
import { SIGMA_STEP } from '../store';

export type ShortcutAction =
  | { type: 'toggle-scale'; scale: 0 | 1 | 2 }
  | { type: 'sigma'; delta: number }
  | { type: 'toggle-mode' }
  | { type: 'toggle-zoom' }
  | { type: 'move'; delta: 1 | -1 };

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

export interface TargetLike {
  tagName?: string;
  type?: string;
  isContentEditable?: boolean;
}

/** Input types that are not typed into (range, checkbox, radio, buttons, file, colour). */
const NON_TEXT_INPUTS = new Set(['range', 'checkbox', 'radio', 'button', 'submit', 'reset', 'file', 'color', 'image']);

export function isTypingTarget(target: TargetLike | null | undefined): boolean {
  if (!target) return false;
  if (target.isContentEditable) return true;
  const tag = (target.tagName ?? '').toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') return !NON_TEXT_INPUTS.has((target.type ?? 'text').toLowerCase());
  return false;
}

/** Controls whose own ↑/↓ change their value (sliders, radio groups): the arrows stay theirs. */
const ARROW_INPUTS = new Set(['range', 'radio']);

function ownsArrows(target: TargetLike | null | undefined): boolean {
  return (target?.tagName ?? '').toUpperCase() === 'INPUT' && ARROW_INPUTS.has((target?.type ?? '').toLowerCase());
}

export function shortcutFor(e: KeyLike, target: TargetLike | null | undefined): ShortcutAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey || isTypingTarget(target)) return null;
  switch (e.key) {
    case 'ArrowUp':
    case 'ArrowDown':
      return ownsArrows(target) ? null : { type: 'move', delta: e.key === 'ArrowDown' ? 1 : -1 };
    case '1':
      return { type: 'toggle-scale', scale: 0 };
    case '2':
      return { type: 'toggle-scale', scale: 1 };
    case '3':
      return { type: 'toggle-scale', scale: 2 };
    case '[':
      return { type: 'sigma', delta: -SIGMA_STEP };
    case ']':
      return { type: 'sigma', delta: SIGMA_STEP };
    case 'o':
    case 'O':
      return { type: 'toggle-mode' };
    case 'f':
    case 'F':
      return { type: 'toggle-zoom' };
    default:
      return null;
  }
}

/** The help line's text. */
export const SHORTCUT_HELP: readonly [string, string][] = [
  ['1 2 3', 'toggle M1–M3'],
  ['[ ]', 'σ −/+ 0.25'],
  ['o', 'overlay / side by side'],
  ['f', 'fit / 1:1'],
  ['↑ ↓', 'previous / next image (Inspect tab)'],
];

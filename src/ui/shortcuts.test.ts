import { describe, expect, it } from 'vitest';
import { isTypingTarget, shortcutFor } from './shortcuts';

describe('keyboard shortcuts', () => {
  const body = { tagName: 'BODY' };

  it('maps the documented keys', () => {
    expect(shortcutFor({ key: '1' }, body)).toEqual({ type: 'toggle-scale', scale: 0 });
    expect(shortcutFor({ key: '3' }, body)).toEqual({ type: 'toggle-scale', scale: 2 });
    expect(shortcutFor({ key: '[' }, body)).toEqual({ type: 'sigma', delta: -0.25 });
    expect(shortcutFor({ key: ']' }, body)).toEqual({ type: 'sigma', delta: 0.25 });
    expect(shortcutFor({ key: 'o' }, body)).toEqual({ type: 'toggle-mode' });
    expect(shortcutFor({ key: 'F' }, body)).toEqual({ type: 'toggle-zoom' });
    expect(shortcutFor({ key: 'x' }, body)).toBeNull();
    expect(shortcutFor({ key: '4' }, body)).toBeNull();
  });

  it('stays out of the way of typing and browser shortcuts', () => {
    expect(shortcutFor({ key: '1' }, { tagName: 'INPUT', type: 'number' })).toBeNull();
    expect(shortcutFor({ key: 'o' }, { tagName: 'INPUT' })).toBeNull();
    expect(shortcutFor({ key: 'f' }, { tagName: 'SELECT' })).toBeNull();
    expect(shortcutFor({ key: 'f' }, { tagName: 'DIV', isContentEditable: true })).toBeNull();
    expect(shortcutFor({ key: 'f', ctrlKey: true }, body)).toBeNull();
    expect(shortcutFor({ key: '1', metaKey: true }, body)).toBeNull();
    // Sliders, checkboxes and buttons do not take text.
    expect(shortcutFor({ key: ']' }, { tagName: 'INPUT', type: 'range' })).toEqual({ type: 'sigma', delta: 0.25 });
    expect(shortcutFor({ key: '2' }, { tagName: 'INPUT', type: 'checkbox' })).toEqual({ type: 'toggle-scale', scale: 1 });
    expect(shortcutFor({ key: 'o' }, { tagName: 'BUTTON' })).toEqual({ type: 'toggle-mode' });
    expect(isTypingTarget(null)).toBe(false);
  });

  it('moves in the image list with ↑/↓ page-wide, except where the arrows change a value', () => {
    expect(shortcutFor({ key: 'ArrowDown' }, body)).toEqual({ type: 'move', delta: 1 });
    expect(shortcutFor({ key: 'ArrowUp' }, { tagName: 'BUTTON' })).toEqual({ type: 'move', delta: -1 });
    expect(shortcutFor({ key: 'ArrowDown' }, { tagName: 'INPUT', type: 'checkbox' })).toEqual({ type: 'move', delta: 1 });
    expect(shortcutFor({ key: 'ArrowDown' }, { tagName: 'INPUT', type: 'range' })).toBeNull();
    expect(shortcutFor({ key: 'ArrowUp' }, { tagName: 'INPUT', type: 'radio' })).toBeNull();
    expect(shortcutFor({ key: 'ArrowUp' }, { tagName: 'INPUT', type: 'number' })).toBeNull();
    expect(shortcutFor({ key: 'ArrowDown' }, { tagName: 'SELECT' })).toBeNull();
    expect(shortcutFor({ key: 'ArrowDown', altKey: true }, body)).toBeNull();
  });
});

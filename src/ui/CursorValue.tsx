/** The map value under the pointer: a tiny channel outside React state, and the readout span that shows it. */
import { useSyncExternalStore } from 'react';
import { formatValue } from './view-math';

export type CursorInfo = { x: number; y: number; value: number } | null;

export interface CursorChannel {
  get(): CursorInfo;
  set(value: CursorInfo): void;
  subscribe(listener: () => void): () => void;
}

/**
 * The value under the pointer changes on every pointer move: kept outside React state so that only the
 * readout span re-renders, not the viewer, its controls and the colorbar.
 */
export function createCursorChannel(): CursorChannel {
  let value: CursorInfo = null;
  const listeners = new Set<() => void>();
  return {
    get: () => value,
    set(next) {
      value = next;
      for (const l of listeners) l();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function CursorValue({ channel }: { channel: CursorChannel }) {
  const cursor = useSyncExternalStore(channel.subscribe, channel.get);
  return (
    <span data-testid="cursor-value" className="cursor-value" aria-live="off">
      {cursor && Number.isFinite(cursor.value) ? `${formatValue(cursor.value)} at (${cursor.x}, ${cursor.y})` : 'point at the image for a value'}
    </span>
  );
}

/**
 * The app's store reaches components through a context (one store per app; the worker client lives in the
 * store's services, never in React state).
 */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { InspectorState, InspectorStore } from '../store';

export const StoreContext = createContext<InspectorStore | null>(null);

export function useInspectorStore(): InspectorStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useInspector: no InspectorStore provided (wrap the app in StoreContext)');
  return store;
}

/** Subscribes to a slice of the state; the selector must return a stable reference (see store/selectors). */
export function useInspector<T>(selector: (s: InspectorState) => T): T {
  return useStore(useInspectorStore(), selector);
}

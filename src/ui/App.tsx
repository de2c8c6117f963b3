/**
 * The inspection page: header (model, backend), error banner, inputs + samples + image list on the left,
 * the viewer on the right. App-wide: paste, drop anywhere, keyboard shortcuts.
 */
import { useEffect } from 'react';
import type { InspectorStore } from '../store';
import { ErrorBanner } from './ErrorBanner';
import { Gallery } from './Gallery';
import { Header } from './Header';
import { ImageList } from './ImageList';
import { filesOf, InputPanel } from './InputPanel';
import { SHORTCUT_HELP, shortcutFor } from './shortcuts';
import { StoreContext, useInspectorStore } from './store-context';
import { Viewer } from './Viewer';

export function App({ store }: { store: InspectorStore }) {
  return (
    <StoreContext.Provider value={store}>
      <Shell />
    </StoreContext.Provider>
  );
}

function useGlobalInput(store: InspectorStore): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || (e.repeat && (e.key === 'o' || e.key === 'f'))) return;
      const action = shortcutFor(e, e.target as HTMLInputElement | null);
      if (!action) return;
      e.preventDefault();
      const s = store.getState();
      switch (action.type) {
        case 'toggle-scale':
          s.toggleScale(action.scale);
          break;
        case 'sigma':
          s.nudgeSigma(action.delta);
          break;
        case 'toggle-mode':
          s.toggleMode();
          break;
        case 'toggle-zoom':
          s.toggleZoom();
          break;
      }
    };
    const onPaste = (e: ClipboardEvent) => {
      const files = filesOf(e.clipboardData?.files);
      if (files.length === 0) return; // plain text: leave it to the focused input
      e.preventDefault();
      void store.getState().addFiles(files);
    };
    const isFileDrag = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
    // Dropping files anywhere on the page inspects them (the drop zone handles its own drops first);
    // without this the browser would navigate away to the dropped file.
    const onDragOver = (e: DragEvent) => {
      if (isFileDrag(e)) e.preventDefault();
    };
    const onDrop = (e: DragEvent) => {
      if (!isFileDrag(e) || e.defaultPrevented) return;
      e.preventDefault();
      const files = filesOf(e.dataTransfer?.files);
      if (files.length > 0) void store.getState().addFiles(files);
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('paste', onPaste);
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('paste', onPaste);
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('drop', onDrop);
    };
  }, [store]);
}

function Shell() {
  const store = useInspectorStore();
  useGlobalInput(store);
  return (
    <div className="app">
      <Header />
      <ErrorBanner />
      <main className="layout">
        <aside className="sidebar" aria-label="Images">
          <InputPanel />
          <Gallery />
          <ImageList />
        </aside>
        <Viewer />
      </main>
      <footer className="help-line">
        <span className="muted">Keys (outside text fields):</span>
        {SHORTCUT_HELP.map(([k, what]) => (
          <span key={k}>
            <kbd>{k}</kbd> {what}
          </span>
        ))}
      </footer>
    </div>
  );
}

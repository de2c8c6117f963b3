/**
 * The page: header (model, backend), error banner, and four views as tabs — Inspect (inputs + samples +
 * image list on the left, the viewer on the right), Teach (fine-tuning on your normal images), Evaluate (metrics and
 * reports on a labelled folder) and Your
 * models (saved models, export, import). App-wide: paste, drop anywhere (model bundles are imported,
 * images inspected), keyboard shortcuts.
 */
import { useEffect, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import { trainFraction, type InspectorStore } from '../store';
import { CameraToggle } from './CameraToggle';
import { CameraView } from './CameraView';
import { BatchExport } from './BatchExport';
import { ErrorBanner } from './ErrorBanner';
import { EvaluatePanel } from './EvaluatePanel';
import { Gallery } from './Gallery';
import { Header } from './Header';
import { ImageList } from './ImageList';
import { filesOf, isFileDrag } from './file-drop';
import { folderFilesOfDrop } from './folder-files';
import { InputPanel } from './InputPanel';
import { LibraryPanel } from './LibraryPanel';
import { SHORTCUT_HELP, shortcutFor } from './shortcuts';
import { StoreContext, useInspector, useInspectorStore } from './store-context';
import { TrainPanel } from './TrainPanel';
import { Viewer } from './Viewer';

type TabId = 'inspect' | 'teach' | 'evaluate' | 'models';
const TABS: readonly { id: TabId; label: string }[] = [
  { id: 'inspect', label: 'Inspect' },
  { id: 'teach', label: 'Teach' },
  { id: 'evaluate', label: 'Evaluate' },
  { id: 'models', label: 'Your models' },
];

export function App({ store }: { store: InspectorStore }) {
  return (
    <StoreContext.Provider value={store}>
      <Shell />
    </StoreContext.Provider>
  );
}

/**
 * Files from a paste or a drop outside the drop zones: model bundles are imported; images are inspected,
 * or added to the training images while the Teach tab is open.
 */
function openAnywhere(store: InspectorStore, files: { blob: Blob; name: string }[], tab: TabId): void {
  void store.getState().openFiles(files, tab === 'teach' ? 'train' : 'inspect');
}

function useGlobalInput(store: InspectorStore, tabRef: { readonly current: TabId }): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || (e.repeat && (e.key === 'o' || e.key === 'f'))) return;
      const action = shortcutFor(e, e.target as HTMLInputElement | null);
      if (!action || (action.type === 'move' && tabRef.current !== 'inspect')) return;
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
        case 'move':
          // Only on the Inspect tab (checked above), where the list is: elsewhere the arrows scroll the page.
          s.moveSelection(action.delta);
          break;
      }
    };
    const onPaste = (e: ClipboardEvent) => {
      const files = filesOf(e.clipboardData?.files);
      if (files.length === 0) return; // plain text: leave it to the focused input
      e.preventDefault();
      openAnywhere(store, files, tabRef.current);
    };
    // Dropping files anywhere on the page inspects them (the drop zone handles its own drops first);
    // without this the browser would navigate away to the dropped file.
    const onDragOver = (e: DragEvent) => {
      if (isFileDrag(e)) e.preventDefault();
    };
    const onDrop = (e: DragEvent) => {
      if (!isFileDrag(e) || e.defaultPrevented) return;
      e.preventDefault();
      // On the Evaluate tab a drop anywhere is a labelled folder to evaluate.
      if (tabRef.current === 'evaluate' && e.dataTransfer) {
        void folderFilesOfDrop(e.dataTransfer).then((files) => {
          if (files.length > 0) void store.getState().evaluateFolder(files);
        });
        return;
      }
      const files = filesOf(e.dataTransfer?.files);
      if (files.length > 0) openAnywhere(store, files, tabRef.current);
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
  }, [store, tabRef]);
}

/** Tabs with the roving tab index of the WAI-ARIA tabs pattern (←/→/Home/End move and activate). */
function TabBar({ tab, onSelect }: { tab: TabId; onSelect: (t: TabId) => void }) {
  const refs = useRef(new Map<TabId, HTMLButtonElement>());
  const training = useInspector((s) => (s.trainStatus === 'running' ? Math.round(trainFraction(s.trainProgress) * 100) : null));
  const onKeyDown = (e: ReactKeyboardEvent<HTMLButtonElement>) => {
    const i = TABS.findIndex((t) => t.id === tab);
    let j = -1;
    if (e.key === 'ArrowRight') j = (i + 1) % TABS.length;
    else if (e.key === 'ArrowLeft') j = (i - 1 + TABS.length) % TABS.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = TABS.length - 1;
    if (j < 0) return;
    e.preventDefault();
    onSelect(TABS[j].id);
    refs.current.get(TABS[j].id)?.focus();
  };
  return (
    <nav className="tabs" role="tablist" aria-label="Views">
      {TABS.map((t) => (
        <button
          key={t.id}
          ref={(el) => {
            if (el) refs.current.set(t.id, el);
            else refs.current.delete(t.id);
          }}
          type="button"
          role="tab"
          id={`tab-${t.id}`}
          data-testid={`tab-${t.id}`}
          aria-selected={tab === t.id}
          aria-controls={`panel-${t.id}`}
          tabIndex={tab === t.id ? 0 : -1}
          className={`tab${tab === t.id ? ' tab-selected' : ''}`}
          onClick={() => onSelect(t.id)}
          onKeyDown={onKeyDown}
        >
          {t.label}
          {t.id === 'teach' && training !== null && <span className="chip chip-pending tab-badge">training {training} %</span>}
        </button>
      ))}
    </nav>
  );
}

function Shell() {
  const store = useInspectorStore();
  const [tab, setTab] = useState<TabId>('inspect');
  const cameraOpen = useInspector((s) => s.cameraOpen);
  const tabRef = useRef(tab);
  tabRef.current = tab;
  useGlobalInput(store, tabRef);
  return (
    <div className="app">
      <Header />
      <TabBar tab={tab} onSelect={setTab} />
      <ErrorBanner />
      {tab === 'inspect' && (
        <main className="layout" role="tabpanel" id="panel-inspect" aria-labelledby="tab-inspect">
          <aside className="sidebar" aria-label="Images">
            <InputPanel />
            <CameraToggle />
            <Gallery />
            <ImageList />
            <BatchExport />
          </aside>
          {cameraOpen ? <CameraView /> : <Viewer onTeach={() => setTab('teach')} />}
        </main>
      )}
      {tab === 'teach' && (
        <main className="page-panel" role="tabpanel" id="panel-teach" aria-labelledby="tab-teach">
          <TrainPanel onInspect={() => setTab('inspect')} />
        </main>
      )}
      {tab === 'evaluate' && (
        <main className="page-panel" role="tabpanel" id="panel-evaluate" aria-labelledby="tab-evaluate">
          <EvaluatePanel />
        </main>
      )}
      {tab === 'models' && (
        <main className="page-panel" role="tabpanel" id="panel-models" aria-labelledby="tab-models">
          <LibraryPanel />
        </main>
      )}
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

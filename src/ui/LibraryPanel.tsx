/**
 * The "Your models" tab: models saved in this browser (IndexedDB, in the worker) with rename, delete,
 * export and "use"; storage used; export of the active model; import of a bundle (.zip, or model.json +
 * weights.bin + meta.json). Bundles dropped anywhere on the page are imported too (App routes them).
 */
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { selectActiveModel, type LibraryModelInfo } from '../store';
import { formatBytes } from './chart-data';
import { filesOf } from './file-drop';
import { useInspector } from './store-context';

function dateText(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function LibraryItem({ info, active }: { info: LibraryModelInfo; active: boolean }) {
  const { renameLibraryModel, deleteLibraryModel, exportModel, selectModel, busy, training } = useInspector(
    useShallow((s) => ({
      renameLibraryModel: s.renameLibraryModel,
      deleteLibraryModel: s.deleteLibraryModel,
      exportModel: s.exportModel,
      selectModel: s.selectModel,
      busy: s.libraryBusy,
      training: s.trainStatus === 'running',
    })),
  );
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(info.name);
  const [confirming, setConfirming] = useState(false);
  const headingId = `library-name-${info.id}`;

  return (
    <li data-testid="library-item" data-id={info.id} data-name={info.name} className={`library-item${active ? ' library-item-active' : ''}`} aria-labelledby={headingId}>
      <div className="library-main">
        {editing ? (
          <form
            className="library-rename-form"
            onSubmit={(e) => {
              e.preventDefault();
              void renameLibraryModel(info.id, name).then((ok) => ok && setEditing(false));
            }}
          >
            <label className="visually-hidden" htmlFor={`rename-${info.id}`}>
              New name for {info.name}
            </label>
            <input
              id={`rename-${info.id}`}
              data-testid="library-rename-input"
              type="text"
              maxLength={100}
              value={name}
              autoFocus
              onChange={(e) => setName(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Escape') {
                  setEditing(false);
                  setName(info.name);
                }
              }}
            />
            <button type="submit" className="button button-small button-primary" data-testid="library-rename-save" disabled={busy || !name.trim()}>
              Save name
            </button>
            <button
              type="button"
              className="button button-small"
              onClick={() => {
                setEditing(false);
                setName(info.name);
              }}
            >
              Cancel
            </button>
          </form>
        ) : (
          <h3 id={headingId} className="library-name">
            {info.name}
            {active && <span className="chip chip-ok">active</span>}
          </h3>
        )}
        <p className="small muted library-facts">
          {info.origin === 'imported' ? 'imported' : 'trained here'} · {info.teacher} · {info.inputSize}² · {formatBytes(info.bytes)} · threshold{' '}
          {info.threshold === null ? 'none' : info.threshold.toFixed(4)}
          {info.optimistic ? ' (optimistic)' : ''} · {dateText(info.createdAt)}
        </p>
      </div>
      <div className="library-actions" role="group" aria-label={`Actions for ${info.name}`}>
        <button type="button" className="button button-small" data-testid="library-use" disabled={active || training} onClick={() => void selectModel(info.id)}>
          Use
        </button>
        <button
          type="button"
          className="button button-small"
          data-testid="library-rename"
          disabled={busy || editing}
          onClick={() => {
            setName(info.name);
            setEditing(true);
          }}
        >
          Rename
        </button>
        <button type="button" className="button button-small" data-testid="library-export" disabled={busy} onClick={() => void exportModel({ kind: 'indexeddb', id: info.id })}>
          Export
        </button>
        {confirming ? (
          <>
            <button
              type="button"
              className="button button-small button-danger"
              data-testid="library-delete-confirm"
              disabled={busy}
              autoFocus
              onClick={() => {
                setConfirming(false);
                void deleteLibraryModel(info.id);
              }}
            >
              Delete “{info.name}”
            </button>
            <button type="button" className="button button-small" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        ) : (
          <button type="button" className="button button-small" data-testid="library-delete" disabled={busy} onClick={() => setConfirming(true)}>
            Delete…
          </button>
        )}
      </div>
    </li>
  );
}

export function LibraryPanel() {
  const s = useInspector(
    useShallow((st) => ({
      library: st.library,
      status: st.libraryStatus,
      error: st.libraryError,
      storage: st.libraryStorage,
      unreadable: st.libraryUnreadable,
      notice: st.libraryNotice,
      busy: st.libraryBusy,
      activeModelId: st.activeModelId,
      modelReady: st.modelStatus === 'ready',
      exportModel: st.exportModel,
      importBundle: st.importBundle,
    })),
  );
  const active = useInspector(selectActiveModel);

  return (
    <div className="library-layout">
      <section className="panel library-panel" aria-labelledby="library-heading">
        <div className="panel-head">
          <h2 id="library-heading" className="panel-title">
            Your models <span className="muted">({s.library.length})</span>
          </h2>
          {s.storage && (
            <span className="small muted" data-testid="library-storage">
              browser storage used by this site: {formatBytes(s.storage.usage)} of {formatBytes(s.storage.quota)}
            </span>
          )}
        </div>
        <div className="library-toolbar">
          <span className="small">
            Active model: <strong>{active?.title ?? 'none'}</strong>
            {active?.unsaved ? ' (not saved)' : ''}
          </span>
          <button type="button" className="button" data-testid="export-model" disabled={!s.modelReady || s.busy} onClick={() => void s.exportModel()}>
            Export active model (.zip)
          </button>
          <label className="button file-button">
            Import model…
            <input
              data-testid="import-input"
              className="visually-hidden"
              type="file"
              multiple
              accept=".zip,.json,.bin,application/zip,application/json"
              onChange={(e) => {
                const files = filesOf(e.currentTarget.files);
                e.currentTarget.value = '';
                if (files.length > 0) void s.importBundle(files);
              }}
            />
          </label>
        </div>
        <p className="muted small">
          Import a bundle .zip, or model.json + weights.bin + meta.json together (from <code>npm run train</code> or another browser). You can also drop them anywhere on the page.
        </p>
        <p className="small library-notice" role="status" aria-live="polite" data-testid="library-notice">
          {s.busy ? 'Working…' : (s.notice ?? '')}
        </p>
        {s.error && <p className="hint hint-warn">{s.error}</p>}
        <ul data-testid="library" className="library-list" aria-label="Your saved models">
          {s.status === 'loading' && s.library.length === 0 && <li className="muted small empty">Reading your models…</li>}
          {s.status !== 'loading' && s.library.length === 0 && (
            <li className="muted small empty">No saved models yet: train one in the “Teach” tab, or import a bundle.</li>
          )}
          {s.library.map((info) => (
            <LibraryItem key={`${info.id}:${info.savedAt}`} info={info} active={info.id === s.activeModelId} />
          ))}
        </ul>
        {s.unreadable.length > 0 && (
          <div className="hint hint-warn">
            {s.unreadable.length} stored model{s.unreadable.length === 1 ? '' : 's'} could not be read:{' '}
            {s.unreadable.map((u) => `${u.id} (${u.reason})`).join('; ')}
          </div>
        )}
      </section>
    </div>
  );
}

/**
 * The inspected images, highest score first (pending ones below, failed ones last). A listbox that takes
 * the focus itself (Tab stop, aria-activedescendant = the selected image); its options can be focused too
 * (click). Click or Enter selects, ↑/↓/Home/End move the selection while the list has focus, Delete
 * removes the selected image (↑/↓ also work page-wide, see App). Rows are memoised on their ListRow, which
 * the store keeps while the image is unchanged: a result in a batch of hundreds re-renders one row.
 */
import { memo, useEffect, useRef, type KeyboardEvent, type ReactElement } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { selectListRows, selectVerdictCounts, type ListRow } from '../store';
import { useInspector } from './store-context';

const VERDICT_TEXT: Record<ListRow['verdict'], string> = { ok: 'OK', anomaly: 'ANOMALY', pending: 'pending', error: 'error' };

function scoreText(row: ListRow): string {
  const { item } = row;
  if (item.status === 'error') return '';
  if (item.score === null) return item.status === 'decoding' ? 'decoding…' : item.status === 'running' ? 'inferring…' : 'queued';
  return item.score.toFixed(4);
}

export function ImageList() {
  const rows = useInspector(selectListRows);
  const counts = useInspector(selectVerdictCounts);
  const { selectedId, select, moveSelection, removeImage, clearImages } = useInspector(
    useShallow((s) => ({
      selectedId: s.selectedId,
      select: s.select,
      moveSelection: s.moveSelection,
      removeImage: s.removeImage,
      clearImages: s.clearImages,
    })),
  );
  const listRef = useRef<HTMLUListElement>(null);
  const itemRefs = useRef(new Map<string, HTMLLIElement>());
  // The row elements themselves are kept while their row and selection stay: React then skips them without
  // even comparing props, and no element is built for the hundreds of unchanged rows of a batch.
  const rowElements = useRef(new WeakMap<ListRow, { selected: boolean; element: ReactElement }>());
  const elementOf = (row: ListRow): ReactElement => {
    const selected = row.item.id === selectedId;
    const cached = rowElements.current.get(row);
    if (cached && cached.selected === selected) return cached.element;
    const element = <ImageRow key={row.item.id} row={row} selected={selected} onSelect={select} refs={itemRefs.current} />;
    rowElements.current.set(row, { selected, element });
    return element;
  };

  // The selected image stays in view: after keyboard moves, and when results re-sort the list under it
  // (its position changes). When the focus was on an option it follows. An effect, not a layout effect:
  // scrollIntoView forces a layout, which inside the commit made every drop a 60 ms task.
  const selectedIndex = rows.findIndex((r) => r.item.id === selectedId);
  useEffect(() => {
    if (selectedId === null) return;
    const el = itemRefs.current.get(selectedId);
    if (!el) return;
    const active = document.activeElement;
    if (active && active !== listRef.current && active !== el && listRef.current?.contains(active)) el.focus();
    el.scrollIntoView?.({ block: 'nearest' });
  }, [selectedId, selectedIndex]);

  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>) => {
    const id = (e.target as HTMLElement).dataset.id;
    switch (e.key) {
      case 'ArrowDown':
      case 'ArrowUp':
        e.preventDefault();
        moveSelection(e.key === 'ArrowDown' ? 1 : -1);
        break;
      case 'Home':
      case 'End':
        e.preventDefault();
        if (rows.length > 0) select(rows[e.key === 'Home' ? 0 : rows.length - 1].item.id);
        break;
      case 'Enter':
      case ' ':
        if (id) {
          e.preventDefault();
          select(id);
        }
        break;
      case 'Delete': {
        const target = id ?? selectedId;
        if (target) {
          e.preventDefault();
          removeImage(target);
        }
        break;
      }
    }
  };

  const activeOption = rows.some((r) => r.item.id === selectedId) ? `image-option-${selectedId}` : undefined;

  return (
    <section className="panel image-list-panel" aria-labelledby="list-heading">
      <div className="panel-head">
        <h2 id="list-heading" className="panel-title">
          Images <span className="muted">({rows.length})</span>
        </h2>
        <div className="panel-actions">
          <button type="button" className="button button-small" disabled={selectedId === null} onClick={() => selectedId && removeImage(selectedId)}>
            Remove
          </button>
          <button type="button" className="button button-small" disabled={rows.length === 0} onClick={clearImages}>
            Clear
          </button>
        </div>
      </div>
      {rows.length > 0 && (
        <p className="counts small" aria-live="polite">
          <span className="chip chip-anomaly">{counts.anomaly} anomal{counts.anomaly === 1 ? 'y' : 'ies'}</span>
          <span className="chip chip-ok">{counts.ok} OK</span>
          {counts.pending > 0 && <span className="chip chip-pending">{counts.pending} pending</span>}
          {counts.error > 0 && <span className="chip chip-error">{counts.error} failed</span>}
        </p>
      )}
      <ul
        ref={listRef}
        data-testid="image-list"
        role="listbox"
        tabIndex={0}
        aria-activedescendant={activeOption}
        aria-label="Inspected images, highest score first"
        className="image-list"
        onKeyDown={onKeyDown}
      >
        {rows.length === 0 && (
          <li className="muted small empty" role="presentation">
            No images yet.
          </li>
        )}
        {rows.map(elementOf)}
      </ul>
    </section>
  );
}

interface ImageRowProps {
  row: ListRow;
  selected: boolean;
  onSelect: (id: string) => void;
  /** The list's map of row elements by image id (for scrolling the selection into view). */
  refs: Map<string, HTMLLIElement>;
}

const ImageRow = memo(function ImageRow({ row, selected, onSelect, refs }: ImageRowProps) {
  const { item, verdict } = row;
  return (
    <li
      ref={(el) => {
        if (el) refs.set(item.id, el);
        else refs.delete(item.id);
      }}
      id={`image-option-${item.id}`}
      role="option"
      aria-selected={selected}
      tabIndex={-1}
      data-testid="image-list-item"
      data-id={item.id}
      data-name={item.name}
      data-score={item.score === null ? '' : item.score.toFixed(6)}
      data-verdict={verdict}
      className={`image-item${selected ? ' selected' : ''}${row.stale ? ' stale' : ''}`}
      onClick={() => onSelect(item.id)}
      title={item.error ?? item.name}
    >
      {item.image ? (
        <img className="thumb" src={item.image.thumbnail} alt="" width={48} height={48} decoding="async" />
      ) : (
        <span className="thumb thumb-empty" aria-hidden="true" />
      )}
      <span className="item-text">
        <span className="item-name">{item.name}</span>
        <span className="item-score">{item.status === 'error' ? item.error : scoreText(row)}</span>
      </span>
      <span className={`chip chip-${verdict}`}>{VERDICT_TEXT[verdict]}</span>
    </li>
  );
});

/** Drop zone and file picker (paste is handled app-wide in App). */
import { useRef, useState, type DragEvent } from 'react';
import { useInspector } from './store-context';

/** Files of a drag-and-drop or paste, with a name for each (pasted images may come without one). */
export function filesOf(list: FileList | null | undefined): { blob: Blob; name: string }[] {
  if (!list) return [];
  return Array.from(list, (f, i) => ({ blob: f, name: f.name || `pasted-${i + 1}.png` }));
}

function hasFiles(e: DragEvent): boolean {
  return Array.from(e.dataTransfer?.types ?? []).includes('Files');
}

export function InputPanel() {
  const addFiles = useInspector((s) => s.addFiles);
  const openFiles = useInspector((s) => s.openFiles);
  const [over, setOver] = useState(false);
  const depth = useRef(0);

  const onDragEnter = (e: DragEvent<HTMLDivElement>) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth.current++;
    setOver(true);
  };
  const onDragOver = (e: DragEvent<HTMLDivElement>) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  };
  const onDragLeave = () => {
    depth.current = Math.max(0, depth.current - 1);
    if (depth.current === 0) setOver(false);
  };
  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    depth.current = 0;
    setOver(false);
    const files = filesOf(e.dataTransfer?.files);
    // Model bundles (.zip, or model.json + weights.bin + meta.json) are imported, images inspected.
    if (files.length > 0) void openFiles(files);
  };

  return (
    <section className="panel input-panel" aria-labelledby="input-heading">
      <h2 id="input-heading" className="panel-title">
        Inspect images
      </h2>
      <div
        data-testid="drop-zone"
        className={`drop-zone${over ? ' drop-zone-over' : ''}`}
        onDragEnter={onDragEnter}
        onDragOver={onDragOver}
        onDragLeave={onDragLeave}
        onDrop={onDrop}
      >
        <p>Drop photos here, paste them, or</p>
        <label className="button button-primary file-button">
          Choose images…
          <input
            data-testid="file-input"
            className="visually-hidden"
            type="file"
            multiple
            accept="image/*"
            onChange={(e) => {
              const files = filesOf(e.currentTarget.files);
              e.currentTarget.value = '';
              if (files.length > 0) void addFiles(files);
            }}
          />
        </label>
        <p className="muted small">PNG, JPEG, WebP, BMP or GIF · up to 50 megapixels · nothing leaves this tab</p>
        <p className="muted small">Dropping a model bundle (.zip) imports it into “Your models”.</p>
      </div>
    </section>
  );
}

/** Drop zone and file picker (paste is handled app-wide in App). */
import { filesOf, useFileDrop } from './file-drop';
import { useInspector } from './store-context';

export function InputPanel() {
  const addFiles = useInspector((s) => s.addFiles);
  const openFiles = useInspector((s) => s.openFiles);
  // Model bundles (.zip, or model.json + weights.bin + meta.json) are imported, images inspected.
  const { over, handlers } = useFileDrop((files) => void openFiles(files));

  return (
    <section className="panel input-panel" aria-labelledby="input-heading">
      <h2 id="input-heading" className="panel-title">
        Inspect images
      </h2>
      <div
        data-testid="drop-zone"
        className={`drop-zone${over ? ' drop-zone-over' : ''}`}
        {...handlers}
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

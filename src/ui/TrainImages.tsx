/** The Teach tab's normal images: drop zone and picker (bundles dropped here are imported), thumbnails, remove / clear. */
import { useShallow } from 'zustand/react/shallow';
import { filesOf, useFileDrop } from './file-drop';
import { useInspector } from './store-context';

/** The normal images to train on. */
export function TrainImages() {
  const { images, addTrainFiles, openFiles, removeTrainImage, clearTrainImages, running } = useInspector(
    useShallow((s) => ({
      images: s.trainImages,
      addTrainFiles: s.addTrainFiles,
      openFiles: s.openFiles,
      removeTrainImage: s.removeTrainImage,
      clearTrainImages: s.clearTrainImages,
      running: s.trainStatus === 'running',
    })),
  );
  const ready = images.filter((i) => i.status === 'ready').length;
  // Handled here: the page-wide drop handler (inspection / bundle import) sees defaultPrevented.
  const { over, handlers } = useFileDrop((files) => void openFiles(files, 'train'));

  let hint: string;
  if (ready === 0) hint = 'Add photos of good parts only: 10–30 recommended, 1 works.';
  else if (ready < 5) hint = `${ready} image${ready === 1 ? '' : 's'}: with fewer than 5 none can be held out, so the threshold will be optimistic.`;
  else hint = `${ready} images: every 5th is held out to set the threshold (${Math.ceil(ready / 5)} held out).`;

  return (
    <section className="panel train-images" aria-labelledby="train-images-heading">
      <div className="panel-head">
        <h2 id="train-images-heading" className="panel-title">
          Normal images <span className="muted">({images.length})</span>
        </h2>
        <div className="panel-actions">
          <button type="button" className="button button-small" disabled={images.length === 0 || running} onClick={clearTrainImages}>
            Clear
          </button>
        </div>
      </div>
      <div
        className={`drop-zone${over ? ' drop-zone-over' : ''}`}
        data-testid="train-drop-zone"
        {...handlers}
      >
        <p>Drop normal (defect-free) images here, or</p>
        <label className="button button-primary file-button">
          Choose normal images…
          <input
            data-testid="train-file-input"
            className="visually-hidden"
            type="file"
            multiple
            accept="image/*"
            disabled={running}
            onChange={(e) => {
              const files = filesOf(e.currentTarget.files);
              e.currentTarget.value = '';
              if (files.length > 0) void addTrainFiles(files);
            }}
          />
        </label>
        <p className="muted small">{hint}</p>
        <p className="muted small" data-testid="train-images-kept">
          The images stay in this tab only: they are not stored, and a reload empties the list (a trained model is kept once saved).
        </p>
      </div>
      {images.length > 0 && (
        <ul className="train-thumbs" aria-label="Images to train on">
          {images.map((img) => (
            <li key={img.id} data-testid="train-image" data-name={img.name} data-status={img.status} className={`train-thumb train-thumb-${img.status}`} title={img.error ?? img.name}>
              {img.image ? <img src={img.image.thumbnail} alt={img.name} width={64} height={64} /> : <span className="thumb-empty train-thumb-empty">{img.status === 'decoding' ? '…' : '!'}</span>}
              <button
                type="button"
                className="train-thumb-remove"
                aria-label={`Remove ${img.name}`}
                disabled={running}
                onClick={() => removeTrainImage(img.id)}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

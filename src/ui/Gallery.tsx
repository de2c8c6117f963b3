/** Sample images of the active model's category: a click inspects one like a dropped file. */
import { useShallow } from 'zustand/react/shallow';
import { baseName, selectGalleryCategory } from '../store';
import { useInspector } from './store-context';

const BASE_URL = import.meta.env.BASE_URL;

export function Gallery() {
  const category = useInspector(selectGalleryCategory);
  const { samplesStatus, samplesError, addSample, modelStatus } = useInspector(
    useShallow((s) => ({ samplesStatus: s.samplesStatus, samplesError: s.samplesError, addSample: s.addSample, modelStatus: s.modelStatus })),
  );

  let body;
  if (samplesStatus === 'loading' || samplesStatus === 'idle') body = <p className="muted small">Reading the sample list…</p>;
  else if (samplesStatus === 'error') body = <p className="muted small">{samplesError}</p>;
  else if (!category || category.samples.length === 0) {
    body = <p className="muted small">{modelStatus === 'none' ? 'No model selected.' : 'No samples for this model.'}</p>;
  } else {
    body = (
      <ul className="gallery-grid">
        {category.samples.map((s) => {
          const label = s.label === 'defect' ? s.defect ?? 'defect' : 'good';
          return (
            <li key={s.file}>
              <button
                type="button"
                data-testid="gallery-item"
                data-file={s.file}
                data-label={s.label}
                className={`gallery-item gallery-${s.label}`}
                onClick={() => void addSample(s.file)}
                aria-label={`Inspect sample ${baseName(s.file)} (${label})`}
                title={`${baseName(s.file)} — ${label}`}
              >
                <img src={`${BASE_URL}${s.file}`} alt="" loading="lazy" width={64} height={64} />
                <span className="gallery-label">{label}</span>
              </button>
            </li>
          );
        })}
      </ul>
    );
  }

  return (
    <section data-testid="gallery" className="panel gallery" aria-labelledby="gallery-heading">
      <h2 id="gallery-heading" className="panel-title">
        Samples{category ? ` · ${category.title}` : ''}
      </h2>
      {body}
    </section>
  );
}

/** Title, model picker and status, backend badge with the last stage timings, fallback notes. */
import { useShallow } from 'zustand/react/shallow';
import { selectActiveModel, type InspectorState } from '../store';
import { useInspector } from './store-context';
import { confirmDiscardUnsaved } from './unsaved-guard';

function modelStatusText(s: InspectorState): string {
  const model = selectActiveModel(s);
  if (s.modelsStatus === 'loading' || s.modelsStatus === 'idle') return 'reading the model list…';
  if (s.modelsStatus === 'error') return 'no model';
  switch (s.modelStatus) {
    case 'loading':
      return `loading ${model?.title ?? 'model'}…`;
    case 'ready': {
      const info = s.modelInfo;
      const size = info ? ` · ${info.inputSize}²` : '';
      const secs = info ? ` · loaded in ${(info.loadMs / 1000).toFixed(1)} s` : '';
      const profile = info?.meta.evidence ? ' · accurate profile (RD + nearest neighbour)' : '';
      return `ready · ${info?.teacher ?? ''}${size}${profile}${secs}`;
    }
    case 'error':
      return 'failed to load';
    default:
      return s.engineStatus === 'error' ? 'no backend' : 'waiting for the backend…';
  }
}

function ms(v: number): string {
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

export function Header() {
  const { models, activeModelId, modelStatus, selectModel, training } = useInspector(
    useShallow((s) => ({
      models: s.models,
      activeModelId: s.activeModelId,
      modelStatus: s.modelStatus,
      selectModel: s.selectModel,
      training: s.trainStatus === 'running',
    })),
  );
  const shipped = models.filter((m) => m.origin === 'shipped');
  const yours = models.filter((m) => m.origin !== 'shipped');
  const active = models.find((m) => m.id === activeModelId);
  const choose = (id: string) => {
    // A trained model that was not saved lives only in the worker: choosing another one discards it.
    if (id !== active?.id && !confirmDiscardUnsaved(active, 'Choosing another model')) return;
    void selectModel(id);
  };
  const statusText = useInspector(modelStatusText);
  const { backend, engineStatus, timings, notes } = useInspector(
    useShallow((s) => ({ backend: s.backend, engineStatus: s.engineStatus, timings: s.lastTimings, notes: s.notes })),
  );
  const skipped = backend?.notes ?? [];
  // Why this backend: measured, cached from an earlier visit, or forced (stale after a fall-back).
  const choice = backend?.choice && backend.choice.backend === backend.backend ? backend.choice : null;
  const why = choice ? choice.reason.replace(new RegExp(`^${choice.backend}\\s*—\\s*`), '') : null;

  return (
    <header className="app-header">
      <h1 className="app-title">
        RD Inspector <span className="app-subtitle">anomaly inspection in your browser</span>
      </h1>
      <div className="header-model">
        <label htmlFor="model-picker">Model</label>
        <select
          id="model-picker"
          data-testid="model-picker"
          value={activeModelId ?? ''}
          disabled={models.length === 0 || training}
          title={training ? 'A training run is going on: cancel it or let it finish to choose another model' : active?.title}
          onChange={(e) => choose(e.target.value)}
        >
          {models.length === 0 && <option value="">no models</option>}
          {shipped.length > 0 && (
            <optgroup label="Shipped">
              {shipped.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.title}
                </option>
              ))}
            </optgroup>
          )}
          {yours.length > 0 && (
            <optgroup label="Your models">
              {yours.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.title}
                  {m.unsaved ? ' (not saved)' : ''}
                </option>
              ))}
            </optgroup>
          )}
        </select>
        <span data-testid="model-status" className={`status status-${modelStatus}`} role="status" aria-live="polite" title={statusText}>
          {statusText}
        </span>
      </div>
      <div className="header-engine">
        <span className="engine-label" id="backend-label">
          Backend
        </span>
        <span
          data-testid="backend-badge"
          className={`badge badge-${backend?.backend ?? engineStatus}`}
          aria-labelledby="backend-label"
          title={[choice?.reason, skipped.length > 0 ? `skipped: ${skipped.join('; ')}` : ''].filter(Boolean).join('\n') || undefined}
        >
          {backend?.backend ?? (engineStatus === 'error' ? 'none' : 'starting…')}
        </span>
        {backend?.threads !== undefined && (
          <span
            data-testid="backend-threads"
            className="timings"
            title={backend.threads === 1 ? 'The page is not cross-origin isolated (COOP/COEP headers missing): wasm runs on one thread' : undefined}
          >
            · {backend.threads} thread{backend.threads === 1 ? '' : 's'}
          </span>
        )}
        {why && (
          <span data-testid="backend-reason" data-how={choice!.how} className="timings backend-reason">
            — {why}
            {choice!.how === 'cached' ? ' (measured on an earlier visit)' : ''}
          </span>
        )}
        <span
          data-testid="stage-timings"
          className="timings"
          aria-label="Stage timings of the last inference"
          title="maps: 1 − cos per scale, upsampling, and the fused, smoothed map of the current view"
        >
          {timings
            ? `teacher ${ms(timings.teacherMs)} · student ${ms(timings.studentMs)} · maps ${ms(timings.mapsMs + timings.smoothMs)} · total ${ms(timings.totalMs)} ms`
            : 'no inference yet'}
        </span>
      </div>
      {(notes.length > 0 || skipped.length > 0) && (
        <ul className="engine-notes" aria-label="Backend notes">
          {skipped.length > 0 && <li className="muted">Skipped backends: {skipped.join('; ')}</li>}
          {notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      )}
    </header>
  );
}

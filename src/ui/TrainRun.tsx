/** The Teach tab's run: status line with ETA, progress bar, warnings, the live loss curve, and saving the result. */
import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { formatDuration } from '../data/format';
import { trainFraction, type TrainProgress } from '../store';
import { LossChart } from './charts';
import { useInspector } from './store-context';

const PHASE_TEXT: Record<TrainProgress['phase'], string> = {
  features: 'Teacher features',
  training: 'Training',
  calibrating: 'Calibrating the threshold',
};

/** `etaMs`: the worker's estimate counted down since its event (a step on a slow backend takes seconds). */
function progressText(p: TrainProgress | null, etaMs: number): string {
  if (!p) return 'Starting…';
  if (p.phase === 'training') {
    const loss = Number.isFinite(p.loss) ? ` · loss ${p.loss.toFixed(4)}` : '';
    const done = (p.epoch - 1) * p.stepsPerEpoch + p.step;
    return `Training · step ${done}/${p.totalSteps} (epoch ${p.epoch}/${p.epochs})${loss} · ETA ${formatDuration(etaMs)}`;
  }
  return `${PHASE_TEXT[p.phase]} · ${p.step}/${p.stepsPerEpoch} images`;
}

/** performance.now(), refreshed every half second while `on`: elapsed time and ETA advance between events. */
function useTicker(on: boolean): number {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    if (!on) return;
    const id = setInterval(() => setNow(performance.now()), 500);
    return () => clearInterval(id);
  }, [on]);
  return now;
}

/** Status line, progress bar, loss curve, and the outcome of the last run. */
export function TrainRun({ onInspect }: { onInspect: () => void }) {
  const s = useInspector(
    useShallow((st) => ({
      status: st.trainStatus,
      progress: st.trainProgress,
      history: st.lossHistory,
      outcome: st.trainOutcome,
      startedAt: st.trainStartedAt,
      progressAt: st.trainProgressAt,
    })),
  );
  const p = s.progress;
  const running = s.status === 'running';
  const now = Math.max(useTicker(running), s.progressAt ?? 0);
  const elapsedMs = s.startedAt !== null ? now - s.startedAt : Number.NaN;
  const etaMs = p && s.progressAt !== null ? Math.max(0, p.etaMs - (now - s.progressAt)) : Number.NaN;
  const fraction = s.status === 'done' ? 1 : trainFraction(p);
  const lastLoss = s.history.losses.length ? s.history.losses[s.history.losses.length - 1] : Number.NaN;

  let statusText: string;
  if (s.status === 'running') statusText = progressText(p, etaMs);
  else if (s.status === 'idle') statusText = 'Not trained yet.';
  else statusText = s.outcome?.message ?? s.status;

  return (
    <section className="panel train-run" aria-labelledby="train-run-heading">
      <h2 id="train-run-heading" className="panel-title">
        Progress
      </h2>
      <p data-testid="train-status" data-status={s.status} className={`train-status train-status-${s.status}`} role="status" aria-live="polite">
        {statusText}
      </p>
      <div
        data-testid="train-progress"
        className="train-progress"
        data-phase={s.status === 'running' ? (p?.phase ?? 'starting') : s.status}
        data-epoch={p?.epoch ?? 0}
        data-loss={Number.isFinite(lastLoss) ? String(lastLoss) : ''}
        data-epoch-losses={s.history.epochMeans.join(',')}
        data-first-loss={s.history.losses.length ? String(s.history.losses[0]) : ''}
      >
        <progress max={1} value={fraction} aria-label="Training progress" aria-valuetext={`${Math.round(fraction * 100)} %`} />
        <span className="small muted">
          {Math.round(fraction * 100)} %{running ? <span data-testid="train-elapsed"> · {formatDuration(elapsedMs)} elapsed</span> : ''}
          {s.outcome && s.status !== 'running' && s.outcome.elapsedMs > 0 ? ` · took ${formatDuration(s.outcome.elapsedMs)}` : ''}
        </span>
      </div>
      {s.outcome && s.outcome.warnings.length > 0 && (
        <ul className="train-warnings" aria-label="Warnings">
          {s.outcome.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      <div data-testid="loss-chart" className="chart-box" data-steps={s.history.steps.length}>
        <h3 className="chart-title">Loss</h3>
        {s.history.steps.length > 0 ? (
          <LossChart history={s.history} totalSteps={p && p.phase === 'training' ? p.totalSteps : s.history.steps.length} />
        ) : (
          <p className="muted small chart-empty">The loss curve appears after the first training step.</p>
        )}
      </div>
      {s.status === 'done' && s.outcome && <AfterTraining onInspect={onInspect} />}
    </section>
  );
}

/** Save (when not saved yet) and a way back to the inspection view. */
function AfterTraining({ onInspect }: { onInspect: () => void }) {
  const { outcome, activeId, saveActiveModel, busy, defaultName } = useInspector(
    useShallow((st) => ({
      outcome: st.trainOutcome,
      activeId: st.activeModelId,
      saveActiveModel: st.saveActiveModel,
      busy: st.libraryBusy,
      defaultName: st.trainSettings.name || (st.models.find((m) => m.id === st.activeModelId)?.title ?? ''),
    })),
  );
  const [name, setName] = useState(defaultName);
  const unsaved = outcome && !outcome.saved && outcome.model?.id === activeId;
  return (
    <div className="after-training">
      {unsaved && (
        <form
          className="form-row save-row"
          onSubmit={(e) => {
            e.preventDefault();
            void saveActiveModel(name);
          }}
        >
          <label htmlFor="train-save-name">Save this model as</label>
          <input id="train-save-name" data-testid="train-save-name" type="text" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
          <button type="submit" className="button button-primary" data-testid="train-save" disabled={busy || !name.trim()}>
            Save
          </button>
        </form>
      )}
      <button type="button" className="button" onClick={onInspect}>
        Inspect with the new model
      </button>
    </div>
  );
}

/**
 * The "Teach" tab: normal images of your own (drop / pick, thumbnails), the start point, epochs and
 * learning rate (presets or custom), light augmentation, a name to save under; start / cancel; progress
 * with ETA, the live loss curve, and after the run the calibration histogram and the threshold rule.
 */
import { useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import {
  isBundleFileName,
  MAX_TRAIN_EPOCHS,
  PRESET_LEARNING_RATE,
  presetOf,
  selectActiveModel,
  TRAIN_PRESET_IDS,
  TRAIN_PRESETS,
  trainFraction,
  type InspectorState,
  type TrainCalibration,
  type TrainProgress,
} from '../store';
import { formatDuration } from './chart-data';
import { CalibrationChart, LossChart } from './charts';
import { filesOf, useFileDrop } from './file-drop';
import { useInspector } from './store-context';

/** The normal images to train on. */
function TrainImages() {
  const { images, addTrainFiles, importBundle, removeTrainImage, clearTrainImages, running } = useInspector(
    useShallow((s) => ({
      images: s.trainImages,
      addTrainFiles: s.addTrainFiles,
      importBundle: s.importBundle,
      removeTrainImage: s.removeTrainImage,
      clearTrainImages: s.clearTrainImages,
      running: s.trainStatus === 'running',
    })),
  );
  const ready = images.filter((i) => i.status === 'ready').length;
  // Handled here: the page-wide drop handler (inspection / bundle import) sees defaultPrevented.
  const { over, handlers } = useFileDrop((files) => {
    const bundle = files.filter((f) => isBundleFileName(f.name));
    const imageFiles = files.filter((f) => !isBundleFileName(f.name));
    if (bundle.length > 0) void importBundle(bundle);
    if (imageFiles.length > 0) void addTrainFiles(imageFiles);
  });

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

/** Start point, presets, epochs, learning rate, augmentation, name; Train / Cancel. */
function TrainSettingsForm() {
  const s = useInspector(
    useShallow((st: InspectorState) => ({
      settings: st.trainSettings,
      setTrainSettings: st.setTrainSettings,
      applyTrainPreset: st.applyTrainPreset,
      startTraining: st.startTraining,
      cancelTraining: st.cancelTraining,
      status: st.trainStatus,
      cancelling: st.trainCancelling,
      modelReady: st.modelStatus === 'ready',
      backend: st.backend?.backend ?? null,
      hasImages: st.trainImages.some((i) => i.status === 'ready'),
    })),
  );
  const model = useInspector(selectActiveModel);
  const running = s.status === 'running';
  const preset = presetOf(s.settings);
  // Number fields keep what is typed (e.g. "0.00") until it parses; the store gets numbers only.
  const [epochsDraft, setEpochsDraft] = useState<string | null>(null);
  const [lrDraft, setLrDraft] = useState<string | null>(null);

  return (
    <section className="panel train-settings" aria-labelledby="train-settings-heading">
      <h2 id="train-settings-heading" className="panel-title">
        Training
      </h2>
      <form
        className="train-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!running) void s.startTraining();
        }}
      >
        <div className="form-row">
          <label htmlFor="train-start-select">Start from</label>
          <select
            id="train-start-select"
            data-testid="train-start-select"
            value={s.settings.start}
            disabled={running}
            aria-describedby="train-start-hint"
            onChange={(e) => {
              setLrDraft(null);
              s.setTrainSettings({ start: e.target.value === 'fresh' ? 'fresh' : 'current' });
            }}
          >
            <option value="current">the current model{model ? ` (${model.title})` : ''}</option>
            <option value="fresh">fresh weights (same size)</option>
          </select>
          <span id="train-start-hint" className="hint">
            Presets use learning rate {PRESET_LEARNING_RATE.current} to continue a trained model (a larger step first undoes what it learned) and{' '}
            {PRESET_LEARNING_RATE.fresh} from fresh weights.
          </span>
        </div>

        <fieldset className="form-row presets" disabled={running}>
          <legend>Length</legend>
          {TRAIN_PRESET_IDS.map((id) => (
            <button
              key={id}
              type="button"
              className="button button-small"
              data-testid={`train-preset-${id}`}
              aria-pressed={preset === id}
              onClick={() => {
                setEpochsDraft(null);
                setLrDraft(null);
                s.applyTrainPreset(id);
              }}
            >
              {TRAIN_PRESETS[id].label} · {TRAIN_PRESETS[id].epochs} epochs
            </button>
          ))}
          <span className={`chip${preset === 'custom' ? ' chip-pending' : ''}`} aria-live="polite">
            {preset === 'custom' ? 'custom' : `lr ${PRESET_LEARNING_RATE[s.settings.start]}`}
          </span>
        </fieldset>

        <div className="form-row form-row-pair">
          <label htmlFor="train-epochs">Epochs</label>
          <input
            id="train-epochs"
            data-testid="train-epochs"
            type="number"
            min={1}
            max={MAX_TRAIN_EPOCHS}
            step={1}
            disabled={running}
            value={epochsDraft ?? String(s.settings.epochs)}
            onChange={(e) => {
              setEpochsDraft(e.target.value);
              const n = e.target.valueAsNumber;
              if (Number.isFinite(n)) s.setTrainSettings({ epochs: n });
            }}
            onBlur={() => setEpochsDraft(null)}
          />
          <label htmlFor="train-lr">Learning rate</label>
          <input
            id="train-lr"
            data-testid="train-lr"
            type="number"
            min={0}
            max={1}
            step="any"
            disabled={running}
            value={lrDraft ?? String(s.settings.learningRate)}
            onChange={(e) => {
              setLrDraft(e.target.value);
              const n = e.target.valueAsNumber;
              if (Number.isFinite(n)) s.setTrainSettings({ learningRate: n });
            }}
            onBlur={() => setLrDraft(null)}
          />
        </div>

        <div className="form-row">
          <label className="choice">
            <input
              type="checkbox"
              data-testid="train-augment"
              checked={s.settings.augment}
              disabled={running}
              aria-describedby="train-augment-hint"
              onChange={(e) => s.setTrainSettings({ augment: e.target.checked })}
            />
            Light augmentation (flips, small shifts)
          </label>
          <span id="train-augment-hint" className="hint">
            Leave off for oriented objects: a flipped part would count as normal.
          </span>
        </div>

        <div className="form-row">
          <label htmlFor="train-name">Save as</label>
          <input
            id="train-name"
            data-testid="train-name"
            type="text"
            maxLength={100}
            placeholder={model ? `${model.title} · my parts` : 'model name'}
            value={s.settings.name}
            disabled={running}
            aria-describedby="train-name-hint"
            onChange={(e) => s.setTrainSettings({ name: e.target.value })}
          />
          <span id="train-name-hint" className="hint">
            Saved to “Your models” under this name when training ends. Leave empty to try the model first.
          </span>
        </div>

        <div className="form-row form-actions">
          <button type="submit" className="button button-primary" data-testid="train-start" disabled={running || !s.modelReady || !s.hasImages}>
            Train{s.backend ? ` on ${s.backend}` : ''}
          </button>
          <button type="button" className="button" data-testid="train-cancel" disabled={!running || s.cancelling} onClick={() => void s.cancelTraining()}>
            {s.cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        </div>
      </form>
    </section>
  );
}

const PHASE_TEXT: Record<TrainProgress['phase'], string> = {
  features: 'Teacher features',
  training: 'Training',
  calibrating: 'Calibrating the threshold',
};

function progressText(p: TrainProgress | null): string {
  if (!p) return 'Starting…';
  if (p.phase === 'training') {
    const loss = Number.isFinite(p.loss) ? ` · loss ${p.loss.toFixed(4)}` : '';
    return `Training · epoch ${p.epoch}/${p.epochs} · step ${p.step}/${p.stepsPerEpoch}${loss} · ETA ${formatDuration(p.etaMs)}`;
  }
  return `${PHASE_TEXT[p.phase]} · ${p.step}/${p.stepsPerEpoch} images`;
}

/** Status line, progress bar, loss curve, and the outcome of the last run. */
function TrainRun({ onInspect }: { onInspect: () => void }) {
  const s = useInspector(
    useShallow((st) => ({
      status: st.trainStatus,
      cancelling: st.trainCancelling,
      progress: st.trainProgress,
      history: st.lossHistory,
      outcome: st.trainOutcome,
    })),
  );
  const p = s.progress;
  const fraction = s.status === 'done' ? 1 : trainFraction(p);
  const lastLoss = s.history.losses.length ? s.history.losses[s.history.losses.length - 1] : Number.NaN;

  let statusText: string;
  if (s.status === 'running') statusText = s.cancelling ? 'Cancelling at the next step…' : progressText(p);
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
          {Math.round(fraction * 100)} %{p && s.status === 'running' ? ` · ${formatDuration(p.elapsedMs)} elapsed` : ''}
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
          <LossChart history={s.history} totalSteps={p && p.phase === 'training' ? p.epochs * p.stepsPerEpoch : (s.history.epochMeans.length || 0) * s.history.stepsPerEpoch} />
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

/** The threshold's evidence: held-out and training scores of the normal images. */
export function CalibrationPanel() {
  const { meta, outcome, activeId } = useInspector(useShallow((st) => ({ meta: st.meta, outcome: st.trainOutcome, activeId: st.activeModelId })));
  // The active model's stored scores (also for a saved model opened later), else the last run's. Memoised:
  // a new object on every render would make the histogram re-bin and re-draw.
  const calibration = useMemo((): TrainCalibration | null => {
    const c = meta?.calibration;
    if (c && (c.heldOutScores?.length || c.trainingScores?.length)) {
      return { heldOut: c.heldOutScores ?? [], training: c.trainingScores ?? [], threshold: c.threshold, rule: c.rule, optimistic: !!c.optimistic };
    }
    return outcome?.calibration && outcome.model?.id === activeId ? outcome.calibration : null;
  }, [meta, outcome, activeId]);
  if (!calibration) {
    return (
      <section className="panel calibration" aria-labelledby="calibration-heading">
        <h2 id="calibration-heading" className="panel-title">
          Calibration
        </h2>
        <p className="muted small">After training, the scores of your normal images and the threshold drawn from them appear here.</p>
      </section>
    );
  }
  return (
    <section className="panel calibration" aria-labelledby="calibration-heading">
      <h2 id="calibration-heading" className="panel-title">
        Calibration
        {calibration.optimistic && (
          <span className="chip chip-pending badge-optimistic" data-testid="calibration-optimistic" title="No image could be held out: the threshold comes from the training images' own scores">
            optimistic
          </span>
        )}
      </h2>
      <div data-testid="calibration-histogram" className="chart-box" data-threshold={calibration.threshold} data-held-out={calibration.heldOut.length} data-training={calibration.training.length}>
        <CalibrationChart calibration={calibration} />
      </div>
      <p className="small calibration-rule" data-testid="calibration-rule">
        Threshold <strong>{calibration.threshold.toFixed(4)}</strong> — {calibration.rule}
      </p>
      <p className="muted small">
        {calibration.heldOut.length} held-out and {calibration.training.length} training image scores. The threshold holds for the model’s default map
        settings (σ {meta?.map.sigma ?? '?'}, scales {(meta?.map.scales ?? [1, 2, 3]).map((k) => `M${k}`).join('+')}).
      </p>
    </section>
  );
}

export function TrainPanel({ onInspect }: { onInspect: () => void }) {
  return (
    <div data-testid="train-panel" className="train-layout">
      <div className="train-col">
        <TrainImages />
        <TrainSettingsForm />
      </div>
      <div className="train-col train-col-wide">
        <TrainRun onInspect={onInspect} />
        <CalibrationPanel />
      </div>
    </div>
  );
}

/** The Teach tab's settings form: start point, length presets, steps, learning rate, augmentation, profile, name; Train / Cancel. */
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import {
  AUGMENT_CHOICES, MAX_TRAIN_STEPS, PRESET_LEARNING_RATE, presetOf, selectActiveModel, selectAugmentation, selectTrainBlocker, TRAIN_PRESET_IDS, TRAIN_PRESETS,
  type AugmentChoice, type AugmentDecision, type InspectorState,
} from '../store';
import { useInspector } from './store-context';
import { TeachAdvice } from './TeachAdvice';
import { confirmDiscardUnsaved } from './unsaved-guard';

function augmentChoiceOf(value: string): AugmentChoice {
  return AUGMENT_CHOICES.find((c) => c === value) ?? 'auto';
}

/** What the next run will do about augmentation, and why. */
function augmentHint(d: AugmentDecision): string {
  const spread = d.spread === null ? '' : ` (placement spread ${d.spread.toFixed(2)})`;
  if (d.by === 'too-few') return 'Auto: off until there are two photos to compare.';
  if (d.by === 'spread') {
    return d.augment
      ? `Auto: on — the product sits at different places in your photos${spread}.`
      : `Auto: off — the product sits at the same place in every photo, as in a fixture${spread}.`;
  }
  return d.augment
    ? 'On: for hand-held photos. An oriented part would learn that its flipped view is normal.'
    : `Off${spread}.`;
}

/** One labelled select of the form (test id = its id) with a hint beside it. */
function ChoiceRow(p: {
  id: string; label: string; value: string; disabled: boolean; options: readonly (readonly [string, string])[];
  onChange: (value: string) => void; hint: string; hintData?: Record<`data-${string}`, string>;
}) {
  return (
    <div className="form-row">
      <label htmlFor={p.id}>{p.label}</label>
      <select id={p.id} data-testid={p.id} value={p.value} disabled={p.disabled} aria-describedby={`${p.id}-hint`} onChange={(e) => p.onChange(e.target.value)}>
        {p.options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
      <span id={`${p.id}-hint`} className="hint" {...p.hintData}>
        {p.hint}
      </span>
    </div>
  );
}

/** Start point, presets, steps, learning rate, augmentation, profile, name; Train / Cancel. */
export function TrainSettingsForm() {
  const s = useInspector(
    useShallow((st: InspectorState) => ({
      settings: st.trainSettings,
      setTrainSettings: st.setTrainSettings,
      applyTrainPreset: st.applyTrainPreset,
      startTraining: st.startTraining,
      cancelTraining: st.cancelTraining,
      status: st.trainStatus,
      backend: st.backend?.backend ?? null,
      blocker: selectTrainBlocker(st),
      augment: selectAugmentation(st),
      unsaved: st.models.find((m) => m.unsaved),
    })),
  );
  const model = useInspector(selectActiveModel);
  const running = s.status === 'running';
  const { augment } = s;
  const preset = presetOf(s.settings);
  // Number fields keep what is typed (e.g. "0.00") until it parses; the store gets numbers only.
  const [stepsDraft, setStepsDraft] = useState<string | null>(null);
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
          // Training replaces the active model in the worker: an unsaved trained one would be lost.
          if (!running && confirmDiscardUnsaved(s.unsaved, 'Training again')) void s.startTraining();
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
            title={model ? `the current model (${model.title})` : undefined}
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
                setStepsDraft(null);
                setLrDraft(null);
                s.applyTrainPreset(id);
              }}
            >
              {TRAIN_PRESETS[id].label} · {TRAIN_PRESETS[id].steps} steps
            </button>
          ))}
          <span className={`chip${preset === 'custom' ? ' chip-pending' : ''}`} aria-live="polite">
            {preset === 'custom' ? 'custom' : `lr ${PRESET_LEARNING_RATE[s.settings.start]}`}
          </span>
        </fieldset>

        <div className="form-row form-row-pair">
          <label htmlFor="train-steps">Steps</label>
          <input
            id="train-steps"
            data-testid="train-steps"
            type="number"
            min={1}
            max={MAX_TRAIN_STEPS}
            step={1}
            disabled={running}
            value={stepsDraft ?? String(s.settings.steps)}
            onChange={(e) => {
              setStepsDraft(e.target.value);
              const n = e.target.valueAsNumber;
              if (Number.isFinite(n)) s.setTrainSettings({ steps: n });
            }}
            onBlur={() => setStepsDraft(null)}
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

        <ChoiceRow
          id="train-augment"
          label="Augmentation"
          value={s.settings.augment}
          disabled={running}
          options={[['auto', 'Auto (from your photos)'], ['on', 'On: flips, shifts up to ⅛ of the image'], ['off', 'Off']]}
          onChange={(v) => s.setTrainSettings({ augment: augmentChoiceOf(v) })}
          hint={augmentHint(augment)}
          hintData={{ 'data-testid': 'train-augment-decision', 'data-augment': String(augment.augment) }}
        />

        <ChoiceRow
          id="train-profile"
          label="Profile"
          value={s.settings.profile}
          disabled={running}
          options={[['fast', 'Fast: the model’s map'], ['accurate', 'Accurate: + nearest neighbour of your photos']]}
          onChange={(v) => s.setTrainSettings({ profile: v === 'accurate' ? 'accurate' : 'fast' })}
          hint={
            s.settings.profile === 'accurate'
              ? 'Adds how far each place is from the nearest place of your photos (≥ 5 photos): finer localisation, about 2.4× the inference time.'
              : 'The reconstruction map alone, at the lowest cost per image.'
          }
        />

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

        <TeachAdvice />

        <div className="form-row form-actions">
          <button
            type="submit"
            className="button button-primary"
            data-testid="train-start"
            disabled={running || s.blocker !== null}
            aria-describedby={s.blocker && !running ? 'train-start-blocker' : undefined}
          >
            Train{s.backend ? ` on ${s.backend}` : ''}
          </button>
          <button type="button" className="button" data-testid="train-cancel" disabled={!running} onClick={() => void s.cancelTraining()}>
            Cancel
          </button>
          {s.blocker && !running && (
            <span id="train-start-blocker" data-testid="train-start-blocker" className="hint hint-warn">
              {s.blocker}
            </span>
          )}
        </div>
      </form>
    </section>
  );
}

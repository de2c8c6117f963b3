/**
 * A fine-tuning run from the page: start (checks first), progress and loss curve from the worker's
 * 'train-progress' events, cancel, and the outcome. A run that ends 'done' makes the trained model the
 * active one (adoptModel: its calibrated threshold, the listed images re-scored); every other outcome
 * leaves the model that was active before untouched.
 */
import type { TrainProgress, TrainRequestOptions, TrainResult } from '../worker/protocol';
import { describeFailure } from './failures';
import { libraryEntry, trainedMessage } from './library-slice';
import type { SliceCreator } from './runtime';
import type { InspectorState } from './state';
import { checkTrainSettings } from './train-setup-slice';
import type { LossHistory, ModelEntry, TrainOutcome, TrainStatus } from './types';

export interface TrainingSlice {
  trainStatus: TrainStatus;
  /** Cancel was asked for; the run stops at its next step. */
  trainCancelling: boolean;
  /** The last progress event of the running (or last) run. */
  trainProgress: TrainProgress | null;
  lossHistory: LossHistory;
  trainOutcome: TrainOutcome | null;

  /**
   * Fine-tunes the active model on the ready images in the worker (on its backend). Done: the trained
   * model becomes the active one with its calibrated threshold and the listed images are re-scored;
   * saved right away when a name was entered. Cancelled, diverged or failed: the previous model stays.
   */
  startTraining(): Promise<void>;
  cancelTraining(): Promise<void>;
}

export const EMPTY_LOSS_HISTORY: LossHistory = { steps: [], losses: [], epochMeans: [], stepsPerEpoch: 0 };

/** Adds a training-phase progress event to the loss curve (a repeated step is ignored). */
export function appendLoss(h: LossHistory, p: TrainProgress): LossHistory {
  if (p.phase !== 'training' || p.epoch < 1 || p.step < 1) return h;
  const step = (p.epoch - 1) * p.stepsPerEpoch + p.step;
  const last = h.steps.length > 0 ? h.steps[h.steps.length - 1] : 0;
  const sameMeans = p.epochLosses.length === h.epochMeans.length;
  if (step <= last && sameMeans) return h;
  return {
    steps: step > last ? [...h.steps, step] : h.steps,
    losses: step > last ? [...h.losses, p.loss] : h.losses,
    epochMeans: sameMeans ? h.epochMeans : p.epochLosses.slice(),
    stepsPerEpoch: p.stepsPerEpoch,
  };
}

/** Share of the whole run done, 0..1: teacher features 10 %, training 80 %, calibration 10 %. */
export function trainFraction(p: TrainProgress | null): number {
  if (!p) return 0;
  const part = (done: number, total: number) => (total > 0 ? Math.min(1, Math.max(0, done / total)) : 0);
  switch (p.phase) {
    case 'features':
      return 0.1 * part(p.step, p.stepsPerEpoch);
    case 'training':
      return 0.1 + 0.8 * part((p.epoch - 1) * p.stepsPerEpoch + p.step, p.epochs * p.stepsPerEpoch);
    case 'calibrating':
      return 0.9 + 0.1 * part(p.step, p.stepsPerEpoch);
    default:
      return 0;
  }
}

const FINE_TUNED = ' · fine-tuned';

/** The picker title of a model fine-tuned from `baseTitle`: one " · fine-tuned", however often it was fine-tuned. */
export function fineTunedTitle(baseTitle: string | undefined): string {
  let base = (baseTitle ?? '').trim();
  while (base.endsWith(FINE_TUNED)) base = base.slice(0, -FINE_TUNED.length).trimEnd();
  return `${base || 'model'}${FINE_TUNED}`;
}

/**
 * What keeps a run from starting that the user must add first (a model, a decoded image), or null. The
 * Train button shows it while disabled; startTraining refuses with it (settings are checked there too).
 */
export function selectTrainBlocker(s: Pick<InspectorState, 'modelStatus' | 'activeModelId' | 'trainImages'>): string | null {
  if (s.modelStatus !== 'ready' || s.activeModelId === null) return 'Load a model first: training starts from the active model (its teacher, size and map settings).';
  if (!s.trainImages.some((i) => i.status === 'ready' && i.image)) {
    return s.trainImages.some((i) => i.status === 'decoding')
      ? 'Some images are still being read: start again in a moment.'
      : 'Add at least one normal image (10–30 recommended) to train on.';
  }
  return null;
}

/** The worker's lower-case message as a sentence. */
function sentence(message: string): string {
  const t = message.trim();
  if (!t) return t;
  return `${t[0].toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? '' : '.'}`;
}

function failedOutcome(message: string): TrainOutcome {
  return { status: 'failed', message, warnings: [], epochLosses: [], elapsedMs: 0, model: null, calibration: null, saved: null, saveError: null };
}

/** The message shown for a rejected run (the worker's message; out of memory and storage named as such). */
function trainFailureMessage(e: unknown): string {
  const f = describeFailure(e);
  switch (f.kind) {
    case 'out-of-memory':
      return `Training ran out of memory: ${f.message}. The previous model is still active — try fewer images or the wasm backend.`;
    case 'storage':
      return `Training stopped — browser storage: ${f.message}`;
    default:
      return `Training failed: ${f.message}. The previous model is still active.`;
  }
}

export const createTrainingSlice: SliceCreator<TrainingSlice> = (set, get, rt) => {
  let trainRun = 0;

  /** Makes the run's trained model the active one and lists it in the picker. */
  const adoptResult = (res: Extract<TrainResult, { status: 'done' }>, baseId: string | null) => {
    const { model, saved } = res;
    const baseEntry = get().models.find((m) => m.id === baseId);
    const basePath = baseEntry?.path;
    const entry: ModelEntry = saved
      ? libraryEntry(saved, get().models)
      : {
          id: model.id,
          title: fineTunedTitle(baseEntry?.title),
          // Not loadable again: the model lives only in the worker until it is saved.
          source: { kind: 'url', url: '' },
          origin: 'user',
          teacher: model.teacher,
          unsaved: true,
          ...(basePath ? { path: basePath } : {}),
        };
    // The worker replaced the model it had: an earlier unsaved model is gone.
    set((s) => ({ models: s.models.filter((m) => !m.unsaved) }));
    get().addModels([entry]);
    get().adoptModel(model);
  };

  return {
    trainStatus: 'idle',
    trainCancelling: false,
    trainProgress: null,
    lossHistory: EMPTY_LOSS_HISTORY,
    trainOutcome: null,

    startTraining: () =>
      rt.track(
        (async () => {
          const s = get();
          if (s.trainStatus === 'running') return;
          const ready = s.trainImages.filter((i) => i.status === 'ready' && i.image);
          let problem = selectTrainBlocker(s);
          if (problem === null && s.trainImages.some((i) => i.status === 'decoding')) problem = 'Some images are still being read: start again in a moment.';
          problem ??= checkTrainSettings(s.trainSettings);
          if (problem) {
            set({ trainStatus: 'failed', trainOutcome: failedOutcome(problem), trainProgress: null });
            return;
          }

          const run = ++trainRun;
          const baseId = s.activeModelId;
          const { start, epochs, learningRate, augment } = s.trainSettings;
          const name = s.trainSettings.name.trim();
          const options: TrainRequestOptions = { start, epochs, learningRate, augment, ...(name ? { saveAs: name, datasetName: name } : {}) };
          set({ trainStatus: 'running', trainCancelling: false, trainProgress: null, lossHistory: EMPTY_LOSS_HISTORY, trainOutcome: null });
          const { client } = rt.services;
          const unsubscribe = client.onEvent((e) => {
            if (e.type !== 'train-progress' || run !== trainRun || get().trainStatus !== 'running') return;
            set((st) => ({ trainProgress: e, lossHistory: appendLoss(st.lossHistory, e) }));
          });
          if (name) await rt.requestPersistenceOnce();
          let res: TrainResult;
          try {
            // The client copies the pixels: the same images can be trained on again.
            res = await client.train(
              ready.map((i) => i.image!.pixels),
              options,
            );
          } catch (e) {
            const message = trainFailureMessage(e);
            set({ trainStatus: 'failed', trainCancelling: false, trainOutcome: failedOutcome(message) });
            rt.errors.push(message);
            return;
          } finally {
            unsubscribe();
          }

          const base = { warnings: res.warnings, epochLosses: res.epochLosses, elapsedMs: res.elapsedMs };
          // Progress events carry the epochs completed before their step: the last epoch's mean comes with the result.
          set((st) => ({ lossHistory: { ...st.lossHistory, epochMeans: res.epochLosses.slice() } }));
          if (res.status === 'done') {
            const saveError = res.saveError ? describeFailure(res.saveError) : null;
            const saveText = saveError
              ? `"${name}" could not be saved${saveError.kind === 'storage' ? ' (browser storage)' : ''}: ${saveError.message}. The trained model is active but not saved.`
              : null;
            const outcome: TrainOutcome = {
              status: 'done',
              message: trainedMessage(res.saved),
              ...base,
              model: res.model,
              calibration: res.calibration,
              saved: res.saved,
              saveError: saveText,
            };
            set({ trainStatus: 'done', trainCancelling: false, trainOutcome: outcome });
            adoptResult(res, baseId);
            if (saveText) rt.errors.push(saveText);
            await get().refreshLibrary();
            return;
          }
          const outcome: TrainOutcome = {
            status: res.status,
            message: sentence(res.message),
            ...base,
            model: null,
            calibration: null,
            saved: null,
            saveError: null,
          };
          set({ trainStatus: res.status, trainCancelling: false, trainOutcome: outcome });
        })(),
      ),

    cancelTraining: async () => {
      if (get().trainStatus !== 'running' || get().trainCancelling) return;
      set({ trainCancelling: true });
      try {
        await rt.services.client.cancelTraining();
      } catch (e) {
        set({ trainCancelling: false });
        rt.errors.push(`Cancel failed: ${describeFailure(e).message}`);
      }
    },
  };
};

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
import { runBatchSize, TRAINING_DEFAULTS } from './train-presets';
import { checkTrainSettings, selectAugmentation } from './train-setup-slice';
import type { LossHistory, ModelEntry, TrainOutcome, TrainStatus } from './types';

export interface TrainingSlice {
  trainStatus: TrainStatus;
  /** Cancel was asked for and the worker has not confirmed yet (the panel is already idle). */
  trainCancelling: boolean;
  /** The last progress event of the running (or last) run. */
  trainProgress: TrainProgress | null;
  /**
   * When the running run started and when its last progress event came (rt.now() ms): the panel advances
   * elapsed time and ETA from these on a timer, since one step on a slow backend can take many seconds.
   */
  trainStartedAt: number | null;
  trainProgressAt: number | null;
  lossHistory: LossHistory;
  trainOutcome: TrainOutcome | null;

  /**
   * Fine-tunes the active model on the ready images in the worker (on its backend). Done: the trained
   * model becomes the active one with its calibrated threshold and the listed images are re-scored;
   * saved right away when a name was entered. Cancelled, diverged or failed: the previous model stays.
   */
  startTraining(): Promise<void>;
  /**
   * Returns the panel to idle ('cancelled') at once and tells the worker, which drops the run at its next
   * check (between steps). A run that had already finished when the cancel arrived is adopted as usual.
   */
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
      return 0.1 + 0.8 * part((p.epoch - 1) * p.stepsPerEpoch + p.step, p.totalSteps);
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
export function selectTrainBlocker(s: Pick<InspectorState, 'modelStatus' | 'activeModelId' | 'trainImages' | 'trainSettings'>): string | null {
  if (s.modelStatus !== 'ready' || s.activeModelId === null) return 'Load a model first: training starts from the active model (its teacher, size and map settings).';
  const ready = s.trainImages.filter((i) => i.status === 'ready' && i.image).length;
  if (ready === 0) {
    return s.trainImages.some((i) => i.status === 'decoding')
      ? 'Some images are still being read: start again in a moment.'
      : 'Add at least one normal image (10–30 recommended) to train on.';
  }
  if (s.trainSettings.profile === 'accurate' && ready < 5) {
    return `The accurate profile needs at least 5 normal images (every 5th weighs its two evidences); ${ready} added.`;
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

const CANCELLED_MESSAGE = 'Training cancelled; the model loaded before training is kept.';

export const createTrainingSlice: SliceCreator<TrainingSlice> = (set, get, rt) => {
  let trainRun = 0;
  /** Settles when the worker has answered the last run (a cancelled one keeps going until its next check). */
  let lastRun: Promise<unknown> = Promise.resolve();

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
    trainStartedAt: null,
    trainProgressAt: null,
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
          const { start, steps, learningRate, profile } = s.trainSettings;
          const name = s.trainSettings.name.trim();
          const options: TrainRequestOptions = {
            start, steps, learningRate, batchSize: runBatchSize(ready.length), augment: selectAugmentation(s).augment, profile,
            ...(start === 'fresh' ? { mapSigma: TRAINING_DEFAULTS.freshMapSigma } : {}),
            ...(name ? { saveAs: name, datasetName: name } : {}),
          };
          set({ trainStatus: 'running', trainCancelling: false, trainProgress: null, trainStartedAt: rt.now(), trainProgressAt: null, lossHistory: EMPTY_LOSS_HISTORY, trainOutcome: null });
          const { client } = rt.services;
          // A cancelled run may still post a last event before it stops: events count only once it has answered.
          let priorDone = false;
          void lastRun.then(() => (priorDone = true));
          let stepMs = Number.NaN;
          const unsubscribe = client.onEvent((e) => {
            if (e.type !== 'train-progress' || !priorDone || run !== trainRun || get().trainStatus !== 'running') return;
            if (e.phase === 'training') stepMs = e.stepMs;
            set((st) => ({ trainProgress: e, trainProgressAt: rt.now(), lossHistory: appendLoss(st.lossHistory, e) }));
          });
          if (name) await rt.requestPersistenceOnce();
          let res: TrainResult;
          // The client copies the pixels: the same images can be trained on again.
          const request = client.train(
            ready.map((i) => i.image!.pixels),
            options,
          );
          lastRun = request.catch(() => undefined);
          try {
            res = await request;
          } catch (e) {
            if (run !== trainRun || get().trainStatus !== 'running') return; // cancelled: the panel moved on
            const message = trainFailureMessage(e);
            set({ trainStatus: 'failed', trainCancelling: false, trainOutcome: failedOutcome(message) });
            rt.errors.push(message);
            return;
          } finally {
            unsubscribe();
          }

          const cancelledHere = run !== trainRun || get().trainStatus !== 'running';
          if (cancelledHere && res.status !== 'done') {
            set({ trainCancelling: false });
            return;
          }
          const base = { warnings: res.warnings, epochLosses: res.epochLosses, elapsedMs: res.elapsedMs };
          // Progress events carry the epochs completed before their step: the last epoch's mean comes with the result.
          const latest = run === trainRun;
          if (latest) set((st) => ({ lossHistory: { ...st.lossHistory, epochMeans: res.epochLosses.slice() } }));
          if (res.status === 'done') {
            const saveError = res.saveError ? describeFailure(res.saveError) : null;
            const saveText = saveError
              ? `"${name}" could not be saved${saveError.kind === 'storage' ? ' (browser storage)' : ''}: ${saveError.message}. The trained model is active but not saved.`
              : null;
            const outcome: TrainOutcome = {
              status: 'done',
              message: `${cancelledHere ? 'The run had finished before the cancel reached it. ' : ''}${trainedMessage(res.saved)}`,
              ...base,
              model: res.model,
              calibration: res.calibration,
              saved: res.saved,
              saveError: saveText,
            };
            // The worker made the trained model its active one: the page follows, even after a late cancel.
            set(latest ? { trainStatus: 'done', trainCancelling: false, trainOutcome: outcome } : { trainCancelling: false });
            adoptResult(res, baseId);
            get().recordRunStep(stepMs, ready.length);
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
      if (get().trainStatus !== 'running') return;
      const outcome: TrainOutcome = { status: 'cancelled', message: CANCELLED_MESSAGE, warnings: [], epochLosses: get().lossHistory.epochMeans.slice(), elapsedMs: rt.now() - (get().trainStartedAt ?? rt.now()), model: null, calibration: null, saved: null, saveError: null };
      set({ trainStatus: 'cancelled', trainCancelling: true, trainOutcome: outcome });
      try {
        await rt.services.client.cancelTraining();
      } catch (e) {
        set({ trainCancelling: false });
        rt.errors.push(`Cancel failed: ${describeFailure(e).message}`);
      }
    },
  };
};

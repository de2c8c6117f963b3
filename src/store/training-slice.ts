/**
 * Fine-tuning from the page: the normal images (decoded here, thumbnails for the panel), the run's
 * settings, progress and loss curve from the worker's 'train-progress' events, and the outcome. A run
 * that ends 'done' makes the trained model the active one (rt.adoptModel: its calibrated threshold, the
 * listed images re-scored); every other outcome leaves the model that was active before untouched.
 */
import {
  appendLoss,
  checkTrainSettings,
  DEFAULT_TRAIN_SETTINGS,
  describeFailure,
  EMPTY_LOSS_HISTORY,
  libraryEntry,
  PRESET_LEARNING_RATE,
  TRAIN_PRESETS,
  withName,
} from './logic';
import type { SliceCreator } from './runtime';
import type { TrainingSlice } from './state';
import type { ModelEntry, TrainImageItem, TrainOutcome } from './types';
import type { TrainRequestOptions, TrainResult } from '../worker/protocol';

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
  let imageSeq = 0;
  const exists = (id: string) => get().trainImages.some((i) => i.id === id);
  const patch = (id: string, p: Partial<TrainImageItem>) =>
    set((s) => ({ trainImages: s.trainImages.map((i) => (i.id === id ? { ...i, ...p } : i)) }));

  /** Makes the run's trained model the active one and lists it in the picker. */
  const adoptResult = (res: Extract<TrainResult, { status: 'done' }>, baseId: string | null) => {
    const { model, saved } = res;
    const baseEntry = get().models.find((m) => m.id === baseId);
    const basePath = baseEntry?.path;
    const entry: ModelEntry = saved
      ? libraryEntry(saved, get().models)
      : {
          id: model.id,
          title: `${baseEntry ? baseEntry.title.replace(/ · fine-tuned$/, '') : 'model'} · fine-tuned`,
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
    rt.adoptModel(model);
  };

  return {
    trainImages: [],
    trainSettings: DEFAULT_TRAIN_SETTINGS,
    trainStatus: 'idle',
    trainCancelling: false,
    trainProgress: null,
    lossHistory: EMPTY_LOSS_HISTORY,
    trainOutcome: null,

    addTrainFiles: (files) => {
      if (files.length === 0) return Promise.resolve();
      const batch = rt.nextBatch();
      const fresh: TrainImageItem[] = files.map((f) => ({
        id: `train-${++imageSeq}`,
        name: f.name || 'image',
        image: null,
        status: 'decoding',
        error: null,
      }));
      set((s) => ({ trainImages: [...s.trainImages, ...fresh] }));
      return rt.track(
        (async () => {
          for (let i = 0; i < files.length; i++) {
            const { id, name } = fresh[i];
            try {
              const image = await rt.services.decode(files[i].blob, name);
              if (!exists(id)) {
                rt.services.release?.(image);
                continue;
              }
              patch(id, { image, status: 'ready' });
            } catch (e) {
              const message = withName(name, describeFailure(e).message);
              if (exists(id)) patch(id, { status: 'error', error: message });
              rt.pushError(message, batch);
            }
          }
        })(),
      );
    },

    removeTrainImage: (id) => {
      const item = get().trainImages.find((i) => i.id === id);
      if (!item) return;
      set((s) => ({ trainImages: s.trainImages.filter((i) => i.id !== id) }));
      if (item.image) rt.services.release?.(item.image);
    },

    clearTrainImages: () => {
      const items = get().trainImages;
      set({ trainImages: [] });
      for (const i of items) if (i.image) rt.services.release?.(i.image);
    },

    setTrainSettings: (p) =>
      set((s) => {
        const next = { ...s.trainSettings, ...p };
        // A new start point brings its own default learning rate, unless the user typed another one.
        if (p.start && p.start !== s.trainSettings.start && p.learningRate === undefined && s.trainSettings.learningRate === PRESET_LEARNING_RATE[s.trainSettings.start]) {
          next.learningRate = PRESET_LEARNING_RATE[p.start];
        }
        return { trainSettings: next };
      }),

    applyTrainPreset: (id) => {
      const preset = TRAIN_PRESETS[id];
      if (preset) set((s) => ({ trainSettings: { ...s.trainSettings, epochs: preset.epochs, learningRate: PRESET_LEARNING_RATE[s.trainSettings.start] } }));
    },

    startTraining: () =>
      rt.track(
        (async () => {
          const s = get();
          if (s.trainStatus === 'running') return;
          const ready = s.trainImages.filter((i) => i.status === 'ready' && i.image);
          let problem: string | null;
          if (s.modelStatus !== 'ready' || s.activeModelId === null) problem = 'Load a model first: training starts from the active model (its teacher, size and map settings).';
          else if (ready.length === 0) problem = 'Add at least one normal image (10–30 recommended) to train on.';
          else if (s.trainImages.some((i) => i.status === 'decoding')) problem = 'Some images are still being read: start again in a moment.';
          else problem = checkTrainSettings(s.trainSettings);
          if (problem) {
            set({ trainStatus: 'failed', trainOutcome: failedOutcome(problem), trainProgress: null });
            return;
          }

          const run = ++rt.trainRun;
          const baseId = s.activeModelId;
          const { start, epochs, learningRate, augment } = s.trainSettings;
          const name = s.trainSettings.name.trim();
          const options: TrainRequestOptions = { start, epochs, learningRate, augment, ...(name ? { saveAs: name, datasetName: name } : {}) };
          set({ trainStatus: 'running', trainCancelling: false, trainProgress: null, lossHistory: EMPTY_LOSS_HISTORY, trainOutcome: null });
          const { client } = rt.services;
          const unsubscribe = client.onEvent((e) => {
            if (e.type !== 'train-progress' || run !== rt.trainRun || get().trainStatus !== 'running') return;
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
            rt.pushError(message);
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
              message: res.saved ? `Trained and saved as "${res.saved.name}".` : 'Trained: the inspection view now uses this model (not saved yet).',
              ...base,
              model: res.model,
              calibration: res.calibration,
              saved: res.saved,
              saveError: saveText,
            };
            set({ trainStatus: 'done', trainCancelling: false, trainOutcome: outcome });
            adoptResult(res, baseId);
            if (saveText) rt.pushError(saveText);
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
        rt.pushError(`Cancel failed: ${describeFailure(e).message}`);
      }
    },
  };
};

/**
 * What a fine-tuning run will use: the normal images (decoded here, thumbnails for the panel) and the
 * settings — start point, epochs and learning rate (presets or typed), augmentation, a name to save under.
 */
import { describeFailure, withName } from './failures';
import type { SliceCreator } from './runtime';
import type { FileInput, TrainImageItem, TrainPresetId, TrainSettings, TrainStart } from './types';

export interface TrainSetupSlice {
  /** Normal images to fine-tune on, in the order added. */
  trainImages: TrainImageItem[];
  trainSettings: TrainSettings;

  /** Decodes the files one at a time (thumbnails + pixels); bad files are marked and reported. */
  addTrainFiles(files: readonly FileInput[]): Promise<void>;
  removeTrainImage(id: string): void;
  clearTrainImages(): void;
  /**
   * Invalid numbers are kept as typed; startTraining checks them. Changing the start point also moves a
   * preset learning rate to that start point's (0.001 current, 0.005 fresh); a typed one stays.
   */
  setTrainSettings(patch: Partial<TrainSettings>): void;
  /** Sets the preset's epochs and the learning rate for the current start point. */
  applyTrainPreset(id: TrainPresetId): void;
}

/**
 * Adam learning rate of the presets, by start point. From new weights: the CLI's 0.005. Continuing from a
 * trained model: 0.001 — Adam's first steps move every weight by about the learning rate whatever its
 * gradient, and at 0.005 the first step doubled the loss of the shipped fabric model (0.149 → 0.295,
 * 7 images, batch 5) and took 5 epochs to recover; at 0.001 the loss fell from the first step on
 * (0.149 → 0.143 → … 0.139 after 5 epochs). Measured with e2e/fine-tune.e2e.ts on wasm.
 */
export const PRESET_LEARNING_RATE: Readonly<Record<TrainStart, number>> = { current: 0.001, fresh: 0.005 };

/** Epochs of the training panel's presets (the learning rate follows the start point). */
export const TRAIN_PRESETS: Readonly<Record<TrainPresetId, { label: string; epochs: number }>> = {
  quick: { label: 'Quick', epochs: 5 },
  standard: { label: 'Standard', epochs: 20 },
  thorough: { label: 'Thorough', epochs: 50 },
};

export const TRAIN_PRESET_IDS: readonly TrainPresetId[] = ['quick', 'standard', 'thorough'];

export const DEFAULT_TRAIN_SETTINGS: TrainSettings = {
  start: 'current',
  epochs: TRAIN_PRESETS.quick.epochs,
  learningRate: PRESET_LEARNING_RATE.current,
  augment: false,
  name: '',
};

/** Most epochs the panel accepts (50 is the "thorough" preset; the worker has no upper limit). */
export const MAX_TRAIN_EPOCHS = 500;

/** The preset the settings match (epochs, and the learning rate for their start point), or 'custom'. */
export function presetOf(settings: Pick<TrainSettings, 'start' | 'epochs' | 'learningRate'>): TrainPresetId | 'custom' {
  if (settings.learningRate !== PRESET_LEARNING_RATE[settings.start]) return 'custom';
  return TRAIN_PRESET_IDS.find((id) => TRAIN_PRESETS[id].epochs === settings.epochs) ?? 'custom';
}

/** A user-facing reason why the settings cannot start a run, or null. */
export function checkTrainSettings(settings: TrainSettings): string | null {
  const { epochs, learningRate } = settings;
  if (!Number.isInteger(epochs) || epochs < 1 || epochs > MAX_TRAIN_EPOCHS) return `Epochs must be a whole number from 1 to ${MAX_TRAIN_EPOCHS}.`;
  if (!Number.isFinite(learningRate) || learningRate <= 0 || learningRate >= 1) return 'The learning rate must be a number between 0 and 1 (e.g. 0.005).';
  return null;
}

export const createTrainSetupSlice: SliceCreator<TrainSetupSlice> = (set, get, rt) => {
  let imageSeq = 0;
  const exists = (id: string) => get().trainImages.some((i) => i.id === id);
  const patch = (id: string, p: Partial<TrainImageItem>) =>
    set((s) => ({ trainImages: s.trainImages.map((i) => (i.id === id ? { ...i, ...p } : i)) }));

  return {
    trainImages: [],
    trainSettings: DEFAULT_TRAIN_SETTINGS,

    addTrainFiles: (files) => {
      if (files.length === 0) return Promise.resolve();
      const batch = rt.errors.nextBatch();
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
              rt.errors.push(message, batch);
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
  };
};

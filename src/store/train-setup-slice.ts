/**
 * What a fine-tuning run will use: the normal images (decoded here, thumbnails for the panel) and the
 * settings — start point, steps and learning rate (presets or typed), augmentation, a name to save under.
 */
import { grayThumbnail, placementSpread } from '../data/placement';
import { decodeFiles } from './decode-files';
import type { SliceCreator } from './runtime';
import { TRAIN_PRESET_IDS, TRAINING_DEFAULTS } from './train-presets';
import { AUGMENT_CHOICES, type AugmentChoice, type FileInput, type TrainImageItem, type TrainPresetId, type TrainSettings, type TrainStart } from './types';
import type { InspectorState } from './state';

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
  /** Sets the preset's steps and the learning rate for the current start point. */
  applyTrainPreset(id: TrainPresetId): void;
}

/** Adam learning rate of the presets, by start point (TRAINING_DEFAULTS, train-presets.ts). */
export const PRESET_LEARNING_RATE: Readonly<Record<TrainStart, number>> = TRAINING_DEFAULTS.learningRate;

/** Length of the training panel's presets, in steps (the learning rate follows the start point). */
export const TRAIN_PRESETS = TRAINING_DEFAULTS.presets;

export { TRAIN_PRESET_IDS };

export const DEFAULT_TRAIN_SETTINGS: TrainSettings = {
  start: 'current',
  steps: TRAIN_PRESETS[TRAINING_DEFAULTS.defaultPreset].steps,
  learningRate: PRESET_LEARNING_RATE.current,
  augment: TRAINING_DEFAULTS.augment,
  profile: TRAINING_DEFAULTS.profile,
  name: '',
};

/** Most steps the panel accepts (the worker allows more). */
export const MAX_TRAIN_STEPS = 20000;

/** The preset the settings match (steps, and the learning rate for their start point), or 'custom'. */
export function presetOf(settings: Pick<TrainSettings, 'start' | 'steps' | 'learningRate'>): TrainPresetId | 'custom' {
  if (settings.learningRate !== PRESET_LEARNING_RATE[settings.start]) return 'custom';
  return TRAIN_PRESET_IDS.find((id) => TRAIN_PRESETS[id].steps === settings.steps) ?? 'custom';
}

/** Whether the next run augments, and why (the form shows it; startTraining sends it). */
export interface AugmentDecision {
  augment: boolean;
  /** The ready photos' placement spread (null with fewer than two). */
  spread: number | null;
  /** 'choice': the user forced it on or off; 'spread': decided by the spread; 'too-few': auto with < 2 photos (off). */
  by: 'choice' | 'spread' | 'too-few';
}

function decide(choice: AugmentChoice, spread: number | null): AugmentDecision {
  if (choice !== 'auto') return { augment: choice === 'on', spread, by: 'choice' };
  if (spread === null) return { augment: false, spread, by: 'too-few' };
  return { augment: spread > TRAINING_DEFAULTS.augmentSpreadCut, spread, by: 'spread' };
}

/** Per photo list: its spread is computed once, and each choice's decision is one object (a stable selector result). */
const decisions = new WeakMap<readonly TrainImageItem[], Map<AugmentChoice, AugmentDecision>>();

export function selectAugmentation(s: Pick<InspectorState, 'trainImages' | 'trainSettings'>): AugmentDecision {
  let byChoice = decisions.get(s.trainImages);
  if (!byChoice) {
    const spread = placementSpread(s.trainImages.filter((i) => i.status === 'ready' && i.gray).map((i) => i.gray!));
    byChoice = new Map(AUGMENT_CHOICES.map((c) => [c, decide(c, spread)]));
    decisions.set(s.trainImages, byChoice);
  }
  return byChoice.get(s.trainSettings.augment)!;
}

/** A user-facing reason why the settings cannot start a run, or null. */
export function checkTrainSettings(settings: TrainSettings): string | null {
  const { steps, learningRate } = settings;
  if (!Number.isInteger(steps) || steps < 1 || steps > MAX_TRAIN_STEPS) return `Steps must be a whole number from 1 to ${MAX_TRAIN_STEPS}.`;
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
        gray: null,
        status: 'decoding',
        error: null,
      }));
      set((s) => ({ trainImages: [...s.trainImages, ...fresh] }));
      return decodeFiles(rt, files, fresh, batch, {
        exists,
        decoded: (id, image) => patch(id, { image, gray: grayThumbnail(image.pixels), status: 'ready' }),
        failed: (id, message) => patch(id, { status: 'error', error: message }),
      });
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
      if (preset) set((s) => ({ trainSettings: { ...s.trainSettings, steps: preset.steps, learningRate: PRESET_LEARNING_RATE[s.trainSettings.start] } }));
    },
  };
};

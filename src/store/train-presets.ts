/**
 * The Teach panel's training defaults, in one table: how long each preset trains (in optimisation steps,
 * so that a run's length does not depend on how many photos were added — 5 epochs of 10 photos were 10
 * steps, of 30 photos 20), the Adam learning rate by start point, and whether light augmentation is on.
 * Everything else reads these values from here (the slice, the form, the README's figures).
 *
 * Where the values come from:
 * - learningRate.current 0.001: continuing a trained model at 0.005 doubled the loss of the shipped fabric
 *   model after the first step (0.149 → 0.295, 7 images, batch 5) and took 5 epochs to recover; at 0.001 the
 *   loss fell from the first step on (e2e/fine-tune.e2e.ts on wasm).
 * - learningRate.fresh 0.005: the paper's / the CLI's (DEFAULT_TRAIN_CONFIG).
 * - steps and augment: provisional (the step counts give ≈ 1, 3 and 8 minutes at the 1.3 s batch-8 step of
 *   the shipped student on 2 wasm threads); to be replaced by the measured defaults for new products.
 */
import type { TrainPresetId, TrainStart } from './types';

export interface TrainPreset {
  label: string;
  /** Optimisation steps of the run (batch min(8, training images)). */
  steps: number;
}

export interface TrainingDefaults {
  presets: Readonly<Record<TrainPresetId, TrainPreset>>;
  /** The preset a new panel starts with. */
  defaultPreset: TrainPresetId;
  learningRate: Readonly<Record<TrainStart, number>>;
  augment: boolean;
}

export const TRAINING_DEFAULTS: TrainingDefaults = {
  presets: {
    quick: { label: 'Quick', steps: 50 },
    standard: { label: 'Standard', steps: 150 },
    thorough: { label: 'Thorough', steps: 400 },
  },
  defaultPreset: 'standard',
  learningRate: { current: 0.001, fresh: 0.005 },
  augment: false,
};

export const TRAIN_PRESET_IDS: readonly TrainPresetId[] = ['quick', 'standard', 'thorough'];

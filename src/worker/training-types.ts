/**
 * The data of a training request across the worker boundary: options, progress events, the outcome.
 * Plain types only (see types.ts), shared by fine-tune.ts, the training service and the client.
 */
import type { Profile } from '../engine/model-meta';
import type { BackendName, LibraryModelInfo, LoadedModelInfo, WorkerError } from './types';

export interface TrainOptions {
  /** 'current': continue from the loaded model's weights; 'fresh': new weights, same student config. */
  start: 'current' | 'fresh';
  /**
   * Length of the run: `steps` optimisation steps (the panel's presets; the last epoch may be partial), or
   * `epochs` passes over the training images (the CLI's unit, the bench page). Exactly one of the two.
   */
  steps?: number;
  epochs?: number;
  /** Adam learning rate, in (0, 1); the CLI's default is DEFAULT_TRAIN_CONFIG.learningRate (src/engine/train.ts). */
  learningRate: number;
  /** Default min(8, number of training images). */
  batchSize?: number;
  /** Augmentation (flips, shifts up to an eighth of the side: src/worker/augment.ts). Default false. */
  augment?: boolean;
  /**
   * Gaussian σ of the trained model's map (meta.map.sigma, also used for its calibration). Default: the
   * loaded model's. The Teach panel sends TRAINING_DEFAULTS.freshMapSigma for a new product (src/store/train-presets.ts).
   */
  mapSigma?: number;
  /** Seeds the new weights ('fresh'), shuffling and augmentation. Default 0. */
  seed?: number;
  /** Recorded as meta.dataset.name. Default 'images trained in the browser'. */
  datasetName?: string;
  /**
   * 'fast' (default): RD's map alone. 'accurate': also a nearest-neighbour bank of the training images'
   * teacher taps, fused with RD's map (src/engine/evidence.ts); needs ≥ 5 images (held-out divisors).
   */
  profile?: Profile;
}

/** One training step timed on the active backend (measureTrainStep), for the panel's time estimate. */
export interface StepTiming {
  backend: BackendName;
  /** Samples in the timed batch. */
  batchSize: number;
  /** One optimisation step after the first (which compiles kernels / shaders), ms. */
  stepMs: number;
  /** Teacher features of one image, ms (the run computes them once per image before training). */
  featureMs: number;
}

export type TrainPhase = 'features' | 'training' | 'calibrating';

/**
 * Progress of a training run, posted after every optimisation step (phase 'training') and after each
 * chunk of teacher features / each calibration image (phases 'features' and 'calibrating', where
 * `step` counts images done of `stepsPerEpoch` and `epoch` is 0).
 */
export interface TrainProgress {
  type: 'train-progress';
  phase: TrainPhase;
  /** 1-based epoch of the step just done (0 outside the training phase). */
  epoch: number;
  epochs: number;
  /** Optimisation steps of the whole run (steps done so far: (epoch − 1) × stepsPerEpoch + step). */
  totalSteps: number;
  /** 1-based step within the epoch (images done in the other phases). */
  step: number;
  stepsPerEpoch: number;
  /** Loss of the step just done (NaN outside the training phase). */
  loss: number;
  /** Mean loss of each completed epoch. */
  epochLosses: number[];
  /** Since the run started (feature caching included). */
  elapsedMs: number;
  /** Estimated time to the end of training (steps left × mean step time); NaN until a step is done. */
  etaMs: number;
  /** Mean time of a training step so far (the first, compiling one left out once there are others); NaN outside training. */
  stepMs: number;
}

/** A run that ended without a model: cancelled (by the user or a lost device), with what it did so far. */
export interface TrainCancelled {
  status: 'cancelled';
  message: string;
  warnings: string[];
  epochLosses: number[];
  elapsedMs: number;
}

/** A run whose loss (or whose scores) became non-finite: nothing is kept. */
export interface TrainDiverged {
  status: 'diverged';
  message: string;
  /** 1-based epoch and step of the step that was refused. */
  epoch: number;
  step: number;
  loss: number;
  warnings: string[];
  epochLosses: number[];
  elapsedMs: number;
}

/** Options of a training request: fine-tuning options, plus an optional library name to save the result under. */
export interface TrainRequestOptions extends TrainOptions {
  /** When set, a successful run is saved to the library under this name right away (see TrainResult.saved). */
  saveAs?: string;
}

/** The score distribution behind a trained model's threshold (also in meta.calibration). */
export interface TrainCalibration {
  /** Scores of the held-out images (empty with fewer than 5 images). */
  heldOut: number[];
  /** Scores of the training images under the final weights. */
  training: number[];
  threshold: number;
  rule: string;
  /** True when no image could be held out: the threshold is a rough guess. */
  optimistic: boolean;
}

/**
 * Outcome of a training request. 'done': the trained model is now the active one (`model`); the
 * others leave the model loaded before training active and untouched. Failures (out of memory, a lost
 * GPU device, bad options or images) reject the request instead.
 */
export type TrainResult =
  | {
      status: 'done';
      model: LoadedModelInfo;
      calibration: TrainCalibration;
      /** e.g. "1 image: more normal images (10–30) make the model and its threshold much more reliable". */
      warnings: string[];
      epochLosses: number[];
      elapsedMs: number;
      /** The library entry when `saveAs` was given and saving worked; else null. */
      saved: LibraryModelInfo | null;
      /** Why saving under `saveAs` failed (the trained model is still active; saveTrained can retry). */
      saveError?: WorkerError;
    }
  // cancelled / diverged: as the fine-tuning run reports them (no tensors in those)
  | TrainCancelled
  | TrainDiverged;


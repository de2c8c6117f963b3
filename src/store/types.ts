/**
 * Data shapes of the inspector store. Pure types: the store runs in Node for its tests, so nothing here
 * may need the DOM at run time (`ImageBitmap` is only a type).
 */
import type { ColormapName } from '../data/colormap';
import type { GallerySample } from '../data/synthetic/plan';
import type { MapSmoother } from '../data/map-render';
import type { ModelMeta, Profile } from '../engine/model-meta';
import type {
  BackendChoice,
  BackendInfo,
  BackendName,
  InferResult,
  LibraryListing,
  LibraryModelInfo,
  LoadedModelInfo,
  ModelSource,
  PixelsMessage,
  RawMaps,
  StageTimings,
  TrainCalibration,
  TrainPhase,
  TrainProgress,
  WorkerEvent,
} from '../worker/protocol';

/** M1..M3 on/off (index 0 = stride 4). At least one is always on. */
export type ScaleSelection = readonly [boolean, boolean, boolean];

/** Where a model entry came from. Shipped models come from models/students/index.json; others are appended. */
export type ModelOrigin = 'shipped' | 'user';

export interface ModelEval {
  image_auroc?: number;
  pixel_auroc?: number;
  pro?: number;
}

export interface ModelEntry {
  id: string;
  title: string;
  source: ModelSource;
  origin: ModelOrigin;
  /** The index's `path` (e.g. models/students/fabric), used to match a sample category to the model. */
  path?: string;
  teacher?: string;
  eval?: ModelEval;
  /**
   * A model trained in this session that lives only in the worker's memory (not saved, or deleted from
   * the library while loaded). It cannot be loaded again: choosing another model discards it.
   */
  unsaved?: boolean;
}

/** One gallery image of samples/index.json (the generator writes that shape). */
export type SampleEntry = GallerySample;

export interface SampleCategory {
  id: string;
  title: string;
  kind?: string;
  /** The model folder this category's images are meant for, e.g. models/students/fabric. */
  model?: string;
  defectKinds?: string[];
  samples: SampleEntry[];
}

/**
 * A decoded image as the store needs it. Structurally a subset of src/ui/decode-image's DecodedImage, so
 * the real decoder's result fits and the tests can build one without a DOM.
 */
export interface InspectImage {
  name: string;
  width: number;
  height: number;
  originalWidth: number;
  originalHeight: number;
  /** Absent in Node tests. */
  bitmap?: ImageBitmap;
  /** Kept so the image can be re-run with another model: the worker is always sent a copy. */
  pixels: PixelsMessage;
  thumbnail: string;
}

/**
 * decoding → queued → running → done; any step can end in error. `queued` items wait for a ready model and
 * for the single worker (one inference at a time, oldest first).
 */
export type ImageStatus = 'decoding' | 'queued' | 'running' | 'done' | 'error';

export interface ImageItem {
  id: string;
  /** Insertion order: ties in the score order and the inference queue follow it. */
  seq: number;
  /** Which add-action (drop, pick, paste, gallery click) brought the image; see AppError.batch. */
  batch: number;
  name: string;
  image: InspectImage | null;
  status: ImageStatus;
  /** Raw per-scale maps of the last successful inference (of model `modelId`). */
  maps: RawMaps | null;
  /** Re-fuses and re-smooths `maps` for any σ / scale selection without the network; caches its results. */
  smoother: MapSmoother | null;
  modelId: string | null;
  timings: StageTimings | null;
  /** Image score (max of the smoothed map) for the selection/σ in `scoreKey`. */
  score: number | null;
  scoreKey: string | null;
  /** Time the last smoothing of this item took, ms. */
  smoothMs: number;
  /**
   * Median of the map under the model's default map settings (the ones its threshold was calibrated
   * with); above that threshold the image is "not your product" (outsideNormalRange).
   */
  mapMedian: number | null;
  error: string | null;
  /** Retries after a backend failure (one is allowed: the worker may just have switched backends). */
  retries: number;
  /** Where the image came from: absent = a file (dropped, picked, pasted, a sample); 'camera' = a captured live frame. */
  origin?: ImageOrigin;
  /** When a camera frame was captured (ISO 8601, UTC). */
  capturedAt?: string;
}

export type ImageOrigin = 'file' | 'camera';

export interface AppError {
  id: number;
  message: string;
  /** Cleared when an image of a later batch succeeds (or on dismiss). */
  batch: number;
}

/** A file handed to the store (picked, dropped, pasted or fetched). */
export interface FileInput {
  blob: Blob;
  name: string;
}

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';
export type ModelStatus = 'none' | 'loading' | 'ready' | 'error';
export type ViewMode = 'overlay' | 'side-by-side';
export type ZoomMode = 'fit' | '1:1';
export type ThresholdSource = 'calibration' | 'fallback' | 'user';
export type Verdict = 'ok' | 'anomaly' | 'pending' | 'error';

/** A normal image for fine-tuning: decoded on the page, its pixels sent (copied) to the worker. */
export interface TrainImageItem {
  id: string;
  name: string;
  image: InspectImage | null;
  /** The photo's gray thumbnail (src/data/placement.ts), for the placement spread that decides 'auto' augmentation. */
  gray: Float32Array | null;
  status: 'decoding' | 'ready' | 'error';
  error: string | null;
}

/** idle: never run; running (also while cancelling); the others: how the last run ended. */
export type TrainStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'diverged' | 'failed';

export type TrainStart = 'current' | 'fresh';

export type AugmentChoice = 'auto' | 'on' | 'off';
export const AUGMENT_CHOICES: readonly AugmentChoice[] = ['auto', 'on', 'off'];

/** What the training panel's fields hold. */
export interface TrainSettings {
  start: TrainStart;
  /** Optimisation steps of the run. */
  steps: number;
  learningRate: number;
  /** 'auto': on when the photos' placement spread says the product moves between them (selectAugmentation). */
  augment: AugmentChoice;
  /** 'fast': RD's map; 'accurate': fused with a nearest-neighbour bank of the photos (≥ 5 photos, ≈ 2.4× the inference). */
  profile: Profile;
  /** Library name: a successful run is saved under it right away (empty: kept in memory, save later). */
  name: string;
}

export type TrainPresetId = 'quick' | 'standard' | 'thorough';

/** The loss curve so far: one point per optimisation step, and each finished epoch's mean at its last step. */
export interface LossHistory {
  /** Global step numbers, 1-based ((epoch − 1) × stepsPerEpoch + step). */
  steps: number[];
  losses: number[];
  /** Mean loss of epoch e (index e − 1) sits at step e × stepsPerEpoch. */
  epochMeans: number[];
  stepsPerEpoch: number;
}

/** The outcome of the last finished run (also after cancel / divergence / failure). */
export interface TrainOutcome {
  status: Exclude<TrainStatus, 'idle' | 'running'>;
  message: string;
  warnings: string[];
  epochLosses: number[];
  elapsedMs: number;
  /** Done runs only: the trained model and its calibration. */
  model: LoadedModelInfo | null;
  calibration: TrainCalibration | null;
  /** The library entry when the run was saved right away. */
  saved: LibraryModelInfo | null;
  /** Why saving failed (the trained model is still active, unsaved). */
  saveError: string | null;
}

export type {
  BackendChoice,
  BackendInfo,
  BackendName,
  ColormapName,
  InferResult,
  LibraryListing,
  LibraryModelInfo,
  LoadedModelInfo,
  ModelMeta,
  StageTimings,
  TrainCalibration,
  TrainPhase,
  TrainProgress,
  WorkerEvent,
};

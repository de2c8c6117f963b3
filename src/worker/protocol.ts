/**
 * Messages between the UI thread and the inference worker. The worker owns every tensor; the UI only
 * ever sees plain typed arrays, so a crashed or lost GPU device cannot leave tensors on the main thread.
 *
 * The worker returns the per-scale maps *unsmoothed*: fusing the selected scales and the Gaussian are
 * linear and cheap, so the UI re-smooths for a new σ or scale selection without re-running the network.
 */

/** Raw evidence of one inference, all maps size×size, row-major, at the model's input resolution. */
export interface RawMaps {
  size: number;
  /** scales[k] = 1 − cos(E_k, D_k) bilinearly upsampled to size×size; k = 0 (stride 4, M1) … 2 (stride 16, M3). */
  scales: [Float32Array, Float32Array, Float32Array];
}

export interface StageTimings {
  /** Pixels → input tensor (resize), ms. */
  preprocessMs: number;
  teacherMs: number;
  studentMs: number;
  mapsMs: number;
  totalMs: number;
}

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export interface BackendInfo {
  backend: BackendName;
  /** Why earlier backends in the preference order were skipped (e.g. "webgpu: no adapter"). */
  notes: string[];
}

import type { ModelMeta } from '../engine/model-meta';
import type { FineTuneOutcome, TrainOptions, TrainProgress } from './fine-tune';
import type { LibraryModelInfo } from './model-library';

export type { TrainOptions, TrainPhase, TrainProgress } from './fine-tune';
export type { LibraryListing, LibraryModelInfo, LibraryOrigin } from './model-library';

/**
 * Where a model bundle lives: a URL folder with model.json, weights.bin, meta.json (the shipped models),
 * or the user's model library in IndexedDB (`indexeddb://rd4ad-user/<id>`; ids from listModels).
 */
export type ModelSource =
  | {
      kind: 'url';
      /** Folder URL, absolute or relative to the page, ending without a slash. */
      url: string;
    }
  | {
      kind: 'indexeddb';
      /** Library id; this is what the worker loads. */
      id: string;
      /** `indexeddb://rd4ad-user/<id>` (tfjs's URL of the record; for display — LibraryModelInfo.source has both filled in). */
      url: string;
    };

export interface LoadedModelInfo {
  id: string;
  /** meta.json of the bundle, as validated by validateModelMeta. */
  meta: ModelMeta;
  teacher: string;
  inputSize: number;
  loadMs: number;
  /**
   * Where the active model lives: 'url' (shipped bundle), 'library' (saved in IndexedDB under `id`) or
   * 'memory' (trained in this session and not saved yet, or deleted from the library while loaded —
   * saveTrained stores it). Absent = 'url'.
   */
  origin?: 'url' | 'library' | 'memory';
  /** User-visible name of library and trained models. */
  name?: string;
}

/** An image already decoded on the UI side: RGBA bytes of any size (the worker resizes to the model input). */
export interface PixelsMessage {
  width: number;
  height: number;
  rgba: Uint8ClampedArray<ArrayBuffer>;
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
  | Extract<FineTuneOutcome, { status: 'cancelled' | 'diverged' }>;

/** A file for importBundle: a bundle .zip, or one of model.json / weights.bin / meta.json. */
export interface BundleFileMessage {
  name: string;
  bytes: Uint8Array<ArrayBuffer>;
}

/** What exportModel writes: the active model, or a library model by id. */
export type ExportTarget = { kind: 'active' } | { kind: 'indexeddb'; id: string };

export interface ExportResult {
  /** Suggested download name, e.g. "Fabric-line-2.zip". */
  fileName: string;
  /** The .zip (model.json, weights.bin, meta.json), transferred. */
  bytes: Uint8Array<ArrayBuffer>;
}

export type WorkerRequest =
  | { id: number; type: 'init'; preferredBackend?: BackendName }
  | { id: number; type: 'loadModel'; modelId: string; source: ModelSource; teacherRoot: string }
  | { id: number; type: 'infer'; pixels: PixelsMessage }
  | { id: number; type: 'memory' }
  | { id: number; type: 'dispose' }
  /** Test hook: destroys the GPU device of the current backend (WebGPU), which then goes through the device-lost fall-back. */
  | { id: number; type: 'loseDevice' }
  /** Fine-tunes on normal images (see TrainResult); progress comes as 'train-progress' events. */
  | { id: number; type: 'train'; images: PixelsMessage[]; options: TrainRequestOptions }
  /** Stops the running (or queued) training at the next step; answered at once with { cancelled: boolean }. */
  | { id: number; type: 'cancelTraining' }
  | { id: number; type: 'listModels' }
  | { id: number; type: 'renameModel'; modelId: string; name: string }
  | { id: number; type: 'deleteModel'; modelId: string }
  /** Saves the active model when it lives only in memory (trained, not saved yet) → LibraryModelInfo. */
  | { id: number; type: 'saveTrained'; name: string }
  | { id: number; type: 'exportModel'; target: ExportTarget }
  /** Checks a dropped bundle against the teacher and stores it in the library → LibraryModelInfo. */
  | { id: number; type: 'importBundle'; files: BundleFileMessage[]; name?: string; teacherRoot: string };

/** 'storage': the browser's model storage (IndexedDB) is full or unavailable. */
export type ErrorKind = 'input' | 'model' | 'backend' | 'out-of-memory' | 'storage' | 'internal';

export interface WorkerError {
  kind: ErrorKind;
  message: string;
}

export interface InferResult {
  maps: RawMaps;
  timings: StageTimings;
  backend: BackendName;
}

export interface MemoryResult {
  numTensors: number;
  numBytes: number;
}

export type WorkerReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: WorkerError };

/** Sent when a training request ends, whatever the outcome ('failed': the request was rejected with `error`). */
export interface TrainDoneEvent {
  type: 'train-done';
  result: TrainResult | { status: 'failed'; error: WorkerError };
}

/** Unsolicited messages from the worker. */
export type WorkerEvent = { type: 'backend-changed'; info: BackendInfo; reason: string } | TrainProgress | TrainDoneEvent;

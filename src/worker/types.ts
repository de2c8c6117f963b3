/**
 * The data that crosses the worker boundary: pixels in, raw maps, model and backend descriptions,
 * library entries, bundle files and errors out. Plain types only (no imports from the worker's
 * modules), so every module of the worker and the client can use them without an import cycle.
 *
 * The worker returns the per-scale maps *unsmoothed*, so the UI re-smooths for a new σ or scale selection
 * without re-running the network, and with them the fused, smoothed maps of the views the request names
 * (the viewer's current one, the model's own): on arrival the UI thread only draws.
 */
import type { MapView, NearestMap, SmoothedMap } from '../data/map-render';
import type { ModelMeta } from '../engine/model-meta';

/** Raw evidence of one inference, all maps size×size, row-major, at the model's input resolution. */
export interface RawMaps {
  size: number;
  /** scales[k] = 1 − cos(E_k, D_k) bilinearly upsampled to size×size; k = 0 (stride 4, M1) … 2 (stride 16, M3). */
  scales: [Float32Array, Float32Array, Float32Array];
  /** Models of the accurate profile: the nearest-neighbour distances (upsampled, unsmoothed) and the divisors. */
  nearest?: NearestMap;
}

export interface StageTimings {
  /** Pixels → input tensor (resize), ms. */
  preprocessMs: number;
  teacherMs: number;
  studentMs: number;
  mapsMs: number;
  /** Fusing and smoothing the requested views (0 when none was asked for). */
  smoothMs: number;
  totalMs: number;
}

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export interface BackendInfo {
  backend: BackendName;
  /** Why earlier backends in the preference order were skipped (e.g. "webgpu: no adapter"). */
  notes: string[];
  /** How the backend was chosen (absent where the worker was not asked to measure, e.g. in Node tests). */
  choice?: BackendChoice;
  /** wasm: the XNNPACK threads it runs on (1 where the page is not cross-origin isolated); absent elsewhere. */
  threads?: number;
}

/**
 * How the worker chose its backend: 'measured' (each backend timed now), 'cached' (a measurement of an
 * earlier visit with the same key), 'forced' (?backend=). The page keeps measured choices (by key) so
 * that later visits start at once.
 */
export interface BackendChoice {
  backend: BackendName;
  how: 'measured' | 'cached' | 'forced';
  /** In words, for the badge: e.g. "wasm — WebGL here is a software renderer, 12× slower". */
  reason: string;
  /** Warm-up inference per measured backend, ms. */
  measuredMs: Partial<Record<BackendName, number>>;
  /** What the measurement holds for: user agent, the GPU renderer / adapter strings, the timed workload. */
  key: string;
}

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

/** 'storage': the browser's model storage (IndexedDB) is full or unavailable. */
export type ErrorKind = 'input' | 'model' | 'backend' | 'out-of-memory' | 'storage' | 'internal';

export interface WorkerError {
  kind: ErrorKind;
  message: string;
}

/** An inference request: the pixels, and the views whose smoothed maps come back with the raw ones. */
export interface InferRequest {
  pixels: PixelsMessage;
  /** A few at most (the worker refuses more than four); none (the default) returns the raw maps only. */
  views?: readonly MapView[];
}

export interface InferResult {
  maps: RawMaps;
  /** smoothed[i] is the request's views[i], fused and smoothed like the UI's MapSmoother does. */
  smoothed: SmoothedMap[];
  timings: StageTimings;
  backend: BackendName;
}

export interface MemoryResult {
  numTensors: number;
  numBytes: number;
}

/** What setModelCalibration changed: the model's meta, and its library entry when it is saved there. */
export interface CalibrationUpdate {
  meta: ModelMeta;
  /** The stored library entry; null for a trained model not saved yet (a later save keeps the new meta). */
  saved: LibraryModelInfo | null;
}

/** How a library model came to be. */
export type LibraryOrigin = 'trained' | 'imported';

/** One model of the library, as the UI lists it. */
export interface LibraryModelInfo {
  /** Stable id (the IndexedDB key is `indexeddb://rd4ad-user/<id>`). */
  id: string;
  /** What to pass to loadModel: { kind: 'indexeddb', id, url: 'indexeddb://rd4ad-user/<id>' }. */
  source: { kind: 'indexeddb'; id: string; url: string };
  /** User-visible name (rename keeps the id). */
  name: string;
  origin: LibraryOrigin;
  /** When the model entered the library (ISO date). */
  createdAt: string;
  /** When its record was last written (ISO date; a rename updates it). */
  savedAt: string;
  /** Bytes of the weights. */
  bytes: number;
  /** "teacherId/tapSet" the model needs. */
  teacher: string;
  inputSize: number;
  /** Default threshold (meta.calibration), null when uncalibrated. */
  threshold: number | null;
  /** True when the threshold was calibrated without held-out images. */
  optimistic: boolean;
  meta: ModelMeta;
}

export interface LibraryListing {
  /** Newest first. */
  models: LibraryModelInfo[];
  /** Records under the prefix that could not be read (the UI can offer to delete them). */
  unreadable: { id: string; reason: string }[];
  /** navigator.storage.estimate() where available: bytes used by this site and its quota. */
  storage: { usage: number; quota: number } | null;
}

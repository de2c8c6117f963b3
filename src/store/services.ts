/**
 * What the store needs from the outside world. The app passes the real worker client, image decoder and
 * fetch (src/ui/browser-services.ts); the unit tests pass fakes. None of it lives in the store's state.
 */
import type {
  BackendChoice,
  BackendInfo,
  BackendName,
  BundleFileMessage,
  CalibrationUpdate,
  ExportResult,
  ExportTarget,
  InferResult,
  LibraryListing,
  LibraryModelInfo,
  LoadedModelInfo,
  ModelSource,
  PixelsMessage,
  StepTiming,
  TrainRequestOptions,
  TrainResult,
  WorkerEvent,
} from '../worker/protocol';
import type { CameraService, SettingsStore } from './camera-types';
import type { ScoreCalibration } from '../engine/model-meta';
import type { InspectImage } from './types';

/** The part of src/worker/inference-client's InferenceClient the store calls. */
export interface InferenceService {
  /** `cached`: a measured backend choice of an earlier visit (the worker uses it when its key still holds). */
  init(preferred?: BackendName, cached?: BackendChoice | null): Promise<BackendInfo>;
  loadModel(modelId: string, source: ModelSource, teacherRoot: string): Promise<LoadedModelInfo>;
  /** May transfer (detach) pixels.rgba.buffer: the store always passes a copy. */
  infer(pixels: PixelsMessage): Promise<InferResult>;
  onEvent(listener: (e: WorkerEvent) => void): () => void;
  /** Fine-tunes the loaded model (progress as 'train-progress' events); copies the pixels. */
  train(images: PixelsMessage[], options: TrainRequestOptions): Promise<TrainResult>;
  /** Times one training step of the loaded model at this batch size on the worker's backend. */
  measureTrainStep(batchSize: number): Promise<StepTiming>;
  /** Stops a running training at its next step; true when one was running or queued. */
  cancelTraining(): Promise<boolean>;
  listModels(): Promise<LibraryListing>;
  renameModel(modelId: string, name: string): Promise<LibraryModelInfo>;
  deleteModel(modelId: string): Promise<void>;
  /** Replaces the meta.calibration (threshold) of a library model or of the active unsaved one; the loaded model's meta follows. */
  setModelCalibration(modelId: string, calibration: ScoreCalibration): Promise<CalibrationUpdate>;
  /** Saves the active, trained and not yet saved model; the active model takes the returned id. */
  saveTrained(name: string): Promise<LibraryModelInfo>;
  exportModel(target?: ExportTarget): Promise<ExportResult>;
  importBundle(files: readonly BundleFileMessage[], teacherRoot: string, name?: string): Promise<LibraryModelInfo>;
}

/** Thrown by StoreServices.fetchJson / fetchBlob when the resource does not exist. */
export class NotFoundError extends Error {
  constructor(readonly url: string) {
    super(`${url} not found`);
    this.name = 'NotFoundError';
  }
}

export interface StoreServices {
  client: InferenceService;
  /** Decodes an image file; rejects with a user-facing message (ImageFileError) for anything unusable. */
  decode(file: Blob, name: string): Promise<InspectImage>;
  /** Parsed JSON; rejects with NotFoundError when the file is missing. */
  fetchJson(url: string): Promise<unknown>;
  fetchBlob(url: string): Promise<Blob>;
  /** The app's base URL (import.meta.env.BASE_URL), ending with '/'. */
  baseUrl: string;
  /** Frees what an image holds outside the JS heap (bitmap, thumbnail object URL). */
  release?(image: InspectImage): void;
  /** Lets the UI paint between chunks of background work (default: a macrotask). */
  yieldToUi?(): Promise<void>;
  /** Clock for timings, ms (default performance.now / Date.now). */
  now?(): number;
  /** Hands a file to the user (a download in the browser). */
  saveFile?(fileName: string, bytes: Uint8Array<ArrayBuffer>, type: string): void;
  /**
   * Asks the browser not to evict this site's storage (navigator.storage.persist()); called once before
   * the first save to the model library. Failures are ignored.
   */
  requestPersistence?(): Promise<boolean>;
  /** The camera for live inspection (absent: the camera view says there is no camera access). */
  camera?: CameraService;
  /** Small settings kept across reloads (the camera ROI per model); absent: nothing is kept. */
  settings?: SettingsStore;
  /** Where the worker's measured backend choice is kept between visits (localStorage in the browser). */
  backendChoiceCache?: {
    load(): BackendChoice | null;
    save(choice: BackendChoice): void;
  };
}

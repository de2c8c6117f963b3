/**
 * The store's state, as four slices. Actions live next to the data they change; derived values (sorted
 * list, verdicts, gallery) are selectors in selectors.ts.
 */
import type { ExportTarget } from '../worker/protocol';
import type {
  AppError,
  BackendInfo,
  BackendName,
  ColormapName,
  ImageItem,
  LibraryModelInfo,
  LoadedModelInfo,
  LossHistory,
  LoadStatus,
  ModelEntry,
  ModelMeta,
  ModelStatus,
  SampleCategory,
  ScaleSelection,
  StageTimings,
  ThresholdSource,
  TrainImageItem,
  TrainOutcome,
  TrainPresetId,
  TrainProgress,
  TrainSettings,
  TrainStatus,
  ViewMode,
  ZoomMode,
} from './types';

export interface ModelsSlice {
  /** All selectable models: shipped ones from the index first, then any appended with addModels. */
  models: ModelEntry[];
  modelsStatus: LoadStatus;
  modelsError: string | null;
  samples: SampleCategory[];
  samplesStatus: LoadStatus;
  samplesError: string | null;
  activeModelId: string | null;
  modelStatus: ModelStatus;
  modelError: string | null;
  /** meta.json of the loaded model (null while loading or when none is loaded). */
  meta: ModelMeta | null;
  modelInfo: LoadedModelInfo | null;

  loadModelIndex(): Promise<void>;
  loadSampleIndex(): Promise<void>;
  /** Appends models from another source (entries with an id already listed replace that entry). */
  addModels(entries: ModelEntry[]): void;
  /**
   * Loads a model in the worker. Every listed image that has pixels is queued again and re-run with the
   * new model when it is ready: scores of different models are not comparable, so none are kept.
   * Refused (error banner) while a training run is going on.
   */
  selectModel(id: string): Promise<void>;

  // ---- the user's model library (IndexedDB in the worker) ----
  /** Saved models, newest first, as the worker listed them; their picker entries (origin 'user') follow it. */
  library: LibraryModelInfo[];
  libraryStatus: LoadStatus;
  libraryError: string | null;
  /** navigator.storage.estimate() from the listing: bytes used by the site and its quota. */
  libraryStorage: { usage: number; quota: number } | null;
  libraryUnreadable: { id: string; reason: string }[];
  /** Confirmation of the last library action (saved, imported, renamed, deleted, exported). */
  libraryNotice: string | null;
  /** A save, rename, delete, import or export is in progress. */
  libraryBusy: boolean;

  /** Lists the library again and brings the picker's "Your models" in step (at start and after every change). */
  refreshLibrary(): Promise<void>;
  renameLibraryModel(id: string, name: string): Promise<boolean>;
  /** Deletes a saved model; when it is the active one it stays loaded, as an unsaved model. */
  deleteLibraryModel(id: string): Promise<boolean>;
  /** Saves the active model (trained here, not saved yet) under `name`; it then becomes that library entry. */
  saveActiveModel(name: string): Promise<LibraryModelInfo | null>;
  /** Downloads the active model (default) or a library model as a bundle .zip. */
  exportModel(target?: ExportTarget): Promise<boolean>;
  /** Checks and stores a dropped bundle (.zip, or model.json + weights.bin + meta.json); errors go to the banner. */
  importBundle(files: readonly FileInput[], name?: string): Promise<LibraryModelInfo | null>;
}

export interface FileInput {
  blob: Blob;
  name: string;
}

export interface ImagesSlice {
  /** In insertion order; the displayed order is selectSortedItems. */
  items: ImageItem[];
  selectedId: string | null;

  /** Decodes (one at a time) and queues the files; the first one that decodes is selected. */
  addFiles(files: readonly FileInput[]): Promise<void>;
  /** Fetches a sample (path relative to the app base, as in samples/index.json) and adds it like a file. */
  addSample(file: string): Promise<void>;
  select(id: string | null): void;
  /** Moves the selection up (-1) or down (+1) in the displayed (score-sorted) order. */
  moveSelection(delta: number): void;
  removeImage(id: string): void;
  clearImages(): void;
  /**
   * Opens dropped / picked / pasted files: model bundle files (.zip, .json, .bin) go to importBundle,
   * everything else is inspected as an image.
   */
  openFiles(files: readonly FileInput[]): Promise<void>;
}

export interface ViewerSlice {
  scales: ScaleSelection;
  sigma: number;
  /** Heatmap opacity in overlay mode, 0..1. */
  opacity: number;
  colormap: ColormapName;
  mode: ViewMode;
  zoom: ZoomMode;
  threshold: number;
  thresholdSource: ThresholdSource;

  /** Returns false (and changes nothing) when it would turn off the last scale. */
  toggleScale(k: number): boolean;
  setScales(sel: readonly boolean[]): boolean;
  setSigma(sigma: number): void;
  nudgeSigma(delta: number): void;
  setOpacity(opacity: number): void;
  setColormap(name: ColormapName): void;
  setMode(mode: ViewMode): void;
  toggleMode(): void;
  setZoom(zoom: ZoomMode): void;
  toggleZoom(): void;
  /** Ignores non-finite values. Verdicts of all images follow at once (they are derived). */
  setThreshold(threshold: number): void;
  /** Back to the model's calibrated (or fallback) threshold. */
  resetThreshold(): void;
}

export interface EngineSlice {
  backend: BackendInfo | null;
  engineStatus: 'idle' | 'starting' | 'ready' | 'error';
  engineError: string | null;
  /** Stage timings of the last finished inference. */
  lastTimings: StageTimings | null;
  /** Visible notes: backend fallbacks during the session, a ?model= that was not found. */
  notes: string[];
  errors: AppError[];

  /**
   * Starts everything once (later calls return the same promise): subscribes to worker events, inits the
   * backend, fetches both indices and loads the preferred (or first) model.
   */
  start(opts?: { preferredBackend?: BackendName; preferredModelId?: string }): Promise<void>;
  /** Shows a user-facing failure from the UI itself (e.g. an export that failed). */
  reportError(message: string): void;
  dismissError(id: number): void;
  dismissErrors(): void;
  /** Resolves when no decode, inference, model load or re-scoring is in progress (tests, exports). */
  whenIdle(): Promise<void>;
  /** Unsubscribes from worker events (the store is unusable afterwards). */
  dispose(): void;
}

export interface TrainingSlice {
  /** Normal images to fine-tune on, in the order added. */
  trainImages: TrainImageItem[];
  trainSettings: TrainSettings;
  trainStatus: TrainStatus;
  /** Cancel was asked for; the run stops at its next step. */
  trainCancelling: boolean;
  /** The last progress event of the running (or last) run. */
  trainProgress: TrainProgress | null;
  lossHistory: LossHistory;
  trainOutcome: TrainOutcome | null;

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
  /**
   * Fine-tunes the active model on the ready images in the worker (on its backend). Done: the trained
   * model becomes the active one with its calibrated threshold and the listed images are re-scored;
   * saved right away when a name was entered. Cancelled, diverged or failed: the previous model stays.
   */
  startTraining(): Promise<void>;
  cancelTraining(): Promise<void>;
}

export type InspectorState = ModelsSlice & ImagesSlice & ViewerSlice & EngineSlice & TrainingSlice;

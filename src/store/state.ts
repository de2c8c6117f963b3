/**
 * The store's state, as four slices. Actions live next to the data they change; derived values (sorted
 * list, verdicts, gallery) are selectors in selectors.ts.
 */
import type {
  AppError,
  BackendInfo,
  BackendName,
  ColormapName,
  ImageItem,
  LoadedModelInfo,
  LoadStatus,
  ModelEntry,
  ModelMeta,
  ModelStatus,
  SampleCategory,
  ScaleSelection,
  StageTimings,
  ThresholdSource,
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
   */
  selectModel(id: string): Promise<void>;
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

export type InspectorState = ModelsSlice & ImagesSlice & ViewerSlice & EngineSlice;

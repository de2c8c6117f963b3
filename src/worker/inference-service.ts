/**
 * The worker facade: composes the worker's services and implements the protocol's WorkerApi around one
 * serial queue, as a plain class (no `self`, no DOM) so that Node tests run it on the wasm backend.
 *
 * - backends.ts: backend start-up, fall-back and device-lost recovery
 * - active-model.ts: model loading and the active model
 * - inference.ts: the timed forward pass, retried once after a lost device
 * - training.ts: fine-tuning requests (fine-tune.ts does the run)
 * - library-service.ts: the model library (model-library.ts) and bundle export/import (bundle-zip.ts)
 *
 * Operations that touch tensors or the active model run one at a time on the queue, so requests that
 * arrive while another is running wait for it. Library-only operations (list, rename, delete) have a
 * queue of their own, so they do not wait behind a training run; cancelTraining is not queued at all.
 */
import * as tf from '@tensorflow/tfjs';
import { ActiveModel } from './active-model';
import { BackendService, DEFAULT_BACKEND_ORDER, type BackendMeasure } from './backends';
import { InferenceError, toWorkerError } from './errors';
import { InferenceRunner } from './inference';
import { LibraryService } from './library-service';
import { fetchModelFiles, type ModelFileLoader } from './model-files';
import { ModelLibrary } from './model-library';
import type { RequestFields, ResultOf, WorkerApi, WorkerEvent, WorkerMethod, WorkerReply, WorkerRequest } from './protocol';
import { SerialQueue } from './serial-queue';
import { TrainingService } from './training';
import type { TrainRequestOptions, TrainResult } from './training-types';
import type { MapView } from '../data/map-render';
import type {
  BackendChoice, BackendInfo, BackendName, BundleFileMessage, ExportResult, ExportTarget, InferResult, LibraryListing, LibraryModelInfo, LoadedModelInfo, MemoryResult,
  ModelSource, PixelsMessage,
} from './types';

// Names this module exported before the split, kept for importers.
export { InferenceError, classifyError, isDeviceLost, isOutOfMemory, toWorkerError } from './errors';
export { MAX_WORKER_PIXELS, checkPixels } from './pixels';
export { DEFAULT_BACKEND_ORDER } from './backends';

export interface InferenceServiceOptions {
  /** Model file access; default: fetch (browser). */
  loader?: ModelFileLoader;
  /** Preference order when init() names no backend, and the fall-back chain; default webgpu → webgl → wasm. */
  backendOrder?: readonly BackendName[];
  /** Runs once before the first backend is started (wasm paths, gradient kernels). */
  prepareBackends?: () => void | Promise<void>;
  /** Why a backend cannot start here (becomes a note), or null to try it. */
  probeBackend?: (name: BackendName) => Promise<string | null>;
  /** Choose the backend by measurement (the browser worker); default: the first in the order that starts. */
  measureBackends?: BackendMeasure;
  /** Threads of a started backend, for BackendInfo.threads (the browser worker: wasm's XNNPACK threads). */
  backendThreads?: (name: BackendName) => number | null;
  /** Unsolicited events (backend-changed, train-progress, train-done). */
  onEvent?: (event: WorkerEvent) => void;
  /** Run one small inference after loading (compiles GPU shaders; catches a broken backend early). Default true. */
  warmUp?: boolean;
  /** The user's model library; default tfjs's IndexedDB handlers (`indexeddb://rd4ad-user/<id>`). */
  library?: ModelLibrary;
}

/** WorkerApi written as a mapped type, so that `api[type](fields)` type-checks for a generic method (no cast). */
type Handlers = { [M in WorkerMethod]: (req: RequestFields<M>) => Promise<ResultOf<M>> };
type Transfers = { [M in WorkerMethod]?: (result: ResultOf<M>) => Transferable[] };

/** Results whose buffers are transferred to the UI thread rather than copied. */
const TRANSFERS: Transfers = {
  // A view asked for twice is one map: each buffer is listed once.
  infer: (r) => [...new Set([...r.maps.scales, ...(r.maps.nearest ? [r.maps.nearest.values] : []), ...r.smoothed.map((m) => m.values)].map((a) => a.buffer))],
  exportModel: (r) => [r.bytes.buffer],
};

/** One typed call of the API (the mapped types keep method, fields and result together). */
async function dispatch<M extends WorkerMethod>(api: Handlers, type: M, fields: RequestFields<M>): Promise<{ result: ResultOf<M>; transfer: Transferable[] }> {
  const result = await api[type](fields);
  const transfer = TRANSFERS[type]?.(result) ?? [];
  return { result, transfer };
}

export class InferenceService {
  private readonly opts: InferenceServiceOptions;
  private readonly queue = new SerialQueue();
  private readonly libraryQueue = new SerialQueue();
  private readonly backends: BackendService;
  private readonly active: ActiveModel;
  private readonly runner: InferenceRunner;
  private readonly training: TrainingService;
  private readonly models: LibraryService;
  /** The WorkerApi, as `handle` serves it. */
  readonly api: WorkerApi;

  constructor(opts: InferenceServiceOptions = {}) {
    this.opts = opts;
    // Read at event time: a listener may be swapped after construction.
    const emit = (event: WorkerEvent) => this.opts.onEvent?.(event);
    const loader = opts.loader ?? fetchModelFiles();
    const library = opts.library ?? new ModelLibrary();
    this.backends = new BackendService({
      order: opts.backendOrder ?? DEFAULT_BACKEND_ORDER,
      prepareBackends: opts.prepareBackends,
      probeBackend: opts.probeBackend,
      measure: opts.measureBackends,
      threadsOf: opts.backendThreads,
      release: () => this.active.release(),
      emit,
      onDeviceLost: (reason) => void this.notifyDeviceLost(reason).catch(() => undefined),
    });
    this.active = new ActiveModel(loader, library, () => this.backends.backend, opts.warmUp ?? true);
    this.runner = new InferenceRunner(this.backends, this.active);
    this.models = new LibraryService(library, this.active, this.backends, loader);
    this.training = new TrainingService(this.queue, this.backends, this.active, this.models, emit);
    this.api = {
      init: (r) => this.init(r.preferredBackend, r.cachedChoice),
      loadModel: (r) => this.loadModel(r.modelId, r.source, r.teacherRoot),
      infer: (r) => this.infer(r.pixels, r.views),
      memory: () => this.memory(),
      dispose: async () => (await this.dispose(), null),
      loseDevice: async () => (await this.loseDevice(), null),
      train: (r) => this.train(r.images, r.options),
      measureTrainStep: (r) => this.training.measureStep(r.batchSize),
      cancelTraining: async () => ({ cancelled: this.cancelTraining() }),
      listModels: () => this.listModels(),
      renameModel: (r) => this.renameModel(r.modelId, r.name),
      deleteModel: async (r) => (await this.deleteModel(r.modelId), null),
      setModelCalibration: (r) => this.libraryQueue.run(() => this.models.setCalibration(r.modelId, r.calibration)),
      saveTrained: (r) => this.saveTrained(r.name),
      exportModel: (r) => this.exportModel(r.target),
      importBundle: (r) => this.importBundle(r.files, r.teacherRoot, r.name),
    } satisfies Handlers;
  }

  /** The active backend, or null before init. */
  get backend(): BackendName | null {
    return this.backends.backend;
  }

  /** Id of the loaded model, or null. */
  get modelId(): string | null {
    return this.active.current?.info.id ?? null;
  }

  /**
   * Starts the backend: the preferred one, else the measured choice (`cached`: an earlier visit's, used when
   * its key still matches), else the first that works. A second call returns the running backend.
   */
  init(preferred?: BackendName, cached?: BackendChoice | null): Promise<BackendInfo> {
    return this.queue.run(() => this.backends.ensureInit(preferred, cached));
  }

  /**
   * Loads meta.json, checks it against the teacher in `${teacherRoot}/${meta.teacher.id}`, loads student and
   * teacher and swaps them in; the previous model is disposed only once the new one works (a failed load keeps it).
   */
  loadModel(modelId: string, source: ModelSource, teacherRoot: string): Promise<LoadedModelInfo> {
    return this.queue.run(async () => {
      await this.backends.ensureInit();
      await this.backends.recoverIfLost();
      return this.active.load({ modelId, source, teacherRoot });
    });
  }

  /** Teacher → student → per-scale 1 − cos maps upsampled to the model input, and the requested views of them fused and smoothed. */
  infer(pixels: PixelsMessage, views?: readonly MapView[]): Promise<InferResult> {
    return this.queue.run(() => this.runner.infer(pixels, views));
  }

  memory(): Promise<MemoryResult> {
    return this.queue.run(async () => {
      const m = tf.memory();
      return { numTensors: m.numTensors, numBytes: m.numBytes };
    });
  }

  /** Releases the loaded model (the backend stays up). */
  dispose(): Promise<void> {
    return this.queue.run(async () => this.active.dispose());
  }

  /**
   * Called when the GPU device of the current backend is lost (the WebGPU backend's `device.lost` promise
   * is wired to this automatically): switches to the next backend, reloads the model there and emits
   * `backend-changed`.
   */
  notifyDeviceLost(reason: string): Promise<void> {
    if (!this.backends.backend) return Promise.resolve();
    this.backends.markLost(reason);
    return this.queue.run(() => this.backends.recoverIfLost());
  }

  /** Test hook: destroys the current backend's GPU device (WebGPU), as a driver reset or a GPU process crash would. */
  loseDevice(): Promise<void> {
    return this.queue.run(async () => this.backends.loseDevice());
  }

  /** Fine-tunes on normal images starting from the loaded model (training.ts). */
  train(images: PixelsMessage[], options: TrainRequestOptions): Promise<TrainResult> {
    return this.training.train(images, options);
  }

  /** Stops the running and any queued training at the next step. Not queued: takes effect at once. */
  cancelTraining(): boolean {
    return this.training.cancel();
  }

  /** The user's saved models (IndexedDB), newest first. Does not wait for a training run. */
  listModels(): Promise<LibraryListing> {
    return this.libraryQueue.run(() => this.models.list());
  }

  /** Renames a library model (its id stays; the loaded model's name follows). */
  renameModel(modelId: string, name: string): Promise<LibraryModelInfo> {
    return this.libraryQueue.run(() => this.models.rename(modelId, name));
  }

  /** Deletes a library model. If it is the loaded model, it stays loaded, now held in memory only. */
  deleteModel(modelId: string): Promise<void> {
    return this.libraryQueue.run(() => this.models.remove(modelId));
  }

  /** Saves the active model when it lives in memory only; the active model then takes the library id. */
  saveTrained(name: string): Promise<LibraryModelInfo> {
    return this.queue.run(() => this.models.saveActive(name));
  }

  /** The active model or a library model as a bundle .zip (model.json, weights.bin, meta.json). */
  exportModel(target: ExportTarget): Promise<ExportResult> {
    return this.queue.run(() => this.models.export(target));
  }

  /** Checks a dropped bundle and stores it in the library (library-service.ts). */
  importBundle(files: BundleFileMessage[], teacherRoot: string, name?: string): Promise<LibraryModelInfo> {
    return this.queue.run(() => this.models.import(files, teacherRoot, name));
  }

  /** One protocol request → its reply (+ buffers to transfer). Never throws. */
  async handle(req: WorkerRequest): Promise<{ reply: WorkerReply; transfer: Transferable[] }> {
    try {
      const type = req?.type;
      if (typeof type !== 'string' || !Object.hasOwn(this.api, type)) {
        throw new InferenceError('internal', `unknown request type "${String(type)}"`);
      }
      const { id, type: _type, ...fields } = req;
      const { result, transfer } = await dispatch(this.api, type, fields);
      const reply: WorkerReply = { id, ok: true, result };
      return { reply, transfer };
    } catch (e) {
      return { reply: { id: req?.id, ok: false, error: toWorkerError(e) }, transfer: [] };
    }
  }
}

/**
 * Main-thread side of the inference worker: the protocol's WorkerApi as methods (request ids, a promise
 * per request typed with its method's result, transfer of the pixel buffers), and event listeners.
 * Every rejection is a WorkerFailure carrying the protocol's ErrorKind.
 */
import type {
  BackendChoice, BackendInfo, BackendName, BundleFileMessage, CalibrationUpdate, ErrorKind, ExportResult, ExportTarget, InferResult, LibraryListing, LibraryModelInfo, LoadedModelInfo,
  MemoryResult, ModelSource, PixelsMessage, RequestFields, RequestOf, ResultOf, StepTiming, TrainRequestOptions, TrainResult, WorkerEvent, WorkerMethod, WorkerReply,
} from './protocol';
import type { ScoreCalibration } from '../engine/model-meta';
import type { MapView } from '../data/map-render';

/** A dropped file (File from a drop or an <input type=file>) or bytes already read. */
export type ImportFile = BundleFileMessage | (Blob & { readonly name: string });

export class WorkerFailure extends Error {
  override readonly name = 'WorkerFailure';
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** The fields the client reads from a worker's message (data) and error (message) events. */
export interface WorkerLikeEvent {
  data?: unknown;
  message?: string;
}

/** The part of a Worker the client uses (a fake in tests). */
export interface WorkerLike {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message' | 'error' | 'messageerror', listener: (e: WorkerLikeEvent) => void): void;
  terminate(): void;
}

export interface InferenceClientOptions {
  /** Base for relative model URLs; default the page's document.baseURI (the worker would resolve them against its own script URL). */
  baseUrl?: string;
}

interface Pending {
  resolve: (value: ResultOf<WorkerMethod>) => void;
  reject: (reason: WorkerFailure) => void;
}

export class InferenceClient {
  private readonly worker: WorkerLike;
  private readonly baseUrl: string | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(e: WorkerEvent) => void>();
  private nextId = 1;
  private terminated = false;

  /** Spawns `new Worker(new URL('./inference.worker.ts', import.meta.url), { type: 'module' })`. */
  static create(opts: InferenceClientOptions = {}): InferenceClient {
    return new InferenceClient(new Worker(new URL('./inference.worker.ts', import.meta.url), { type: 'module' }), opts);
  }

  constructor(worker: WorkerLike, opts: InferenceClientOptions = {}) {
    this.worker = worker;
    this.baseUrl = opts.baseUrl ?? (typeof document !== 'undefined' ? document.baseURI : undefined);
    worker.addEventListener('message', (e) => this.onMessage(e.data));
    worker.addEventListener('error', (e) => {
      this.rejectAll(new WorkerFailure('internal', `the inference worker failed: ${e.message || 'unknown error'}`));
    });
    worker.addEventListener('messageerror', () => {
      this.rejectAll(new WorkerFailure('internal', 'a message from the inference worker could not be read'));
    });
  }

  /** Starts a backend in the worker: the preferred one, else the measured choice (`cachedChoice` from an earlier visit when it still holds). */
  init(preferred?: BackendName, cachedChoice?: BackendChoice | null): Promise<BackendInfo> {
    return this.call('init', { preferredBackend: preferred, cachedChoice });
  }

  /** Loads a model bundle (folder with model.json, weights.bin, meta.json) and its teacher from `${teacherRoot}/${meta.teacher.id}`. */
  loadModel(modelId: string, source: ModelSource, teacherRoot: string): Promise<LoadedModelInfo> {
    const resolved: ModelSource = source.kind === 'url' ? { ...source, url: this.resolve(source.url) } : source;
    return this.call('loadModel', { modelId, source: resolved, teacherRoot: this.resolve(teacherRoot) });
  }

  /**
   * Runs the model on one image; `views` are smoothed in the worker and come back in result.smoothed.
   * Transfers pixels.rgba.buffer: the caller's array is detached afterwards.
   */
  infer(pixels: PixelsMessage, views: readonly MapView[] = []): Promise<InferResult> {
    return this.call('infer', { pixels, views }, [pixels.rgba.buffer]);
  }

  memory(): Promise<MemoryResult> {
    return this.call('memory', {});
  }

  /** Test hook: makes the worker lose its WebGPU device (rejects with kind 'backend' on other backends). */
  async loseDeviceForTesting(): Promise<void> {
    await this.call('loseDevice', {});
  }

  /**
   * Fine-tunes the loaded model on normal images. Progress arrives as 'train-progress' events (onEvent),
   * then a 'train-done' event. Resolves with the outcome (done / cancelled / diverged); rejects with a
   * WorkerFailure on bad options or images ('input'), no model loaded ('model'), out of memory or a lost
   * GPU device ('backend'). The pixels are copied, not transferred, unless `transfer` is set (then the
   * caller's arrays are detached).
   */
  train(images: PixelsMessage[], options: TrainRequestOptions, opts: { transfer?: boolean } = {}): Promise<TrainResult> {
    const transfer = opts.transfer ? [...new Set(images.map((p) => p.rgba.buffer))] : [];
    return this.call('train', { images, options }, transfer);
  }

  /** Times one training step of the loaded model at this batch size on the worker's backend. */
  measureTrainStep(batchSize: number): Promise<StepTiming> {
    return this.call('measureTrainStep', { batchSize });
  }

  /** Stops the running (and any queued) training at its next step; resolves true when there was one. */
  async cancelTraining(): Promise<boolean> {
    return (await this.call('cancelTraining', {})).cancelled;
  }

  /** The user's saved models (IndexedDB), newest first, with unreadable entries and the storage estimate. */
  listModels(): Promise<LibraryListing> {
    return this.call('listModels', {});
  }

  /** Renames a library model; its id stays. */
  renameModel(modelId: string, name: string): Promise<LibraryModelInfo> {
    return this.call('renameModel', { modelId, name });
  }

  /** Replaces the calibration (threshold) in a library model's or the active unsaved model's meta.json; a loaded model's meta follows. */
  setModelCalibration(modelId: string, calibration: ScoreCalibration): Promise<CalibrationUpdate> {
    return this.call('setModelCalibration', { modelId, calibration });
  }

  /** Deletes a library model (a loaded one stays loaded, in memory only). */
  async deleteModel(modelId: string): Promise<void> {
    await this.call('deleteModel', { modelId });
  }

  /** Saves the active, not yet saved (trained) model to the library; the active model takes the returned id. */
  saveTrained(name: string): Promise<LibraryModelInfo> {
    return this.call('saveTrained', { name });
  }

  /** The active model (default) or a library model as a bundle .zip: bytes + suggested file name, for a download. */
  exportModel(target: ExportTarget = { kind: 'active' }): Promise<ExportResult> {
    return this.call('exportModel', { target });
  }

  /**
   * Checks a dropped bundle (.zip, or model.json + weights.bin + meta.json together) and stores it in the
   * library. Files (Blobs) are read here and their bytes transferred; BundleFileMessage bytes are copied.
   * Default name: the .zip's name, else meta's dataset name.
   */
  async importBundle(files: readonly ImportFile[], teacherRoot: string, name?: string): Promise<LibraryModelInfo> {
    const transfer: ArrayBuffer[] = [];
    const read: BundleFileMessage[] = await Promise.all(
      files.map(async (f): Promise<BundleFileMessage> => {
        if (typeof Blob !== 'undefined' && f instanceof Blob) {
          const bytes = new Uint8Array(await f.arrayBuffer());
          transfer.push(bytes.buffer);
          return { name: f.name, bytes };
        }
        return f as BundleFileMessage; // the caller's bytes are copied, not transferred
      }),
    );
    return this.call('importBundle', { files: read, teacherRoot: this.resolve(teacherRoot), ...(name !== undefined ? { name } : {}) }, transfer);
  }

  /** Listens to unsolicited worker events (backend-changed, train-progress, train-done); returns the unsubscribe function. */
  onEvent(listener: (e: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Stops the worker; pending and later requests reject with WorkerFailure('internal', 'worker terminated'). */
  terminate(): void {
    if (this.terminated) return;
    this.terminated = true;
    this.worker.terminate();
    this.rejectAll(new WorkerFailure('internal', 'worker terminated'));
    this.listeners.clear();
  }

  private resolve(url: string): string {
    if (!this.baseUrl) return url;
    try {
      return new URL(url, this.baseUrl).href.replace(/\/+$/, '');
    } catch {
      return url;
    }
  }

  /** Sends one request; resolves with its method's result (the reply with the same id), or rejects with a WorkerFailure. */
  private call<M extends WorkerMethod>(type: M, fields: RequestFields<M>, transfer: Transferable[] = []): Promise<ResultOf<M>> {
    if (this.terminated) return Promise.reject(new WorkerFailure('internal', 'worker terminated'));
    const id = this.nextId++;
    const message: RequestOf<M> = { ...fields, type, id };
    return new Promise<ResultOf<M>>((resolve, reject) => {
      // The reply to `id` carries ResultOf<M> (the worker answers each request with its own method's result).
      this.pending.set(id, { resolve: resolve as (value: ResultOf<WorkerMethod>) => void, reject });
      try {
        this.worker.postMessage(message, transfer);
      } catch (e) {
        this.pending.delete(id);
        reject(new WorkerFailure('internal', `could not send the request to the worker: ${(e as Error).message}`));
      }
    });
  }

  private onMessage(data: unknown): void {
    if (!data || typeof data !== 'object') return;
    if (!('id' in data) && 'type' in data) {
      for (const l of [...this.listeners]) {
        try {
          l(data as WorkerEvent);
        } catch (e) {
          console.error('InferenceClient: event listener failed', e);
        }
      }
      return;
    }
    const reply = data as WorkerReply;
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.result);
    else p.reject(new WorkerFailure(reply.error?.kind ?? 'internal', reply.error?.message ?? 'unknown worker error'));
  }

  private rejectAll(failure: WorkerFailure): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(failure);
  }
}

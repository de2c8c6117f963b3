/**
 * Main-thread side of the inference worker: request ids, a promise per request, transfer of the pixel
 * buffer, event listeners. Every rejection is a WorkerFailure carrying the protocol's ErrorKind.
 */
import type {
  BackendInfo, BackendName, ErrorKind, InferResult, LoadedModelInfo, MemoryResult, ModelSource, PixelsMessage, WorkerEvent, WorkerReply,
  WorkerRequest,
} from './protocol';

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

/** Distributive Omit, so each request variant keeps its own fields. */
type RequestBody = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

interface Pending {
  resolve: (value: unknown) => void;
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

  /** Starts a backend in the worker: the preferred one first, else WebGPU → WebGL → wasm. */
  init(preferred?: BackendName): Promise<BackendInfo> {
    return this.request({ type: 'init', preferredBackend: preferred }) as Promise<BackendInfo>;
  }

  /** Loads a model bundle (folder with model.json, weights.bin, meta.json) and its teacher from `${teacherRoot}/${meta.teacher.id}`. */
  loadModel(modelId: string, source: ModelSource, teacherRoot: string): Promise<LoadedModelInfo> {
    const resolved: ModelSource = { ...source, url: this.resolve(source.url) };
    return this.request({ type: 'loadModel', modelId, source: resolved, teacherRoot: this.resolve(teacherRoot) }) as Promise<LoadedModelInfo>;
  }

  /** Runs the model on one image. Transfers pixels.rgba.buffer: the caller's array is detached afterwards. */
  infer(pixels: PixelsMessage): Promise<InferResult> {
    return this.request({ type: 'infer', pixels }, [pixels.rgba.buffer]) as Promise<InferResult>;
  }

  memory(): Promise<MemoryResult> {
    return this.request({ type: 'memory' }) as Promise<MemoryResult>;
  }

  /** Test hook: makes the worker lose its WebGPU device (rejects with kind 'backend' on other backends). */
  loseDeviceForTesting(): Promise<void> {
    return this.request({ type: 'loseDevice' }) as Promise<void>;
  }

  /** Listens to unsolicited worker events (backend-changed); returns the unsubscribe function. */
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

  private request(body: RequestBody, transfer: Transferable[] = []): Promise<unknown> {
    if (this.terminated) return Promise.reject(new WorkerFailure('internal', 'worker terminated'));
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        this.worker.postMessage({ ...body, id } as WorkerRequest, transfer);
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

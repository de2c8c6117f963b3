/**
 * The worker's API as one interface, WorkerApi: the worker facade (inference-service.ts) implements it,
 * the client (inference-client.ts) calls it, and the messages on the wire are derived from it — a
 * request is `{ id, type: method, ...fields }`, its reply `{ id, ok: true, result }` with the method's
 * own result type, or `{ id, ok: false, error }` with a protocol ErrorKind. Unsolicited WorkerEvents
 * (backend-changed, train-progress, train-done) carry no id.
 *
 * Why a mapped type over the interface and not an RPC library (Comlink): the boundary must keep the
 * error kind of every failure (Comlink rebuilds a thrown Error from name/message/stack and drops the
 * kind, unless a custom transfer handler re-implements what this file does), reject every pending call
 * when the worker dies or a reply cannot be read (Comlink leaves them pending), and push events that
 * outlive a call (train-done after a cancelled request) without callback proxies. The derived types
 * give the same end-to-end typing with nothing added to the bundle.
 *
 * The data types live in types.ts and training-types.ts (no imports from the worker's modules, so
 * nothing imports in a circle); they are re-exported here for the store and the UI.
 */
import type {
  BackendChoice, BackendInfo, BackendName, BundleFileMessage, CalibrationUpdate, ExportResult, ExportTarget, InferRequest, InferResult, LibraryListing, LibraryModelInfo, LoadedModelInfo,
  MemoryResult, ModelSource, PixelsMessage, WorkerError,
} from './types';
import type { StepTiming, TrainProgress, TrainRequestOptions, TrainResult } from './training-types';
import type { ScoreCalibration } from '../engine/model-meta';

export type * from './types';
export type * from './training-types';

/** A request without fields. */
export type NoFields = Record<never, never>;

/** Every request the worker answers, with its fields and its result (void calls answer null). */
export interface WorkerApi {
  /**
   * Starts a backend: the preferred one (forced), else the one measured fastest (backend-choice.ts) —
   * `cachedChoice`, a measured choice the page kept, is used without measuring when its key still
   * matches. A second call returns the running one.
   */
  init(req: { preferredBackend?: BackendName; cachedChoice?: BackendChoice | null }): Promise<BackendInfo>;
  loadModel(req: { modelId: string; source: ModelSource; teacherRoot: string }): Promise<LoadedModelInfo>;
  infer(req: InferRequest): Promise<InferResult>;
  memory(req: NoFields): Promise<MemoryResult>;
  /** Releases the loaded model (the backend stays up). */
  dispose(req: NoFields): Promise<null>;
  /** Test hook: destroys the GPU device of the current backend (WebGPU), which then goes through the device-lost fall-back. */
  loseDevice(req: NoFields): Promise<null>;
  /** Fine-tunes on normal images (see TrainResult); progress comes as 'train-progress' events. */
  train(req: { images: PixelsMessage[]; options: TrainRequestOptions }): Promise<TrainResult>;
  /** Times one training step of the loaded model's student at this batch size on the active backend (step-probe.ts). */
  measureTrainStep(req: { batchSize: number }): Promise<StepTiming>;
  /** Stops the running (or queued) training at the next step; answered at once. */
  cancelTraining(req: NoFields): Promise<{ cancelled: boolean }>;
  listModels(req: NoFields): Promise<LibraryListing>;
  renameModel(req: { modelId: string; name: string }): Promise<LibraryModelInfo>;
  deleteModel(req: { modelId: string }): Promise<null>;
  /** Replaces the meta.calibration (a threshold chosen from an evaluation) of a library model or of the active unsaved one. */
  setModelCalibration(req: { modelId: string; calibration: ScoreCalibration }): Promise<CalibrationUpdate>;
  /** Saves the active model when it lives only in memory (trained, not saved yet). */
  saveTrained(req: { name: string }): Promise<LibraryModelInfo>;
  exportModel(req: { target: ExportTarget }): Promise<ExportResult>;
  /** Checks a dropped bundle against the teacher and stores it in the library. */
  importBundle(req: { files: BundleFileMessage[]; name?: string; teacherRoot: string }): Promise<LibraryModelInfo>;
}

export type WorkerMethod = keyof WorkerApi;
export type RequestFields<M extends WorkerMethod> = Parameters<WorkerApi[M]>[0];
export type ResultOf<M extends WorkerMethod> = Awaited<ReturnType<WorkerApi[M]>>;

export type RequestOf<M extends WorkerMethod> = { id: number; type: M } & RequestFields<M>;
export type WorkerRequest = { [M in WorkerMethod]: RequestOf<M> }[WorkerMethod];

export type ReplyOf<M extends WorkerMethod> = { id: number; ok: true; result: ResultOf<M> } | { id: number; ok: false; error: WorkerError };
export type WorkerReply = { [M in WorkerMethod]: ReplyOf<M> }[WorkerMethod];

/** Sent when a training request ends, whatever the outcome ('failed': the request was rejected with `error`). */
export interface TrainDoneEvent {
  type: 'train-done';
  result: TrainResult | { status: 'failed'; error: WorkerError };
}

/** Unsolicited messages from the worker. */
export type WorkerEvent = { type: 'backend-changed'; info: BackendInfo; reason: string } | TrainProgress | TrainDoneEvent;

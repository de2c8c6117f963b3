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

/** Where a model bundle lives: a URL folder with model.json, weights.bin, meta.json. */
export interface ModelSource {
  kind: 'url';
  /** Folder URL, absolute or relative to the page, ending without a slash. */
  url: string;
}

export interface LoadedModelInfo {
  id: string;
  /** meta.json of the bundle, as validated by validateModelMeta. */
  meta: import('../engine/model-meta').ModelMeta;
  teacher: string;
  inputSize: number;
  loadMs: number;
}

/** An image already decoded on the UI side: RGBA bytes of any size (the worker resizes to the model input). */
export interface PixelsMessage {
  width: number;
  height: number;
  rgba: Uint8ClampedArray<ArrayBuffer>;
}

export type WorkerRequest =
  | { id: number; type: 'init'; preferredBackend?: BackendName }
  | { id: number; type: 'loadModel'; modelId: string; source: ModelSource; teacherRoot: string }
  | { id: number; type: 'infer'; pixels: PixelsMessage }
  | { id: number; type: 'memory' }
  | { id: number; type: 'dispose' }
  /** Test hook: destroys the GPU device of the current backend (WebGPU), which then goes through the device-lost fall-back. */
  | { id: number; type: 'loseDevice' };

export type ErrorKind = 'input' | 'model' | 'backend' | 'out-of-memory' | 'internal';

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

/** Unsolicited messages from the worker. */
export type WorkerEvent = { type: 'backend-changed'; info: BackendInfo; reason: string };

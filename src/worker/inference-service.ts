/**
 * Everything the inference worker does, as a plain class (no `self`, no DOM) so that Node tests run it on
 * the wasm backend: backend selection with fall-back, model loading and validation, timed inference that
 * returns the raw per-scale maps as Float32Arrays, error classification into the protocol's ErrorKind,
 * and recovery from a lost GPU device (switch to the next backend, reload the model, retry once).
 *
 * The service owns every tensor; all operations run one at a time (a promise chain), so requests that
 * arrive while another is running wait for it.
 */
import * as tf from '@tensorflow/tfjs';
import { scaleAnomalyMaps, upsampleMap } from '../engine/anomaly-map';
import { ModelMeta, teacherMismatch, validateModelMeta } from '../engine/model-meta';
import { ReverseDistillationPipeline } from '../engine/pipeline';
import { pixelsToInput, validateInputSize } from '../engine/preprocess';
import type { Student } from '../engine/student';
import { Teacher, type TeacherMeta } from '../engine/teacher';
import { studentFromArtifacts } from '../engine/weights-io';
import { InferenceError, messageOf } from './errors';
import { ModelFileError, checkWeightBytes, fetchModelFiles, type ModelFileLoader } from './model-files';
import type {
  BackendInfo, BackendName, ErrorKind, InferResult, LoadedModelInfo, MemoryResult, ModelSource, PixelsMessage, RawMaps,
  StageTimings, WorkerError, WorkerEvent, WorkerReply, WorkerRequest,
} from './protocol';

export { InferenceError } from './errors';

export const DEFAULT_BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm'];
/** Largest image the worker accepts (the UI sends ≤ 1024 px on the long side). */
export const MAX_WORKER_PIXELS = 4096 * 4096;

export interface InferenceServiceOptions {
  /** Model file access; default: fetch (browser). */
  loader?: ModelFileLoader;
  /** Preference order when init() names no backend, and the fall-back chain; default webgpu → webgl → wasm. */
  backendOrder?: readonly BackendName[];
  /** Runs once before the first backend is started (wasm paths, gradient kernels). */
  prepareBackends?: () => void | Promise<void>;
  /** Why a backend cannot start here (becomes a note), or null to try it. */
  probeBackend?: (name: BackendName) => Promise<string | null>;
  /** Unsolicited events (backend-changed). */
  onEvent?: (event: WorkerEvent) => void;
  /** Run one small inference after loading (compiles GPU shaders; catches a broken backend early). Default true. */
  warmUp?: boolean;
}

const OOM_PATTERN = /out of memory|\boom\b|allocation failed|failed to allocate|could not allocate|cannot enlarge memory|greater than (the )?webgl maximum|exceeds the max(imum)? (buffer|texture)/i;
const LOST_PATTERN = /device (was |is |has been )?lost|\blost\b.*\bdevice\b|context (was |is |has been )?lost|CONTEXT_LOST/i;

export function isOutOfMemory(e: unknown): boolean {
  return OOM_PATTERN.test(messageOf(e));
}

export function isDeviceLost(e: unknown): boolean {
  return LOST_PATTERN.test(messageOf(e));
}

/** InferenceError as is; out-of-memory messages → 'out-of-memory'; anything else → `fallback`. */
export function classifyError(e: unknown, fallback: ErrorKind): InferenceError {
  if (e instanceof InferenceError) return e;
  const m = messageOf(e);
  if (isOutOfMemory(e)) return new InferenceError('out-of-memory', `out of memory: ${m}`);
  return new InferenceError(fallback, m);
}

export function toWorkerError(e: unknown): WorkerError {
  const c = classifyError(e, 'internal');
  return { kind: c.kind, message: c.message };
}

interface LoadRequest {
  modelId: string;
  source: ModelSource;
  teacherRoot: string;
}

interface LoadedModel {
  request: LoadRequest;
  info: LoadedModelInfo;
  pipeline: ReverseDistillationPipeline;
  /** Identifies the teacher files + tap set, so a second model on the same teacher reuses it. */
  teacherKey: string;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Checks a pixels message from the UI; throws InferenceError('input'). */
export function checkPixels(p: PixelsMessage | null | undefined): PixelsMessage {
  if (!p || typeof p !== 'object') throw new InferenceError('input', 'no image was sent');
  const { width, height, rgba } = p;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new InferenceError('input', `invalid image size ${String(width)}×${String(height)}`);
  }
  if (width * height > MAX_WORKER_PIXELS) {
    throw new InferenceError('input', `image of ${width}×${height} px is too large for the worker (at most ${MAX_WORKER_PIXELS / 1e6} MP; downscale it first)`);
  }
  if (!(rgba instanceof Uint8ClampedArray) && !((rgba as unknown) instanceof Uint8Array)) {
    throw new InferenceError('input', 'image pixels must be RGBA bytes (Uint8ClampedArray)');
  }
  if (rgba.length !== width * height * 4) {
    throw new InferenceError('input', `image pixel buffer has ${rgba.length} bytes, expected ${width}×${height}×4 = ${width * height * 4}`);
  }
  return p;
}

export class InferenceService {
  private readonly loader: ModelFileLoader;
  private readonly order: readonly BackendName[];
  private readonly opts: InferenceServiceOptions;
  private chain: Promise<unknown> = Promise.resolve();
  private prepared: Promise<void> | null = null;
  private info: BackendInfo | null = null;
  private model: LoadedModel | null = null;
  /** Backends whose device was lost this session: never chosen again. */
  private readonly dead = new Set<BackendName>();
  /** Set when the current backend reports its device lost; handled before the next operation. */
  private lost: { backend: BackendName; reason: string } | null = null;
  /** Bumped on every backend switch, so a stale device-lost notification is ignored. */
  private generation = 0;

  constructor(opts: InferenceServiceOptions = {}) {
    this.opts = opts;
    this.loader = opts.loader ?? fetchModelFiles();
    this.order = opts.backendOrder ?? DEFAULT_BACKEND_ORDER;
  }

  /** The active backend, or null before init. */
  get backend(): BackendName | null {
    return this.info?.backend ?? null;
  }

  /** Id of the loaded model, or null. */
  get modelId(): string | null {
    return this.model?.info.id ?? null;
  }

  /** Starts the first backend that works (the preferred one first). A second call returns the running backend. */
  init(preferred?: BackendName): Promise<BackendInfo> {
    return this.serial(() => this.ensureInit(preferred));
  }

  /**
   * Loads meta.json, checks it against the teacher in `${teacherRoot}/${meta.teacher.id}`, loads student and
   * teacher and swaps them in; the previous model is disposed only once the new one works (a failed load keeps it).
   */
  loadModel(modelId: string, source: ModelSource, teacherRoot: string): Promise<LoadedModelInfo> {
    return this.serial(async () => {
      await this.ensureInit();
      await this.recoverIfLost();
      return this.loadInternal({ modelId, source, teacherRoot });
    });
  }

  /** Teacher → student → per-scale 1 − cos maps upsampled to the model input (not fused, not smoothed). */
  infer(pixels: PixelsMessage): Promise<InferResult> {
    return this.serial(async () => {
      checkPixels(pixels);
      await this.ensureInit();
      await this.recoverIfLost();
      if (!this.model) throw new InferenceError('model', 'no model is loaded yet');
      let result: InferResult;
      try {
        result = await this.run(this.model.pipeline, pixels);
      } catch (e) {
        if (!(isDeviceLost(e) && this.hasFallback())) throw classifyError(e, 'backend');
        await this.fallBack(messageOf(e));
        return this.retry(pixels);
      }
      // The device may have been lost while this inference ran: its numbers cannot be trusted.
      if (this.lost && this.lost.backend === this.backend && this.hasFallback()) {
        await this.recoverIfLost();
        return this.retry(pixels);
      }
      return result;
    });
  }

  memory(): Promise<MemoryResult> {
    return this.serial(async () => {
      const m = tf.memory();
      return { numTensors: m.numTensors, numBytes: m.numBytes };
    });
  }

  /** Releases the loaded model (the backend stays up). */
  dispose(): Promise<void> {
    return this.serial(async () => this.disposeModel());
  }

  /**
   * Called when the GPU device of the current backend is lost (the WebGPU backend's `device.lost` promise
   * is wired to this automatically): switches to the next backend, reloads the model there and emits
   * `backend-changed`.
   */
  notifyDeviceLost(reason: string): Promise<void> {
    const backend = this.backend;
    if (!backend) return Promise.resolve();
    this.lost = { backend, reason };
    return this.serial(() => this.recoverIfLost());
  }

  /**
   * Test hook: destroys the current backend's GPU device (WebGPU), as a driver reset or a GPU process crash
   * would lose it; the device's `lost` promise then drives the usual fall-back.
   */
  loseDevice(): Promise<void> {
    return this.serial(async () => {
      const device = (tf.backend() as unknown as { device?: { destroy?: () => void } }).device;
      if (!this.backend || typeof device?.destroy !== 'function') {
        throw new InferenceError('backend', `the ${this.backend ?? 'current'} backend has no GPU device to lose`);
      }
      device.destroy();
    });
  }

  /** One protocol request → its reply (+ buffers to transfer). Never throws. */
  async handle(req: WorkerRequest): Promise<{ reply: WorkerReply; transfer: Transferable[] }> {
    try {
      switch (req.type) {
        case 'init':
          return this.ok(req.id, await this.init(req.preferredBackend));
        case 'loadModel':
          return this.ok(req.id, await this.loadModel(req.modelId, req.source, req.teacherRoot));
        case 'infer': {
          const result = await this.infer(req.pixels);
          return { reply: { id: req.id, ok: true, result }, transfer: result.maps.scales.map((s) => s.buffer) };
        }
        case 'memory':
          return this.ok(req.id, await this.memory());
        case 'dispose':
          await this.dispose();
          return this.ok(req.id, null);
        case 'loseDevice':
          await this.loseDevice();
          return this.ok(req.id, null);
        default:
          throw new InferenceError('internal', `unknown request type "${(req as { type?: unknown }).type as string}"`);
      }
    } catch (e) {
      return { reply: { id: req.id, ok: false, error: toWorkerError(e) }, transfer: [] };
    }
  }

  // ---- internals -----------------------------------------------------------------------------------

  private ok(id: number, result: unknown): { reply: WorkerReply; transfer: Transferable[] } {
    return { reply: { id, ok: true, result }, transfer: [] };
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn, fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  private async ensureInit(preferred?: BackendName): Promise<BackendInfo> {
    if (this.info) return this.info;
    this.prepared ??= Promise.resolve(this.opts.prepareBackends?.());
    try {
      await this.prepared;
    } catch (e) {
      this.prepared = null;
      throw new InferenceError('backend', `backend setup failed: ${messageOf(e)}`);
    }
    const order = preferred ? [preferred, ...this.order.filter((b) => b !== preferred)] : [...this.order];
    const notes: string[] = [];
    const backend = await this.startFirst(order, notes);
    this.info = { backend, notes };
    return this.info;
  }

  private async startFirst(order: readonly BackendName[], notes: string[]): Promise<BackendName> {
    for (const name of order) {
      if (this.dead.has(name)) {
        notes.push(`${name}: its device was lost earlier`);
        continue;
      }
      try {
        const why = (await this.opts.probeBackend?.(name)) ?? null;
        if (why) {
          notes.push(`${name}: ${why}`);
          continue;
        }
        if ((await tf.setBackend(name)) && tf.getBackend() === name) {
          await tf.ready();
          this.generation++;
          this.watchDevice(name);
          return name;
        }
        notes.push(`${name}: not available`);
      } catch (e) {
        notes.push(`${name}: ${messageOf(e)}`);
      }
    }
    throw new InferenceError('backend', `no tfjs backend could start (${notes.join('; ') || 'none to try'})`);
  }

  /** Subscribes to the WebGPU device's `lost` promise (other backends have none). */
  private watchDevice(name: BackendName): void {
    const generation = this.generation;
    const device = (tf.backend() as unknown as { device?: { lost?: Promise<{ reason?: string; message?: string }> } }).device;
    void device?.lost?.then((info) => {
      if (generation !== this.generation) return;
      const reason = `${name} device lost${info?.message ? `: ${info.message}` : ''}`;
      this.notifyDeviceLost(reason).catch(() => undefined);
    });
  }

  private hasFallback(): boolean {
    return this.fallbackCandidates().length > 0;
  }

  private fallbackCandidates(): BackendName[] {
    const from = this.backend;
    const i = from ? this.order.indexOf(from) : -1;
    const after = i >= 0 ? this.order.slice(i + 1) : this.order.filter((b) => b !== from);
    return after.filter((b) => !this.dead.has(b));
  }

  private async recoverIfLost(): Promise<void> {
    if (!this.lost) return;
    const { backend, reason } = this.lost;
    if (backend !== this.backend) {
      this.lost = null;
      return;
    }
    if (!this.hasFallback()) {
      this.lost = null;
      throw new InferenceError('backend', `${reason}; no other backend to fall back to`);
    }
    await this.fallBack(reason);
  }

  /** Leaves the current backend for good: next backend in the order, model reloaded there, event emitted. */
  private async fallBack(reason: string): Promise<void> {
    const from = this.backend!;
    const candidates = this.fallbackCandidates();
    this.lost = null;
    this.dead.add(from);
    const reload = this.model?.request ?? null;
    this.disposeModel();
    const notes = [`${from}: ${reason}`];
    let backend: BackendName;
    try {
      backend = await this.startFirst(candidates, notes);
    } catch (e) {
      this.info = null; // the next request tries every backend still alive
      throw e;
    }
    this.info = { backend, notes };
    this.opts.onEvent?.({ type: 'backend-changed', info: { backend, notes: [...notes] }, reason: `${reason.replace(/[.\s]+$/, '')}; switched from ${from} to ${backend}` });
    if (reload) await this.loadInternal(reload);
  }

  private async retry(pixels: PixelsMessage): Promise<InferResult> {
    if (!this.model) throw new InferenceError('model', 'no model is loaded after the backend change');
    try {
      return await this.run(this.model.pipeline, pixels);
    } catch (e) {
      throw classifyError(e, 'backend');
    }
  }

  private disposeModel(): void {
    const m = this.model;
    this.model = null;
    if (!m) return;
    for (const part of [m.pipeline.student, m.pipeline.teacher as Teacher]) {
      try {
        part.dispose();
      } catch {
        // a lost device may refuse to free its buffers; the tensors are gone from the engine either way
      }
    }
  }

  private async readJson(url: string, what: string): Promise<unknown> {
    try {
      return await this.loader.readJson(url);
    } catch (e) {
      if (e instanceof ModelFileError) throw new InferenceError('model', e.message);
      throw new InferenceError('model', `${what} could not be read: ${url} (${messageOf(e)})`);
    }
  }

  private async loadArtifacts(folder: string, what: string): Promise<tf.io.ModelArtifacts> {
    const handler = this.loader.handler(folder);
    if (!handler.load) throw new InferenceError('internal', `no loader for ${folder}`);
    let artifacts: tf.io.ModelArtifacts;
    try {
      artifacts = await handler.load();
    } catch (e) {
      if (e instanceof ModelFileError) throw new InferenceError('model', e.message);
      throw new InferenceError('model', `${what} could not be read from ${folder}/model.json: ${messageOf(e)}`);
    }
    try {
      checkWeightBytes(artifacts, `${folder}/weights.bin`);
    } catch (e) {
      throw new InferenceError('model', messageOf(e));
    }
    return artifacts;
  }

  private async loadInternal(req: LoadRequest): Promise<LoadedModelInfo> {
    const t0 = performance.now();
    const { modelId } = req;
    const folder = trimSlash(req.source.url);
    const teacherRoot = trimSlash(req.teacherRoot);

    let meta: ModelMeta;
    const rawMeta = await this.readJson(`${folder}/meta.json`, `meta.json of model "${modelId}"`);
    try {
      meta = validateModelMeta(rawMeta);
      validateInputSize(meta.inputSize);
    } catch (e) {
      throw new InferenceError('model', `model "${modelId}": ${folder}/meta.json: ${messageOf(e)}`);
    }

    const teacherFolder = `${teacherRoot}/${meta.teacher.id}`;
    const teacherMeta = (await this.readJson(`${teacherFolder}/meta.json`, `teacher "${meta.teacher.id}"`)) as TeacherMeta | null;
    const taps = teacherMeta && typeof teacherMeta === 'object' && teacherMeta.tapSets ? teacherMeta.tapSets[meta.teacher.tapSet] : undefined;
    if (!teacherMeta?.tapSets) throw new InferenceError('model', `teacher files corrupt: ${teacherFolder}/meta.json has no tap sets`);
    if (!taps) {
      throw new InferenceError('model', `model "${modelId}" needs tap set "${meta.teacher.tapSet}", which teacher "${meta.teacher.id}" does not have (it has ${Object.keys(teacherMeta.tapSets).join(', ')})`);
    }
    const mismatch = teacherMismatch(meta, teacherMeta.id, taps);
    if (mismatch) throw new InferenceError('model', `model "${modelId}" does not fit the teacher in ${teacherFolder}: ${mismatch}`);

    let student: Student | null = null;
    let teacher: Teacher | null = null;
    const teacherKey = `${teacherFolder}|${meta.teacher.tapSet}`;
    const reuseTeacher = this.model?.teacherKey === teacherKey;
    try {
      const artifacts = await this.loadArtifacts(folder, `the weights of model "${modelId}"`);
      try {
        student = studentFromArtifacts(artifacts);
      } catch (e) {
        const c = classifyError(e, 'model');
        throw c.kind === 'out-of-memory' ? c : new InferenceError('model', `model files corrupt: ${folder}: ${messageOf(e)}`);
      }
      if (student.config.tapChannels.join() !== taps.map((t) => t.channels).join()) {
        throw new InferenceError('model', `model "${modelId}": the student's tap channels [${student.config.tapChannels.join(', ')}] do not match its meta.json`);
      }

      if (reuseTeacher) {
        teacher = this.model!.pipeline.teacher as Teacher;
      } else {
        const teacherArtifacts = await this.loadArtifacts(teacherFolder, `teacher "${meta.teacher.id}"`);
        try {
          teacher = await Teacher.load(tf.io.fromMemory(teacherArtifacts), teacherMeta, meta.teacher.tapSet);
        } catch (e) {
          const c = classifyError(e, 'model');
          throw c.kind === 'out-of-memory' ? c : new InferenceError('model', `teacher files corrupt: ${teacherFolder}: ${messageOf(e)}`);
        }
      }

      const scales = (meta.map.scales ?? [1, 2, 3]).map((k) => k - 1);
      const pipeline = new ReverseDistillationPipeline(teacher, student, meta.inputSize, meta.map.sigma, meta.map.fusion, scales);
      if (this.opts.warmUp ?? true) {
        const side = 32;
        await this.run(pipeline, { width: side, height: side, rgba: new Uint8ClampedArray(side * side * 4).fill(128) });
      }

      // Swap in; the old model goes (its teacher too, unless the new model shares it).
      const old = this.model;
      const info: LoadedModelInfo = {
        id: modelId,
        meta,
        teacher: `${meta.teacher.id}/${meta.teacher.tapSet}`,
        inputSize: meta.inputSize,
        loadMs: performance.now() - t0,
      };
      this.model = { request: req, info, pipeline, teacherKey };
      if (old) {
        old.pipeline.student.dispose();
        if (!reuseTeacher) (old.pipeline.teacher as Teacher).dispose();
      }
      return info;
    } catch (e) {
      student?.dispose();
      if (teacher && !reuseTeacher) teacher.dispose();
      throw classifyError(e, 'backend');
    }
  }

  /** The timed forward pass; every tensor it creates is disposed before it returns or throws. */
  private async run(pipeline: ReverseDistillationPipeline, pixels: PixelsMessage): Promise<InferResult> {
    const size = pipeline.inputSize;
    const owned: tf.Tensor[] = [];
    try {
      const t0 = performance.now();
      const x = pixelsToInput({ width: pixels.width, height: pixels.height, data: pixels.rgba, channels: 4 }, size);
      owned.push(x);
      await x.data();
      const t1 = performance.now();
      const taps = tf.tidy(() => pipeline.teacher.features(x));
      owned.push(...taps);
      await Promise.all(taps.map((t) => t.data()));
      const t2 = performance.now();
      const recon = pipeline.student.predict(taps);
      owned.push(...recon);
      await Promise.all(recon.map((t) => t.data()));
      const t3 = performance.now();
      const ups = tf.tidy(() => scaleAnomalyMaps(taps, recon).map((m) => upsampleMap(m, size, size)));
      owned.push(...ups);
      // Copies: the arrays are transferred to the UI thread and must not share a buffer with a backend.
      const data = (await Promise.all(ups.map((u) => u.data()))).map((d) => Float32Array.from(d as Float32Array));
      const t4 = performance.now();
      if (data.length !== 3) throw new InferenceError('internal', `expected 3 scale maps, got ${data.length}`);
      const maps: RawMaps = { size, scales: [data[0], data[1], data[2]] };
      const timings: StageTimings = { preprocessMs: t1 - t0, teacherMs: t2 - t1, studentMs: t3 - t2, mapsMs: t4 - t3, totalMs: t4 - t0 };
      return { maps, timings, backend: this.backend ?? (tf.getBackend() as BackendName) };
    } finally {
      tf.dispose(owned);
    }
  }
}

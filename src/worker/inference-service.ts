/**
 * Everything the inference worker does, as a plain class (no `self`, no DOM) so that Node tests run it on
 * the wasm backend: backend selection with fall-back, model loading and validation, timed inference that
 * returns the raw per-scale maps as Float32Arrays, error classification into the protocol's ErrorKind,
 * and recovery from a lost GPU device (switch to the next backend, reload the model, retry once).
 * Also fine-tuning on the user's normal images (fine-tune.ts), the user's model library in IndexedDB
 * (model-library.ts) and bundle .zip export/import (bundle-zip.ts); library models and trained models
 * are kept as artifacts in memory, so a backend change reloads them like the shipped ones.
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
import { studentFromArtifacts, studentToArtifacts } from '../engine/weights-io';
import { bundleFileName, bundleTeacherMismatch, exportBundleZip, readBundle, type TeacherIdentity } from './bundle-zip';
import { InferenceError, MAX_WORKER_PIXELS, checkPixels, messageOf } from './errors';
import { fineTune } from './fine-tune';
import { ModelFileError, checkWeightBytes, fetchModelFiles, type ModelFileLoader } from './model-files';
import { ModelLibrary, checkModelName, type LibraryListing, type LibraryModelInfo } from './model-library';
import type {
  BackendInfo, BackendName, BundleFileMessage, ErrorKind, ExportResult, ExportTarget, InferResult, LoadedModelInfo, MemoryResult, ModelSource,
  PixelsMessage, RawMaps, StageTimings, TrainRequestOptions, TrainResult, WorkerError, WorkerEvent, WorkerReply, WorkerRequest,
} from './protocol';

export { InferenceError } from './errors';

export const DEFAULT_BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm'];
export { MAX_WORKER_PIXELS, checkPixels };

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
  /** The user's model library; default tfjs's IndexedDB handlers (`indexeddb://rd4ad-user/<id>`). */
  library?: ModelLibrary;
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

/**
 * A model held in the worker's memory as artifacts: trained in this session, or read from the library.
 * Kept so that a backend change can reload it, and so that it can be saved or exported exactly.
 */
interface MemorySource {
  kind: 'memory';
  artifacts: tf.io.ModelArtifacts;
  meta: ModelMeta;
  /** 'library': also stored in the library under the model's id; 'memory': only here. */
  origin: 'library' | 'memory';
  name?: string;
}

interface LoadRequest {
  modelId: string;
  source: ModelSource | MemorySource;
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
  private readonly library: ModelLibrary;
  /** Library-only operations (list, rename, delete) run one at a time, but not behind a training run. */
  private libraryChain: Promise<unknown> = Promise.resolve();
  /** Cancel flags of the training requests queued or running. */
  private readonly trainTokens = new Set<{ cancel: boolean }>();

  constructor(opts: InferenceServiceOptions = {}) {
    this.opts = opts;
    this.loader = opts.loader ?? fetchModelFiles();
    this.order = opts.backendOrder ?? DEFAULT_BACKEND_ORDER;
    this.library = opts.library ?? new ModelLibrary();
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

  // ---- fine-tuning, the model library, bundles ------------------------------------------------------

  /**
   * Fine-tunes on normal images starting from the loaded model (src/worker/fine-tune.ts), posting
   * 'train-progress' events after every step and 'train-done' at the end. On success the trained model
   * becomes the active one (same teacher; the previous student is disposed) with origin 'memory' — or
   * 'library' when `options.saveAs` names it. Cancelled or diverged runs leave the loaded model as it was.
   */
  train(images: PixelsMessage[], options: TrainRequestOptions): Promise<TrainResult> {
    const token = { cancel: false };
    this.trainTokens.add(token);
    const run = this.serial(async () => {
      try {
        return await this.trainInternal(images, options, token);
      } finally {
        this.trainTokens.delete(token);
      }
    });
    run
      .then(
        (result) => this.opts.onEvent?.({ type: 'train-done', result }),
        (e: unknown) => this.opts.onEvent?.({ type: 'train-done', result: { status: 'failed', error: toWorkerError(e) } }),
      )
      .catch(() => undefined); // a failing listener must not become an unhandled rejection
    return run;
  }

  /** Stops the running and any queued training at the next step. Not queued: takes effect at once. */
  cancelTraining(): boolean {
    for (const t of this.trainTokens) t.cancel = true;
    return this.trainTokens.size > 0;
  }

  /** The user's saved models (IndexedDB), newest first. Does not wait for a training run. */
  listModels(): Promise<LibraryListing> {
    return this.librarySerial(() => this.library.list());
  }

  /** Renames a library model (its id stays; the loaded model's name follows). */
  renameModel(modelId: string, name: string): Promise<LibraryModelInfo> {
    return this.librarySerial(async () => {
      const info = await this.library.rename(modelId, name);
      const m = this.model;
      if (m && m.info.id === modelId && m.request.source.kind === 'memory') {
        m.info = { ...m.info, name: info.name };
        m.request.source.name = info.name;
      }
      return info;
    });
  }

  /** Deletes a library model. If it is the loaded model, it stays loaded, now held in memory only. */
  deleteModel(modelId: string): Promise<void> {
    return this.librarySerial(async () => {
      await this.library.remove(modelId);
      const m = this.model;
      if (m && m.info.id === modelId && m.request.source.kind === 'memory') {
        m.info = { ...m.info, origin: 'memory' };
        m.request.source.origin = 'memory';
      }
    });
  }

  /**
   * Saves the active model when it lives in memory only (trained here and not saved, or deleted from the
   * library while loaded). The active model then takes the library id (info.id = result.id).
   */
  saveTrained(name: string): Promise<LibraryModelInfo> {
    return this.serial(() => this.saveActive(name));
  }

  /** The active model or a library model as a bundle .zip (model.json, weights.bin, meta.json). */
  exportModel(target: ExportTarget): Promise<ExportResult> {
    return this.serial(async () => {
      let artifacts: tf.io.ModelArtifacts;
      let meta: ModelMeta;
      let name: string;
      if (!target || typeof target !== 'object') throw new InferenceError('input', 'exportModel needs a target');
      if (target.kind === 'indexeddb') {
        const stored = await this.library.load(target.id);
        ({ artifacts, meta } = stored);
        name = stored.info.name;
      } else if (target.kind === 'active') {
        const m = this.model;
        if (!m) throw new InferenceError('model', 'no model is loaded to export');
        name = m.info.name ?? m.info.id;
        if (m.request.source.kind === 'memory') {
          ({ artifacts, meta } = m.request.source);
        } else {
          // A shipped model: its weights as loaded (float32, dequantized if the bundle was quantized).
          artifacts = await studentToArtifacts(m.pipeline.student);
          meta = { ...m.info.meta };
          delete meta.weights;
        }
      } else {
        throw new InferenceError('input', `unknown export target "${String((target as { kind?: unknown }).kind)}"`);
      }
      return { fileName: bundleFileName(name), bytes: await exportBundleZip(artifacts, meta) };
    });
  }

  /**
   * Imports a dropped bundle (.zip, or model.json + weights.bin + meta.json) into the library after
   * checking it: files and weight bytes, format version, meta, teacher and taps (against the loaded
   * teacher, or the teacher files the app has under `teacherRoot`), and that the weights build a student.
   */
  importBundle(files: BundleFileMessage[], teacherRoot: string, name?: string): Promise<LibraryModelInfo> {
    return this.serial(async () => {
      await this.ensureInit();
      const { artifacts, meta } = await readBundle(files);
      try {
        validateInputSize(meta.inputSize);
      } catch (e) {
        throw new InferenceError('model', `meta.json in the bundle: ${messageOf(e)}`);
      }
      await this.checkImportTeacher(meta, teacherRoot);
      let student: Student | null = null;
      try {
        student = studentFromArtifacts(artifacts);
        if (student.config.tapChannels.join() !== meta.teacher.taps.map((t) => t.channels).join()) {
          throw new Error(`its tap channels [${student.config.tapChannels.join(', ')}] do not match meta.json`);
        }
        const describe = (c: Student['config']) => `widths ${c.widths.join('/')}, embedding ${c.embedChannels}, ${c.decoderBlocks} block(s)`;
        if (describe(student.config) !== describe(meta.student)) {
          throw new Error(`model.json holds a student of ${describe(student.config)}, meta.json describes ${describe(meta.student)}`);
        }
      } catch (e) {
        const c = classifyError(e, 'model');
        throw c.kind === 'out-of-memory' ? c : new InferenceError('model', `the bundle's weights are not a usable student model: ${messageOf(e)}`);
      } finally {
        student?.dispose();
      }
      const zip = files.find((f) => /\.zip$/i.test(f.name));
      const label = name?.trim() || zip?.name.replace(/\.zip$/i, '').trim() || meta.dataset?.name || 'imported model';
      return this.library.save(artifacts, meta, label, 'imported');
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
        case 'train':
          return this.ok(req.id, await this.train(req.images, req.options));
        case 'cancelTraining':
          return this.ok(req.id, { cancelled: this.cancelTraining() });
        case 'listModels':
          return this.ok(req.id, await this.listModels());
        case 'renameModel':
          return this.ok(req.id, await this.renameModel(req.modelId, req.name));
        case 'deleteModel':
          await this.deleteModel(req.modelId);
          return this.ok(req.id, null);
        case 'saveTrained':
          return this.ok(req.id, await this.saveTrained(req.name));
        case 'exportModel': {
          const result = await this.exportModel(req.target);
          return { reply: { id: req.id, ok: true, result }, transfer: [result.bytes.buffer] };
        }
        case 'importBundle':
          return this.ok(req.id, await this.importBundle(req.files, req.teacherRoot, req.name));
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

  private librarySerial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.libraryChain.then(fn, fn);
    this.libraryChain = p.catch(() => undefined);
    return p;
  }

  private async trainInternal(images: PixelsMessage[], options: TrainRequestOptions, token: { cancel: boolean }): Promise<TrainResult> {
    await this.ensureInit();
    await this.recoverIfLost();
    const m = this.model;
    if (!m) throw new InferenceError('model', 'load a model first: training starts from the loaded model (its teacher, student size and map settings)');
    if (options && typeof options === 'object' && options.saveAs !== undefined) checkModelName(options.saveAs);
    const backend = this.backend!;
    const lostHere = () => this.lost !== null && this.lost.backend === backend;
    let outcome: Awaited<ReturnType<typeof fineTune>>;
    try {
      outcome = await fineTune({
        teacher: m.pipeline.teacher,
        base: { id: m.info.id, student: m.pipeline.student, meta: m.info.meta },
        images,
        options,
        backend,
        onProgress: (p) => this.opts.onEvent?.(p),
        shouldStop: () => token.cancel || lostHere(),
      });
    } catch (e) {
      if (!lostHere() && !isDeviceLost(e)) throw classifyError(e, 'backend');
      outcome = { status: 'cancelled', message: messageOf(e), warnings: [], epochLosses: [], elapsedMs: 0 };
    }
    if (lostHere() || (outcome.status === 'cancelled' && !token.cancel)) {
      if (outcome.status === 'done') outcome.student.dispose();
      const reason = this.lost?.reason ?? (outcome.status === 'done' ? 'the GPU device was lost' : outcome.message);
      this.lost ??= { backend, reason };
      await this.recoverIfLost();
      throw new InferenceError('backend', `${reason}: training stopped; the model loaded before training is kept (now on ${this.backend ?? 'no backend'}) — start training again`);
    }
    if (outcome.status !== 'done') return outcome;

    const { student, meta, calibration: c } = outcome;
    let artifacts: tf.io.ModelArtifacts;
    try {
      artifacts = await studentToArtifacts(student);
    } catch (e) {
      student.dispose();
      throw classifyError(e, 'backend');
    }
    const pipeline = ReverseDistillationPipeline.fromMeta(m.pipeline.teacher, student, meta);
    const name = options.saveAs !== undefined ? checkModelName(options.saveAs) : meta.dataset.name;
    const id = `trained-${Date.now().toString(36)}`;
    const source: MemorySource = { kind: 'memory', artifacts, meta, origin: 'memory', name };
    const info: LoadedModelInfo = { id, meta, teacher: `${meta.teacher.id}/${meta.teacher.tapSet}`, inputSize: meta.inputSize, loadMs: 0, origin: 'memory', name };
    // Swap in: same teacher, the old student goes.
    this.model = { request: { modelId: id, source, teacherRoot: m.request.teacherRoot }, info, pipeline, teacherKey: m.teacherKey };
    m.pipeline.student.dispose();

    let saved: LibraryModelInfo | null = null;
    let saveError: WorkerError | undefined;
    if (options.saveAs !== undefined) {
      try {
        saved = await this.saveActive(name);
      } catch (e) {
        saveError = toWorkerError(e);
      }
    }
    return {
      status: 'done',
      model: { ...this.model.info },
      calibration: { heldOut: c.heldOut, training: c.training, threshold: c.threshold, rule: c.rule, optimistic: c.optimistic },
      warnings: outcome.warnings,
      epochLosses: outcome.epochLosses,
      elapsedMs: outcome.elapsedMs,
      saved,
      ...(saveError ? { saveError } : {}),
    };
  }

  private async saveActive(name: string): Promise<LibraryModelInfo> {
    const m = this.model;
    if (!m) throw new InferenceError('model', 'no model is loaded to save');
    const source = m.request.source;
    if (source.kind !== 'memory') throw new InferenceError('input', 'this model ships with the app; only models trained here are saved to the library');
    if (source.origin === 'library') throw new InferenceError('input', `this model is already in the library as "${m.info.name ?? m.info.id}"`);
    const saved = await this.library.save(source.artifacts, source.meta, name, 'trained');
    source.origin = 'library';
    source.name = saved.name;
    m.info = { ...m.info, id: saved.id, origin: 'library', name: saved.name };
    m.request = { ...m.request, modelId: saved.id };
    return saved;
  }

  /** Refuses a bundle whose teacher this app cannot run (InferenceError 'model'). */
  private async checkImportTeacher(meta: ModelMeta, teacherRoot: string): Promise<void> {
    const loadedTeacher = this.model ? (this.model.pipeline.teacher as Teacher) : null;
    const loaded: TeacherIdentity | null = loadedTeacher ? { id: loadedTeacher.meta.id, tapSet: loadedTeacher.tapSet, taps: loadedTeacher.taps } : null;
    const loadedWhy = loaded ? bundleTeacherMismatch(meta, loaded) : null;
    if (loaded) {
      if (!loadedWhy) return;
      if (meta.teacher.id === loaded.id && meta.teacher.tapSet === loaded.tapSet) throw new InferenceError('model', loadedWhy);
    }
    // Another teacher than the loaded one (or none loaded): fine if the app has that teacher's files.
    let teacherMeta: TeacherMeta | null;
    try {
      teacherMeta = (await this.loader.readJson(`${trimSlash(teacherRoot)}/${meta.teacher.id}/meta.json`)) as TeacherMeta | null;
    } catch {
      teacherMeta = null;
    }
    const taps = teacherMeta && typeof teacherMeta === 'object' ? teacherMeta.tapSets?.[meta.teacher.tapSet] : undefined;
    if (taps) {
      const why = teacherMismatch(meta, teacherMeta!.id, taps);
      if (!why) return;
      throw new InferenceError('model', `this bundle does not fit this app's teacher ${meta.teacher.id}/${meta.teacher.tapSet}: ${why}`);
    }
    throw new InferenceError('model', loadedWhy ?? `this bundle was trained on teacher ${meta.teacher.id}/${meta.teacher.tapSet}, which this app does not have`);
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

  /** meta + a way to get the weights, for each kind of source; library models become memory sources. */
  private async resolveSource(req: LoadRequest): Promise<{
    request: LoadRequest; meta: ModelMeta; where: string; artifacts: () => Promise<tf.io.ModelArtifacts>; memory: MemorySource | null;
  }> {
    const { modelId, source } = req;
    if (source.kind === 'url') {
      const folder = trimSlash(source.url);
      let meta: ModelMeta;
      const rawMeta = await this.readJson(`${folder}/meta.json`, `meta.json of model "${modelId}"`);
      try {
        meta = validateModelMeta(rawMeta);
        validateInputSize(meta.inputSize);
      } catch (e) {
        throw new InferenceError('model', `model "${modelId}": ${folder}/meta.json: ${messageOf(e)}`);
      }
      return { request: req, meta, where: folder, artifacts: () => this.loadArtifacts(folder, `the weights of model "${modelId}"`), memory: null };
    }
    let memory: MemorySource;
    if (source.kind === 'indexeddb') {
      const stored = await this.library.load(source.id);
      memory = { kind: 'memory', artifacts: stored.artifacts, meta: stored.meta, origin: 'library', name: stored.info.name };
    } else if (source.kind === 'memory') {
      memory = source;
    } else {
      throw new InferenceError('input', `unknown model source kind "${String((source as { kind?: unknown }).kind)}"`);
    }
    const where = memory.origin === 'library' ? `library model "${modelId}"` : `model "${modelId}" (in memory)`;
    try {
      validateInputSize(memory.meta.inputSize);
      checkWeightBytes(memory.artifacts, 'weights');
    } catch (e) {
      throw new InferenceError('model', `${where}: ${messageOf(e)}`);
    }
    const artifacts = memory.artifacts;
    return { request: { ...req, source: memory }, meta: memory.meta, where, artifacts: async () => artifacts, memory };
  }

  private async loadInternal(original: LoadRequest): Promise<LoadedModelInfo> {
    const t0 = performance.now();
    const { modelId } = original;
    const teacherRoot = trimSlash(original.teacherRoot);
    const { request: req, meta, where: folder, artifacts: getArtifacts, memory } = await this.resolveSource(original);

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
      const artifacts = await getArtifacts();
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

      const pipeline = ReverseDistillationPipeline.fromMeta(teacher, student, meta);
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
        origin: memory?.origin ?? 'url',
        ...(memory?.name !== undefined ? { name: memory.name } : {}),
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

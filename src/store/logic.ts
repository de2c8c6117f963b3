/**
 * Pure helpers of the store: index parsing, viewer defaults from a model's meta, failure messages.
 */
import type { Fusion } from '../engine/anomaly-map';
import type { TrainProgress } from '../worker/protocol';
import type {
  LibraryModelInfo,
  LossHistory,
  ModelEntry,
  ModelMeta,
  SampleCategory,
  SampleEntry,
  ScaleSelection,
  ThresholdSource,
  TrainPresetId,
  TrainSettings,
  TrainStart,
} from './types';

export const SIGMA_MIN = 0;
export const SIGMA_MAX = 8;
export const SIGMA_STEP = 0.25;
export const ALL_SCALES: ScaleSelection = [true, true, true];

export const MODEL_INDEX_PATH = 'models/students/index.json';
export const SAMPLE_INDEX_PATH = 'samples/index.json';
export const TEACHER_ROOT_PATH = 'models/teacher';

/** Clamps σ to the slider's range and snaps it to its 0.25 grid. */
export function clampSigma(sigma: number): number {
  if (!Number.isFinite(sigma)) return SIGMA_MIN;
  const snapped = Math.round(sigma / SIGMA_STEP) * SIGMA_STEP;
  return Math.min(SIGMA_MAX, Math.max(SIGMA_MIN, snapped));
}

/** meta.map.scales (1-based; absent = all three) as on/off flags. An empty or invalid list means all. */
export function scalesFromMeta(meta: ModelMeta | null): ScaleSelection {
  const list = meta?.map.scales;
  if (!list || list.length === 0) return ALL_SCALES;
  const sel: [boolean, boolean, boolean] = [false, false, false];
  for (const s of list) if (s >= 1 && s <= 3 && Number.isInteger(s)) sel[s - 1] = true;
  return sel.some(Boolean) ? sel : ALL_SCALES;
}

export function sigmaFromMeta(meta: ModelMeta | null): number {
  const s = meta?.map.sigma;
  return typeof s === 'number' && Number.isFinite(s) ? clampSigma(s) : 4;
}

export function fusionOf(meta: ModelMeta | null): Fusion {
  return meta?.map.fusion === 'product' ? 'product' : 'sum';
}

/**
 * The decision threshold a model starts with: its calibration (mean + 3·std of the training images'
 * scores) when meta.json has one. Without calibration there is no principled value; the calibrated
 * thresholds of this project's trained runs lie at 0.17–0.28 per fused scale (bottle 0.34 for M2+M3,
 * cookies 0.70–0.83 for M1+M2+M3), so 0.3 per fused scale (0.3^n for product fusion) is a deliberately
 * loose start, which the UI labels "uncalibrated".
 */
export function defaultThreshold(meta: ModelMeta | null): { threshold: number; calibrated: boolean } {
  const cal = meta?.calibration?.threshold;
  if (typeof cal === 'number' && Number.isFinite(cal)) return { threshold: cal, calibrated: true };
  const n = scalesFromMeta(meta).filter(Boolean).length;
  const t = fusionOf(meta) === 'product' ? 0.3 ** n : 0.3 * n;
  return { threshold: Number(t.toPrecision(6)), calibrated: false };
}

/** The viewer settings a newly active model starts with: its σ, scales and (calibrated or fallback) threshold. */
export function viewDefaultsFromMeta(meta: ModelMeta | null): { scales: ScaleSelection; sigma: number } & ReturnType<typeof thresholdDefaults> {
  return { scales: scalesFromMeta(meta), sigma: sigmaFromMeta(meta), ...thresholdDefaults(meta) };
}

/** The model's default threshold and where it came from. */
export function thresholdDefaults(meta: ModelMeta | null): { threshold: number; thresholdSource: ThresholdSource } {
  const { threshold, calibrated } = defaultThreshold(meta);
  return { threshold, thresholdSource: calibrated ? 'calibration' : 'fallback' };
}

/** Cache key of a score: the map settings it was computed with. */
export function scoreKey(scales: ScaleSelection, sigma: number, fusion: Fusion): string {
  return `${scales.map((b) => (b ? 1 : 0)).join('')}|${sigma}|${fusion}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function trimSlashes(p: string): string {
  return p.replace(/^\.?\/+/, '').replace(/\/+$/, '');
}

/** Resolves a path from an index file (relative to the app's base) to a URL. Absolute URLs pass through. */
export function resolveUrl(baseUrl: string, path: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('/')) return path.replace(/\/+$/, '');
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return `${base}${trimSlashes(path)}`;
}

/** models/students/index.json → shipped model entries. Throws a user-facing Error when malformed. */
export function parseModelIndex(json: unknown, baseUrl: string): ModelEntry[] {
  const where = MODEL_INDEX_PATH;
  if (!isRecord(json) || !Array.isArray(json.models)) throw new Error(`${where} is not a model index (no "models" list)`);
  if (json.version !== 1) throw new Error(`${where} has version ${String(json.version)}, this app reads version 1`);
  const out: ModelEntry[] = [];
  json.models.forEach((m, i) => {
    if (!isRecord(m) || typeof m.id !== 'string' || !m.id || typeof m.path !== 'string' || !m.path) {
      throw new Error(`${where}: entry ${i + 1} needs an "id" and a "path"`);
    }
    out.push({
      id: m.id,
      title: typeof m.title === 'string' && m.title ? m.title : m.id,
      source: { kind: 'url', url: resolveUrl(baseUrl, m.path) },
      origin: 'shipped',
      path: trimSlashes(m.path),
      teacher: typeof m.teacher === 'string' ? m.teacher : undefined,
      eval: isRecord(m.eval) ? (m.eval as ModelEntry['eval']) : undefined,
    });
  });
  return out;
}

/** samples/index.json → categories. Malformed sample entries are skipped; a malformed file throws. */
export function parseSampleIndex(json: unknown): SampleCategory[] {
  const where = SAMPLE_INDEX_PATH;
  if (!isRecord(json) || !Array.isArray(json.categories)) throw new Error(`${where} is not a sample index (no "categories" list)`);
  const out: SampleCategory[] = [];
  for (const c of json.categories) {
    if (!isRecord(c) || typeof c.id !== 'string') continue;
    const samples: SampleEntry[] = [];
    for (const s of Array.isArray(c.samples) ? c.samples : []) {
      if (!isRecord(s) || typeof s.file !== 'string' || !s.file) continue;
      samples.push({
        file: trimSlashes(s.file),
        label: s.label === 'defect' ? 'defect' : 'good',
        defect: typeof s.defect === 'string' ? s.defect : null,
        mask: typeof s.mask === 'string' ? s.mask : null,
        width: typeof s.width === 'number' ? s.width : 0,
        height: typeof s.height === 'number' ? s.height : 0,
      });
    }
    out.push({
      id: c.id,
      title: typeof c.title === 'string' ? c.title : c.id,
      kind: typeof c.kind === 'string' ? c.kind : undefined,
      model: typeof c.model === 'string' ? trimSlashes(c.model) : undefined,
      defectKinds: Array.isArray(c.defectKinds) ? c.defectKinds.filter((d): d is string => typeof d === 'string') : undefined,
      samples,
    });
  }
  return out;
}

/** The sample category meant for a model: same folder (category.model = model path), else same id. */
export function categoryForModel(categories: readonly SampleCategory[], model: ModelEntry | undefined): SampleCategory | null {
  if (!model) return null;
  return (
    categories.find((c) => c.model !== undefined && model.path !== undefined && c.model === model.path) ??
    categories.find((c) => c.id === model.id) ??
    null
  );
}

export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

/** What failed, from WorkerFailure (`kind`), ImageFileError (`reason`) or anything else. */
export interface FailureInfo {
  kind: 'input' | 'model' | 'backend' | 'out-of-memory' | 'storage' | 'internal' | 'image';
  message: string;
}

export function describeFailure(e: unknown): FailureInfo {
  const err = e as { kind?: unknown; reason?: unknown; message?: unknown } | null;
  const message = typeof err?.message === 'string' && err.message ? err.message : String(e);
  if (err && typeof err.reason === 'string') return { kind: 'image', message };
  const kind = err?.kind;
  if (kind === 'input' || kind === 'model' || kind === 'backend' || kind === 'out-of-memory' || kind === 'storage' || kind === 'internal') {
    return { kind, message };
  }
  return { kind: 'internal', message };
}

/** "photo.png: <reason>", without repeating a name the reason already contains. */
export function withName(name: string, message: string): string {
  return message.includes(name) ? message : `${name}: ${message}`;
}

const BACKEND_LABELS: Record<string, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WebAssembly (wasm)', cpu: 'CPU' };

export function backendLabel(name: string): string {
  return BACKEND_LABELS[name] ?? name;
}

// ---- fine-tuning and the model library ----------------------------------------------------------------

/**
 * Adam learning rate of the presets, by start point. From new weights: the CLI's 0.005. Continuing from a
 * trained model: 0.001 — Adam's first steps move every weight by about the learning rate whatever its
 * gradient, and at 0.005 the first step doubled the loss of the shipped fabric model (0.149 → 0.295,
 * 7 images, batch 5) and took 5 epochs to recover; at 0.001 the loss fell from the first step on
 * (0.149 → 0.143 → … 0.139 after 5 epochs). Measured with e2e/fine-tune.e2e.ts on wasm.
 */
export const PRESET_LEARNING_RATE: Readonly<Record<TrainStart, number>> = { current: 0.001, fresh: 0.005 };

/** Epochs of the training panel's presets (the learning rate follows the start point). */
export const TRAIN_PRESETS: Readonly<Record<TrainPresetId, { label: string; epochs: number }>> = {
  quick: { label: 'Quick', epochs: 5 },
  standard: { label: 'Standard', epochs: 20 },
  thorough: { label: 'Thorough', epochs: 50 },
};

export const TRAIN_PRESET_IDS: readonly TrainPresetId[] = ['quick', 'standard', 'thorough'];

export const DEFAULT_TRAIN_SETTINGS: TrainSettings = {
  start: 'current',
  epochs: TRAIN_PRESETS.quick.epochs,
  learningRate: PRESET_LEARNING_RATE.current,
  augment: false,
  name: '',
};

/** Most epochs the panel accepts (50 is the "thorough" preset; the worker has no upper limit). */
export const MAX_TRAIN_EPOCHS = 500;

/** The preset the settings match (epochs, and the learning rate for their start point), or 'custom'. */
export function presetOf(settings: Pick<TrainSettings, 'start' | 'epochs' | 'learningRate'>): TrainPresetId | 'custom' {
  if (settings.learningRate !== PRESET_LEARNING_RATE[settings.start]) return 'custom';
  return TRAIN_PRESET_IDS.find((id) => TRAIN_PRESETS[id].epochs === settings.epochs) ?? 'custom';
}

/** A user-facing reason why the settings cannot start a run, or null. */
export function checkTrainSettings(settings: TrainSettings): string | null {
  const { epochs, learningRate } = settings;
  if (!Number.isInteger(epochs) || epochs < 1 || epochs > MAX_TRAIN_EPOCHS) return `Epochs must be a whole number from 1 to ${MAX_TRAIN_EPOCHS}.`;
  if (!Number.isFinite(learningRate) || learningRate <= 0 || learningRate >= 1) return 'The learning rate must be a number between 0 and 1 (e.g. 0.005).';
  return null;
}

export const EMPTY_LOSS_HISTORY: LossHistory = { steps: [], losses: [], epochMeans: [], stepsPerEpoch: 0 };

/** Adds a training-phase progress event to the loss curve (a repeated step is ignored). */
export function appendLoss(h: LossHistory, p: TrainProgress): LossHistory {
  if (p.phase !== 'training' || p.epoch < 1 || p.step < 1) return h;
  const step = (p.epoch - 1) * p.stepsPerEpoch + p.step;
  const last = h.steps.length > 0 ? h.steps[h.steps.length - 1] : 0;
  const sameMeans = p.epochLosses.length === h.epochMeans.length;
  if (step <= last && sameMeans) return h;
  return {
    steps: step > last ? [...h.steps, step] : h.steps,
    losses: step > last ? [...h.losses, p.loss] : h.losses,
    epochMeans: sameMeans ? h.epochMeans : p.epochLosses.slice(),
    stepsPerEpoch: p.stepsPerEpoch,
  };
}

/** Share of the whole run done, 0..1: teacher features 10 %, training 80 %, calibration 10 %. */
export function trainFraction(p: TrainProgress | null): number {
  if (!p) return 0;
  const part = (done: number, total: number) => (total > 0 ? Math.min(1, Math.max(0, done / total)) : 0);
  switch (p.phase) {
    case 'features':
      return 0.1 * part(p.step, p.stepsPerEpoch);
    case 'training':
      return 0.1 + 0.8 * part((p.epoch - 1) * p.stepsPerEpoch + p.step, p.epochs * p.stepsPerEpoch);
    case 'calibrating':
      return 0.9 + 0.1 * part(p.step, p.stepsPerEpoch);
    default:
      return 0;
  }
}

/** Files that belong to a model bundle rather than to image inspection. */
export function isBundleFileName(name: string): boolean {
  return /\.(zip|json|bin)$/i.test(name);
}

/**
 * The picker entry of a library model. Models fine-tuned from a listed model inherit its `path`, so the
 * gallery of that model's sample category stays available.
 */
export function libraryEntry(info: LibraryModelInfo, models: readonly ModelEntry[]): ModelEntry {
  const base = info.meta.fineTune?.baseModel;
  const path = base ? models.find((m) => m.id === base)?.path : undefined;
  return {
    id: info.id,
    title: info.name,
    source: info.source,
    origin: 'user',
    teacher: info.teacher,
    ...(path ? { path } : {}),
  };
}

/**
 * meta.json of a model bundle: everything needed to rebuild the pipeline around the student weights
 * and to check that a bundle fits the teacher it is about to run with.
 */
import { FUSIONS, type Fusion } from './fusion';
import type { BankLayout } from './feature-bank';
import type { LossForm } from './loss';
import type { StudentConfig } from './student';

export const MODEL_FORMAT_VERSION = 1;

export interface TapInfo {
  name: string;
  stride: number;
  channels: number;
}

/** Summary statistics of a set of image scores (src/metrics' scoreStatistics returns these and more). */
export interface ScoreStats {
  n: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  p95: number;
  p99: number;
}

/** Statistics of the image scores behind the threshold (see below which images), the threshold and its rule. */
export interface ScoreCalibration extends ScoreStats {
  /** Default decision threshold on the image score, and the rule that produced it. */
  threshold: number;
  rule: string;
  /**
   * Models fine-tuned in the browser (src/worker/fine-tune.ts): the scores behind the threshold, for a
   * histogram. heldOutScores: images held out of training (absent/empty when fewer than 5 images were
   * given); trainingScores: the training images under the final weights. The statistics above are those
   * of the held-out scores when there are any, else of the training scores.
   */
  heldOutScores?: number[];
  trainingScores?: number[];
  /** True when the threshold comes from the training images' own scores (no hold-out): a rough guess. */
  optimistic?: boolean;
}

/**
 * The two profiles of a model (README, ablation): fast = RD's map alone; accurate = RD's map fused with the
 * teacher's nearest-neighbour evidence, which needs the bank stored beside the weights (≈ 2.4× the
 * inference time). Free of tfjs, as the page lists them.
 */
export const PROFILES = ['fast', 'accurate'] as const;
export type Profile = (typeof PROFILES)[number];

/**
 * The accurate profile's bank (its vectors are the weights entry BANK_WEIGHT, src/engine/weights-io.ts)
 * and the divisors of fused = rd / rdScale + nn / nnScale.
 */
export interface EvidenceMeta {
  kind: 'fused';
  rdScale: number;
  nnScale: number;
  /** The embedding grid's stride in input pixels (the bank's vectors are places of that grid). */
  gridStride: number;
  bank: BankLayout;
}

function evidenceProblem(e: Partial<EvidenceMeta>): string | null {
  if (e.kind !== 'fused') return `unknown evidence kind "${String(e.kind)}" (known: fused)`;
  if (!(Number(e.rdScale) > 0) || !(Number(e.nnScale) > 0)) return 'evidence rdScale and nnScale must be > 0';
  if (!Number.isInteger(e.gridStride) || Number(e.gridStride) < 1) return 'evidence gridStride must be a positive integer';
  const b = e.bank;
  const positive = (v: unknown) => Number.isInteger(v) && Number(v) >= 1;
  if (!b || !positive(b.vectors) || !positive(b.dims) || !positive(b.sourceDims) || b.dims > b.sourceDims) return 'evidence bank layout is incomplete';
  if (b.projectionSeed !== null && !Number.isInteger(b.projectionSeed)) return 'evidence bank projectionSeed must be an integer or null';
  return null;
}

export interface ModelMeta {
  formatVersion: typeof MODEL_FORMAT_VERSION;
  kind: 'rd4ad-student';
  teacher: { id: string; tapSet: string; taps: TapInfo[] };
  student: StudentConfig;
  inputSize: number;
  normalization: { inputRange: [number, number]; resize: string };
  /** scales: which of the three scales (1 = stride 4 … 3 = stride 16) are fused; absent = all three. */
  map: { sigma: number; fusion: Fusion; upsample: 'bilinear-half-pixel'; scales?: number[] };
  lossForm: LossForm;
  calibration: ScoreCalibration | null;
  training: {
    epochs: number;
    batchSize: number;
    learningRate: number;
    betas: [number, number];
    seed: number;
    losses: number[];
    minutes: number;
    backend: string;
  };
  dataset: { name: string; fingerprint: string; trainImages: number };
  /** Set on models fine-tuned in the browser: what they started from and how they were trained. */
  fineTune?: {
    /** Id of the model that was loaded when training started. */
    baseModel: string;
    /** 'current': continued from that model's weights; 'fresh': new weights with its student config. */
    start: 'current' | 'fresh';
    augment: boolean;
    /** Images given by the user, and how many of them were held out for calibration. */
    images: number;
    heldOut: number;
  };
  /** The model's name in the app's library when the app exported it (absent in CLI bundles): an import takes it. */
  name?: string;
  /** Present on models of the accurate profile: the nearest-neighbour bank fused with RD's map. */
  evidence?: EvidenceMeta;
  /** How weights.bin is stored (absent = float32), and its size in bytes. */
  weights?: { quantization: string; bytes: number };
  createdAt: string;
}

/** Checks that a bundle's meta fits a teacher; returns a user-facing reason, or null when it fits. */
export function teacherMismatch(meta: ModelMeta, teacherId: string, taps: TapInfo[]): string | null {
  if (meta.teacher.id !== teacherId) return `the model was trained on teacher "${meta.teacher.id}", not "${teacherId}"`;
  if (meta.teacher.taps.length !== taps.length) return `the model uses ${meta.teacher.taps.length} taps, the teacher offers ${taps.length}`;
  for (let k = 0; k < taps.length; k++) {
    const a = meta.teacher.taps[k];
    const b = taps[k];
    if (a.name !== b.name || a.channels !== b.channels || a.stride !== b.stride) {
      return `tap ${k + 1} differs: model has ${a.name} (${a.channels} ch, stride ${a.stride}), teacher has ${b.name} (${b.channels} ch, stride ${b.stride})`;
    }
  }
  return null;
}

export function validateModelMeta(meta: unknown): ModelMeta {
  const m = meta as Partial<ModelMeta> | null;
  if (!m || typeof m !== 'object') throw new Error('meta.json is not a JSON object');
  if (m.kind !== 'rd4ad-student') throw new Error('meta.json is not a reverse-distillation model (kind ≠ "rd4ad-student")');
  if (m.formatVersion !== MODEL_FORMAT_VERSION) {
    throw new Error(`meta.json has format version ${String(m.formatVersion)}, this build reads version ${MODEL_FORMAT_VERSION}`);
  }
  if (!m.teacher || typeof m.teacher.id !== 'string' || !Array.isArray(m.teacher.taps) || m.teacher.taps.length !== 3) {
    throw new Error('meta.json: teacher id and three taps are required');
  }
  if (!m.student || !m.map || typeof m.inputSize !== 'number') throw new Error('meta.json: student, map and inputSize are required');
  if (!FUSIONS.includes(m.map.fusion)) throw new Error(`meta.json: unknown map fusion "${String(m.map.fusion)}" (known: ${FUSIONS.join(', ')})`);
  if (m.evidence !== undefined) {
    const why = evidenceProblem(m.evidence);
    if (why) throw new Error(`meta.json: ${why}`);
  }
  return m as ModelMeta;
}

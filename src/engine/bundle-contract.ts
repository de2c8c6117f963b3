/**
 * The model-bundle contract, in one place: what makes model.json + weights.bin + meta.json usable with
 * a teacher (format version, meta fields, teacher id, tap set and taps, the student's tap channels and
 * size, weight bytes), and how meta.json is written (buildModelMeta, calibrationFields).
 *
 * Every check is pure and returns a user-facing reason or null; the callers (the CLI's bundle loader,
 * the worker's load and import paths, the .zip reader) only add where the bundle came from and wrap
 * the reason in their own error type, so one rule has one wording everywhere.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Fusion } from './fusion';
import type { LossForm } from './loss';
import { MODEL_FORMAT_VERSION, teacherMismatch, validateModelMeta, type ModelMeta, type ScoreCalibration, type ScoreStats, type TapInfo } from './model-meta';
import { validateInputSize } from './preprocess';
import type { StudentConfig } from './student';
import type { TrainConfig } from './train';
import { BANK_WEIGHT, bankShape, specByteLength, weightBytes } from './weights-io';

/** What the contract needs of a teacher: its id and tap sets (a TeacherMeta has both). */
export interface TeacherTapSets {
  id: string;
  tapSets: Record<string, readonly TapInfo[]>;
}

export type ParsedMeta = { meta: ModelMeta; reason: null } | { meta: null; reason: string; newerFormat: boolean };

/**
 * meta.json → ModelMeta, or why this build cannot use it. `newerFormat`: the reason is a newer format
 * version, which says so on its own; other reasons are about meta.json's fields, and the caller names
 * the file they came from.
 */
export function parseModelMeta(raw: unknown): ParsedMeta {
  const version = raw && typeof raw === 'object' ? (raw as { formatVersion?: unknown }).formatVersion : undefined;
  if (typeof version === 'number' && version > MODEL_FORMAT_VERSION) {
    return {
      meta: null,
      reason: `format version ${version} is newer than this app reads (${MODEL_FORMAT_VERSION}): update the app, or export the model again from the version that made it`,
      newerFormat: true,
    };
  }
  try {
    const meta = validateModelMeta(raw);
    validateInputSize(meta.inputSize);
    return { meta, reason: null };
  } catch (e) {
    return { meta: null, reason: (e as Error).message, newerFormat: false };
  }
}

/** The taps of the bundle's tap set in this teacher, or null when the teacher has no such tap set. */
export function teacherTaps(meta: ModelMeta, teacher: TeacherTapSets): readonly TapInfo[] | null {
  return teacher.tapSets && Object.hasOwn(teacher.tapSets, meta.teacher.tapSet) ? teacher.tapSets[meta.teacher.tapSet] : null;
}

function describeStudent(c: StudentConfig): string {
  return `widths ${c.widths.join('/')}, embedding ${c.embedChannels}, ${c.decoderBlocks} block(s)`;
}

/** Weight bytes ≠ what the manifest describes (a truncated or swapped weights.bin); `what` names the weights. */
export function weightBytesMismatch(artifacts: tf.io.ModelArtifacts, what: string): string | null {
  const specs = artifacts.weightSpecs ?? [];
  if (specs.length === 0 || specs.some((s) => s.dtype === 'string')) return null;
  let expected = 0;
  try {
    for (const s of specs) expected += specByteLength(s);
  } catch {
    return null; // a dtype we do not size: let tfjs judge
  }
  const actual = weightBytes(artifacts);
  return actual === expected ? null : `${what} has ${actual} bytes, model.json describes ${expected}`;
}

/** The bank entry of the weights ≠ what meta.evidence describes (or one is there without the other). */
function bankMismatch(meta: ModelMeta, artifacts: tf.io.ModelArtifacts): string | null {
  const shape = bankShape(artifacts);
  const e = meta.evidence;
  if (!e) return shape ? `the weights hold a nearest-neighbour bank (${BANK_WEIGHT}), which meta.json does not describe` : null;
  if (!shape) return `meta.json describes a nearest-neighbour bank, which the weights do not hold (${BANK_WEIGHT} missing)`;
  const want = [e.bank.vectors, e.bank.dims];
  return shape.join() === want.join() ? null : `the weights' bank is [${shape.join(', ')}], meta.json describes [${want.join(', ')}]`;
}

export interface BundleParts {
  meta: ModelMeta;
  /** The teacher the bundle is to run with: id, tap set and taps must fit. */
  teacher?: TeacherTapSets;
  /** The config of the student built from model.json: tap channels, widths, embedding and blocks must match meta. */
  student?: StudentConfig;
  /** The student's artifacts: weight bytes must match the manifest ("weights.bin" in the reason), the bank meta.evidence. */
  artifacts?: tf.io.ModelArtifacts;
}

/** Null when the given parts of a bundle fit each other, else the first reason they do not. */
export function checkBundle({ meta, teacher, student, artifacts }: BundleParts): string | null {
  if (artifacts) {
    const why = weightBytesMismatch(artifacts, 'weights.bin') ?? bankMismatch(meta, artifacts);
    if (why) return why;
  }
  if (teacher) {
    if (meta.teacher.id !== teacher.id) return teacherMismatch(meta, teacher.id, []);
    const taps = teacherTaps(meta, teacher);
    if (!taps) {
      return `needs tap set "${meta.teacher.tapSet}", which teacher "${teacher.id}" does not have (it has ${Object.keys(teacher.tapSets ?? {}).join(', ') || 'none'})`;
    }
    const why = teacherMismatch(meta, teacher.id, [...taps]);
    if (why) return why;
  }
  if (student) {
    const channels = meta.teacher.taps.map((t) => t.channels);
    if (student.tapChannels.join() !== channels.join()) {
      return `the student's tap channels [${student.tapChannels.join(', ')}] do not match meta.json [${channels.join(', ')}]`;
    }
    if (describeStudent(student) !== describeStudent(meta.student)) {
      return `model.json holds a student of ${describeStudent(student)}, meta.json describes ${describeStudent(meta.student)}`;
    }
  }
  return null;
}

/** meta.calibration from the statistics behind a threshold, and the threshold with its rule. */
export function calibrationFields(stats: ScoreStats, threshold: number, rule: string): ScoreCalibration {
  return { n: stats.n, mean: stats.mean, std: stats.std, min: stats.min, max: stats.max, p95: stats.p95, p99: stats.p99, threshold, rule };
}

/** What a held-out calibration yields (src/metrics/normal-calibration.ts's NormalCalibration has this shape). */
export interface HeldOutCalibration {
  stats: ScoreStats;
  threshold: number;
  rule: string;
  heldOut: readonly number[];
  training: readonly number[];
  optimistic: boolean;
}

/** meta.json's calibration of a model calibrated on held-out normal images (the browser's and the CLI's rule). */
export function heldOutCalibrationFields(c: HeldOutCalibration): ScoreCalibration {
  return { ...calibrationFields(c.stats, c.threshold, c.rule), heldOutScores: [...c.heldOut], trainingScores: [...c.training], optimistic: c.optimistic };
}

export interface ModelMetaParts {
  teacher: { id: string; tapSet: string; taps: readonly TapInfo[] };
  student: StudentConfig;
  inputSize: number;
  normalization: ModelMeta['normalization'];
  map: { sigma: number; fusion: Fusion; scales?: readonly number[] };
  lossForm: LossForm;
  calibration: ScoreCalibration | null;
  /** The training run: its configuration, epoch losses, minutes and backend. */
  training: { config: TrainConfig; losses: readonly number[]; minutes: number; backend: string };
  dataset: ModelMeta['dataset'];
  fineTune?: ModelMeta['fineTune'];
}

/** The meta.json of float32 weights, as the CLI's train and the browser's fine-tuning write it. */
export function buildModelMeta(p: ModelMetaParts): ModelMeta {
  const { config } = p.training;
  return {
    formatVersion: MODEL_FORMAT_VERSION,
    kind: 'rd4ad-student',
    teacher: { id: p.teacher.id, tapSet: p.teacher.tapSet, taps: p.teacher.taps.map(({ name, stride, channels }) => ({ name, stride, channels })) },
    student: { ...p.student, tapChannels: [...p.student.tapChannels], widths: [...p.student.widths] },
    inputSize: p.inputSize,
    normalization: { inputRange: [...p.normalization.inputRange], resize: p.normalization.resize },
    map: { sigma: p.map.sigma, fusion: p.map.fusion, upsample: 'bilinear-half-pixel', ...(p.map.scales ? { scales: [...p.map.scales] } : {}) },
    lossForm: p.lossForm,
    calibration: p.calibration,
    training: {
      epochs: config.epochs, batchSize: config.batchSize, learningRate: config.learningRate, betas: [config.beta1, config.beta2],
      seed: config.seed, losses: [...p.training.losses], minutes: p.training.minutes, backend: p.training.backend,
    },
    dataset: { ...p.dataset },
    ...(p.fineTune ? { fineTune: { ...p.fineTune } } : {}),
    createdAt: new Date().toISOString(),
  };
}

/**
 * Fine-tuning a student on a few normal images inside the worker, on whatever backend is active
 * (WebGPU, WebGL, or wasm with the project's gradient kernels).
 *
 * - The teacher stays frozen: its features of the training images are computed once into the engine's
 *   TeacherFeatureCache. With `augment`, a few augmented variants per image (flips, a shrunk photo, shifts;
 *   reflected borders; augment.ts) are cached too, and each epoch draws one variant per
 *   image, so an epoch is still one pass over the images.
 * - Training is the engine's Trainer with the CLI's configuration (DEFAULT_TRAIN_CONFIG: Adam and its betas, the model's
 *   loss form), starting from a copy of the loaded student ('current') or new weights with the loaded
 *   model's StudentConfig ('fresh').
 * - With 5 or more images every 5th is held out and scored after training for the threshold
 *   (src/metrics/normal-calibration.ts); below 5 the threshold comes from the training images' own
 *   scores and is flagged optimistic.
 * - Cancellation (shouldStop, polled between steps, feature chunks and calibration images) and a
 *   diverging loss both end the run with nothing kept: every tensor it allocated is disposed and the
 *   base model is never touched. The worker keeps its previously loaded model.
 */
import * as tf from '@tensorflow/tfjs';
import { FusedEvidence, buildBank, imageScoreOfTaps, type TapSource } from '../engine/evidence';
import { FEATURE_BANK_DEFAULTS } from '../engine/feature-bank';
import { TeacherFeatureCache, yieldToEventLoop, type FeatureBatchSource, type FeatureExtractor } from '../engine/feature-cache';
import { buildModelMeta, heldOutCalibrationFields } from '../engine/bundle-contract';
import type { ModelMeta } from '../engine/model-meta';
import { ReverseDistillationPipeline } from '../engine/pipeline';
import { pixelsToInput } from '../engine/preprocess';
import { Student } from '../engine/student';
import { stepsPerEpoch, Trainer, TrainingDivergedError, type TrainConfig } from '../engine/train';
import { studentFromArtifacts, studentToArtifacts } from '../engine/weights-io';
import { calibrateFromNormals, holdOutSplit, type NormalCalibration } from '../metrics/normal-calibration';
import { resolveMap, resolveProfile, resolveTrainConfig } from './train-options';
import { augmentInput, augmentVariants, augmentationsFor, bytesPerSample, VariantSampler } from './augment';
import { InferenceError, messageOf } from './errors';
import { checkPixels } from './pixels';
import type { TrainCancelled, TrainDiverged, TrainOptions, TrainProgress } from './training-types';
import type { PixelsMessage } from './types';

export type { TrainOptions, TrainPhase, TrainProgress } from './training-types';
export { AUGMENT_CACHE_BUDGET_BYTES, MAX_AUGMENT_VARIANTS, MIN_ZOOM, augmentInput, augmentVariants, augmentationsFor, maxShift, type Augmentation } from './augment';

export interface FineTuneBase {
  /** Id of the loaded model (recorded in meta.fineTune.baseModel). */
  id: string;
  student: Student;
  meta: ModelMeta;
}

export interface FineTuneInput {
  teacher: FeatureExtractor;
  base: FineTuneBase;
  images: readonly PixelsMessage[];
  options: TrainOptions;
  /** Name of the active backend, recorded in meta.training.backend. */
  backend: string;
  onProgress?: (p: TrainProgress) => void;
  /** Polled between steps; true cancels the run. */
  shouldStop?: () => boolean;
}

export type FineTuneOutcome =
  | {
      status: 'done';
      /** The trained student; the caller owns it. */
      student: Student;
      /** The accurate profile's evidence (the caller owns it); null for the fast profile. */
      evidence: FusedEvidence | null;
      meta: ModelMeta;
      calibration: NormalCalibration;
      warnings: string[];
      epochLosses: number[];
      elapsedMs: number;
    }
  | TrainCancelled
  | TrainDiverged;

/** Most images one run accepts (the feature cache lives in the worker's memory). */
export const MAX_TRAINING_IMAGES = 100;
export const ONE_IMAGE_WARNING = '1 image: more normal images (10–30) make the model and its threshold much more reliable';

export function fewImagesWarning(n: number): string {
  return `${n} images: none can be held out for calibration, so the threshold comes from the training images' own scores and is optimistic; 5 or more images (10–30 ideally) give a held-out threshold`;
}

/** Checks the images sent for training; throws InferenceError('input') naming the bad one. */
export function checkTrainingImages(images: readonly PixelsMessage[] | null | undefined): void {
  if (!Array.isArray(images) || images.length === 0) throw new InferenceError('input', 'no images to train on: add at least one normal image');
  if (images.length > MAX_TRAINING_IMAGES) {
    throw new InferenceError('input', `${images.length} images are more than one training run takes (at most ${MAX_TRAINING_IMAGES})`);
  }
  images.forEach((p, i) => checkPixels(p, `training image ${i + 1}`));
}

/** FNV-1a over the sizes and pixels of the images, in order: identifies the training set. */
export function imagesFingerprint(images: readonly PixelsMessage[]): string {
  let h = 0x811c9dc5;
  const mix = (byte: number) => {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  };
  for (const p of images) {
    for (const v of [p.width, p.height]) for (let s = 0; s < 32; s += 8) mix((v >>> s) & 0xff);
    const data = p.rgba;
    for (let i = 0; i < data.length; i++) mix(data[i]);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

class Cancelled extends Error {}

function divergedMessage(epoch: number, step: number, loss: number): string {
  const shown = Number.isFinite(loss) ? loss.toPrecision(4) : String(loss);
  return `training diverged at epoch ${epoch} step ${step} (loss ${shown}); kept the last good weights (the model loaded before training) — try a lower learning rate`;
}

function toInput(p: PixelsMessage, size: number): tf.Tensor4D {
  return pixelsToInput({ width: p.width, height: p.height, data: p.rgba, channels: 4 }, size);
}

/** Runs one fine-tuning job; see the file comment. Errors other than cancel/divergence are thrown. */
export async function fineTune(input: FineTuneInput): Promise<FineTuneOutcome> {
  const t0 = performance.now();
  const { teacher, base, images, options, onProgress } = input;
  const shouldStop = input.shouldStop ?? (() => false);
  checkTrainingImages(images);
  const n = images.length;
  const split = holdOutSplit(n);
  const nTrain = split.train.length;
  const config = resolveTrainConfig(options, nTrain, base.meta.lossForm);
  const profile = resolveProfile(options, split.heldOut.length);
  const mapMeta: ModelMeta = { ...base.meta, map: resolveMap(options, base.meta.map) };
  const size = base.meta.inputSize;
  const augment = options.augment === true;
  const warnings = n === 1 ? [ONE_IMAGE_WARNING] : n < 5 ? [fewImagesWarning(n)] : [];

  const elapsed = () => performance.now() - t0;
  const epochLosses: number[] = [];
  const totalSteps = Math.min(config.maxSteps ?? Number.POSITIVE_INFINITY, config.epochs * stepsPerEpoch(nTrain, config.batchSize));
  const emit = (p: Omit<TrainProgress, 'type' | 'elapsedMs' | 'epochs' | 'totalSteps' | 'epochLosses'>) =>
    onProgress?.({ type: 'train-progress', ...p, epochs: config.epochs, totalSteps, epochLosses: [...epochLosses], elapsedMs: elapsed() });
  const checkStop = () => {
    if (shouldStop()) throw new Cancelled();
  };

  let student: Student | null = null;
  let evidence: FusedEvidence | null = null;
  let trainer: Trainer | null = null;
  try {
    checkStop();
    // Teacher features: training images (× variants) and held-out images, computed once.
    const variants = augment ? augmentVariants(nTrain, bytesPerSample(base.meta, teacher)) : 1;
    const featureTotal = nTrain * variants + split.heldOut.length;
    emit({ phase: 'features', epoch: 0, step: 0, stepsPerEpoch: featureTotal, loss: Number.NaN, etaMs: Number.NaN, stepMs: Number.NaN });
    const trainCache = await TeacherFeatureCache.build(
      teacher,
      nTrain * variants,
      (j) => {
        const image = split.train[Math.floor(j / variants)];
        const x = toInput(images[image], size);
        if (variants === 1) return x;
        const aug = augmentationsFor(config.seed, image, variants, size)[j % variants];
        try {
          return augmentInput(x, aug);
        } finally {
          x.dispose();
        }
      },
      {
        onProgress: (done) => {
          checkStop();
          emit({ phase: 'features', epoch: 0, step: done, stepsPerEpoch: featureTotal, loss: Number.NaN, etaMs: Number.NaN, stepMs: Number.NaN });
        },
      },
    );
    const heldCache = split.heldOut.length
      ? await TeacherFeatureCache.build(teacher, split.heldOut.length, (j) => toInput(images[split.heldOut[j]], size), {
          onProgress: (done) => {
            checkStop();
            emit({ phase: 'features', epoch: 0, step: nTrain * variants + done, stepsPerEpoch: featureTotal, loss: Number.NaN, etaMs: Number.NaN, stepMs: Number.NaN });
          },
        })
      : null;
    checkStop();

    student = options.start === 'current' ? studentFromArtifacts(await studentToArtifacts(base.student)) : new Student(base.student.config, config.seed);
    const source: FeatureBatchSource = variants === 1 ? trainCache : new VariantSampler(trainCache, nTrain, variants, config.seed);
    trainer = new Trainer(student, source, config);

    const tTrain = performance.now();
    let firstStepEnd = 0;
    let stepsDone = 0;
    const activeTrainer = trainer;
    try {
      await trainer.run({
        shouldStop,
        onStep: ({ epoch, step, stepsPerEpoch, loss }) => {
          stepsDone++;
          const now = performance.now();
          if (stepsDone === 1) firstStepEnd = now;
          // The first step compiles kernels/shaders: leave it out of the mean once there are others.
          const perStep = stepsDone > 1 ? (now - firstStepEnd) / (stepsDone - 1) : now - tTrain;
          const left = totalSteps - (epoch * stepsPerEpoch + step + 1);
          epochLosses.splice(0, epochLosses.length, ...activeTrainer.state.losses);
          emit({ phase: 'training', epoch: epoch + 1, step: step + 1, stepsPerEpoch, loss, etaMs: left * perStep, stepMs: perStep });
        },
        onEpochEnd: () => {
          epochLosses.splice(0, epochLosses.length, ...activeTrainer.state.losses);
        },
      });
    } catch (e) {
      if (e instanceof TrainingDivergedError) {
        const epoch = e.epoch + 1;
        const step = e.step + 1;
        return { status: 'diverged', message: divergedMessage(epoch, step, e.loss), epoch, step, loss: e.loss, warnings, epochLosses: [...trainer.state.losses], elapsedMs: elapsed() };
      }
      throw e;
    }
    checkStop();
    const losses = [...trainer.state.losses];
    const trainMinutes = (performance.now() - tTrain) / 60000;

    // Calibration: image scores of the un-augmented training images and of the held-out images — of the
    // fused map for the accurate profile, whose bank (the training images) and divisors (the held-out) come first.
    const pipeline = ReverseDistillationPipeline.fromMeta(teacher, student, mapMeta);
    const total = nTrain + split.heldOut.length;
    if (profile === 'accurate' && heldCache) {
      const trained: TapSource = { count: nTrain, taps: async (i) => trainCache.batch([i * variants]) };
      const bank = await buildBank(trained, size, FEATURE_BANK_DEFAULTS, checkStop);
      try {
        evidence = await FusedEvidence.calibrate(pipeline, bank, { count: split.heldOut.length, taps: async (j) => heldCache.batch([j]) }, checkStop);
      } catch (e) {
        bank.dispose();
        throw e;
      }
    }
    const fused = evidence;
    const score = (cache: TeacherFeatureCache, index: number): Promise<number> => imageScoreOfTaps(pipeline, fused, cache.batch([index]));
    const trainingScores: number[] = [];
    const heldOutScores: number[] = [];
    for (let i = 0; i < total; i++) {
      checkStop();
      if (i < nTrain) trainingScores.push(await score(trainCache, i * variants));
      else heldOutScores.push(await score(heldCache!, i - nTrain));
      emit({ phase: 'calibrating', epoch: 0, step: i + 1, stepsPerEpoch: total, loss: Number.NaN, etaMs: Number.NaN, stepMs: Number.NaN });
      await yieldToEventLoop();
    }
    let calibration: NormalCalibration;
    try {
      calibration = calibrateFromNormals(heldOutScores, trainingScores);
    } catch (e) {
      // Finite losses but non-finite scores (e.g. BN statistics blown up): as good as diverged.
      const message = `training diverged: the trained model gives unusable scores (${messageOf(e)}); kept the last good weights (the model loaded before training) — try a lower learning rate`;
      return { status: 'diverged', message, epoch: config.epochs, step: 0, loss: Number.NaN, warnings, epochLosses: losses, elapsedMs: elapsed() };
    }
    checkStop();

    const plain = buildMeta(base, mapMeta.map, student, config, {
      calibration, losses, minutes: trainMinutes, backend: input.backend, options, augment, images, heldOut: split.heldOut.length, nTrain,
    });
    const meta = evidence ? { ...plain, evidence: evidence.meta } : plain;
    const done = { student, evidence };
    student = null; // the caller owns them now
    evidence = null;
    return { status: 'done', ...done, meta, calibration, warnings, epochLosses: losses, elapsedMs: elapsed() };
  } catch (e) {
    if (e instanceof Cancelled) {
      return { status: 'cancelled', message: 'training cancelled; the model loaded before training is kept', warnings, epochLosses: [...epochLosses], elapsedMs: elapsed() };
    }
    throw e;
  } finally {
    trainer?.dispose();
    student?.dispose();
    evidence?.dispose();
  }
}

function buildMeta(
  base: FineTuneBase,
  map: ModelMeta['map'],
  student: Student,
  config: TrainConfig,
  r: {
    calibration: NormalCalibration; losses: number[]; minutes: number; backend: string; options: TrainOptions; augment: boolean;
    images: readonly PixelsMessage[]; heldOut: number; nTrain: number;
  },
): ModelMeta {
  const { teacher, inputSize, normalization, lossForm } = base.meta;
  // The trained weights are float32: no meta.weights.
  return buildModelMeta({
    teacher, student: student.config, inputSize, normalization, map, lossForm,
    calibration: heldOutCalibrationFields(r.calibration),
    training: { config, losses: r.losses, minutes: r.minutes, backend: r.backend },
    dataset: { name: r.options.datasetName?.trim() || 'images trained in the browser', fingerprint: imagesFingerprint(r.images), trainImages: r.nTrain },
    fineTune: { baseModel: base.id, start: r.options.start, augment: r.augment, images: r.images.length, heldOut: r.heldOut },
  });
}

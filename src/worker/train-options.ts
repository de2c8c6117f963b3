/**
 * The training options a run was sent, checked and resolved: the engine's TrainConfig (defaults from
 * DEFAULT_TRAIN_CONFIG, a run sized in steps or epochs) and the trained model's map settings.
 */
import { DEFAULT_TRAIN_CONFIG, epochsForSteps, validateTrainConfig, type TrainConfig } from '../engine/train';
import { MAX_MAP_SIGMA } from '../engine/anomaly-map';
import { PROFILES, type ModelMeta, type Profile } from '../engine/model-meta';
import { InferenceError, messageOf } from './errors';
import type { TrainOptions } from './training-types';

/** Checks the options and fills the defaults; throws InferenceError('input'). */
export function resolveTrainConfig(options: TrainOptions, trainImages: number, lossForm: TrainConfig['lossForm']): TrainConfig {
  if (!options || typeof options !== 'object') throw new InferenceError('input', 'no training options were sent');
  if (options.start !== 'current' && options.start !== 'fresh') {
    throw new InferenceError('input', `training option start must be "current" or "fresh", got ${String(options.start)}`);
  }
  const bySteps = options.steps !== undefined;
  if (bySteps === (options.epochs !== undefined)) throw new InferenceError('input', 'training options need exactly one of steps and epochs');
  const batchSize = options.batchSize ?? Math.min(DEFAULT_TRAIN_CONFIG.batchSize, trainImages);
  const validSteps = bySteps && Number.isInteger(options.steps) && options.steps! >= 1;
  const config: TrainConfig = {
    ...DEFAULT_TRAIN_CONFIG,
    // Sized in steps: enough epochs to hold them; validateTrainConfig reports a bad steps value.
    epochs: bySteps ? (validSteps && batchSize >= 1 ? epochsForSteps(options.steps!, trainImages, batchSize) : 1) : options.epochs!,
    batchSize,
    learningRate: options.learningRate,
    seed: options.seed ?? 0,
    lossForm,
    ...(bySteps ? { maxSteps: options.steps } : {}),
  };
  try {
    validateTrainConfig(config);
  } catch (e) {
    throw new InferenceError('input', messageOf(e));
  }
  return config;
}

/** The trained model's map settings: the loaded model's, with options.mapSigma when given; throws InferenceError('input'). */
export function resolveMap(options: TrainOptions, base: ModelMeta['map']): ModelMeta['map'] {
  const sigma = options.mapSigma;
  if (sigma === undefined) return base;
  if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma < 0 || sigma > MAX_MAP_SIGMA) {
    throw new InferenceError('input', `training option mapSigma must be a number in [0, ${MAX_MAP_SIGMA}], got ${String(sigma)}`);
  }
  return { ...base, sigma };
}

/** The run's profile (default fast); the accurate one needs held-out images for its divisors. Throws InferenceError('input'). */
export function resolveProfile(options: TrainOptions, heldOut: number): Profile {
  const profile = options.profile ?? 'fast';
  if (!PROFILES.includes(profile)) throw new InferenceError('input', `training option profile must be ${PROFILES.join(' or ')}, got ${String(profile)}`);
  if (profile === 'accurate' && heldOut < 1) {
    throw new InferenceError('input', 'the accurate profile needs at least 5 images: every 5th is held out to weigh its two evidences against each other');
  }
  return profile;
}

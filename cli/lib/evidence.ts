/**
 * `eval --evidence`: what the map is made of — the model's reconstruction error (rd, the default), the
 * training-free nearest-neighbour distance of the teacher's taps to the training images (nn), or both, each
 * divided by its typical score on held-out training images (fused; src/engine/feature-bank.ts).
 *
 * The bank holds 4 of every 5 training images (holdOutSplit, the threshold's rule); the 5th set the two
 * divisors: the mean image score of each evidence on them. Only training images enter either choice.
 */
import * as tf from '@tensorflow/tfjs';
import { disposeAnomalyMap } from '../../src/engine/anomaly-map';
import { FusedEvidence, GRID_STRIDE, buildBank, type TapSource } from '../../src/engine/evidence';
import { FEATURE_BANK_DEFAULTS, type FeatureBankOptions } from '../../src/engine/feature-bank';
import type { ReverseDistillationPipeline } from '../../src/engine/pipeline';
import { holdOutSplit } from '../../src/metrics';
import { ProgressLine, UserError, choiceOption, intOption } from './cli-support';
import { readInput } from './training-data';

export const EVIDENCE_NAMES = ['rd', 'nn', 'fused'] as const;
export type Evidence = (typeof EVIDENCE_NAMES)[number];

/** The options eval and novelty share (parseArgs config, usage lines, parsing). */
export const EVIDENCE_ARGS = { evidence: { type: 'string' }, 'bank-vectors': { type: 'string' }, 'bank-dims': { type: 'string' } } as const;

export const EVIDENCE_USAGE = `  --evidence E     ${EVIDENCE_NAMES.join(' | ')} (rd: the model's map; nn: training-free nearest-neighbour distance
                   of the teacher's taps to 4/5 of the training images; fused: both, each divided by its mean
                   image score on the other 1/5. Default: eval — the model's profile (fused with the bank it
                   stores when trained with --profile accurate, else rd); novelty — rd)
  --bank-vectors N nn/fused: most bank vectors, a seeded random subset (default ${FEATURE_BANK_DEFAULTS.maxVectors})
  --bank-dims D    nn/fused: random projection of the embeddings (912 dims for MobileNetV2) to D dims
                   (default ${FEATURE_BANK_DEFAULTS.projectTo}; 0 = none)`;

export function evidenceOptions(a: { evidence?: string; 'bank-vectors'?: string; 'bank-dims'?: string }): { evidence: Evidence; bankOptions: FeatureBankOptions } {
  return {
    evidence: choiceOption(a.evidence, 'evidence', 'rd', EVIDENCE_NAMES),
    bankOptions: {
      ...FEATURE_BANK_DEFAULTS,
      maxVectors: intOption(a['bank-vectors'], 'bank-vectors', FEATURE_BANK_DEFAULTS.maxVectors, 1, 10_000_000),
      projectTo: intOption(a['bank-dims'], 'bank-dims', FEATURE_BANK_DEFAULTS.projectTo ?? 0, 0, 100_000) || null,
    },
  };
}

export interface EvidenceSource {
  /** [N, S, S, 3] → smoothed maps [N, S, S] of the chosen evidence. The caller disposes them. */
  map(x: tf.Tensor4D): tf.Tensor3D;
  /** The divisors of `fused` (1 and 1 for rd and nn), for the report. */
  readonly scales: { rd: number; nn: number };
  readonly bankSize: number;
  dispose(): void;
}

function rdMap(pipeline: ReverseDistillationPipeline, x: tf.Tensor4D): tf.Tensor3D {
  const r = pipeline.infer(x);
  const map = r.map.clone();
  disposeAnomalyMap(r);
  return map;
}

/** The training images of a category on disk, as evidenceSource reads them. */
export function trainingFiles(files: string[], size: number): TrainingImages {
  return { count: files.length, load: (i) => readInput(files[i], size) };
}

export interface TrainingImages {
  count: number;
  /** The i-th training image as [1, S, S, 3] (the caller disposes it). */
  load(i: number): Promise<tf.Tensor4D> | tf.Tensor4D;
}

/** The teacher's taps of some of the training images (by index), decoded one at a time. */
export function tapsOf(pipeline: ReverseDistillationPipeline, images: TrainingImages, indices: readonly number[]): TapSource {
  return {
    count: indices.length,
    taps: async (i) => {
      const x = await images.load(indices[i]);
      try {
        return pipeline.teacher.features(x);
      } finally {
        x.dispose();
      }
    },
  };
}

/** The hold-out split of `count` training images for fused evidence: refused (UserError) without a held-out image. */
function fusionSplit(option: string, count: number): ReturnType<typeof holdOutSplit> {
  const split = holdOutSplit(count);
  if (split.heldOut.length === 0) throw new UserError(`${option} needs at least 5 training images (every 5th weighs the two evidences); ${count} found`);
  return split;
}

/** The fused evidence of the accurate profile: bank from `bank`, divisors from `heldOut` (train and eval share it). */
export async function fusedEvidence(pipeline: ReverseDistillationPipeline, bank: TapSource, heldOut: TapSource, bankOptions: FeatureBankOptions, quiet: boolean): Promise<FusedEvidence> {
  const progress = new ProgressLine('feature bank', bank.count + heldOut.count, process.stderr, quiet);
  let done = 0;
  const tick = () => progress.update(++done);
  const built = await buildBank(bank, pipeline.inputSize, bankOptions, tick);
  try {
    const evidence = await FusedEvidence.calibrate(pipeline, built, heldOut, tick);
    progress.done(`(${built.size} vectors of ${built.layout.sourceDims} → ${built.layout.dims} dims)`);
    return evidence;
  } catch (e) {
    built.dispose();
    throw e;
  }
}

/**
 * train --profile accurate: the bank holds the images the student was trained on and the held-out images
 * set the divisors; with no held-out images (--calibration training) every 5th training image sets them
 * and the bank holds the others.
 */
export async function trainingEvidence(pipeline: ReverseDistillationPipeline, trained: TapSource, heldOut: TapSource, quiet: boolean): Promise<FusedEvidence> {
  if (heldOut.count > 0) return fusedEvidence(pipeline, trained, heldOut, FEATURE_BANK_DEFAULTS, quiet);
  const split = fusionSplit('--profile accurate', trained.count);
  const pick = (idx: readonly number[]): TapSource => ({ count: idx.length, taps: (i) => trained.taps(idx[i]) });
  return fusedEvidence(pipeline, pick(split.train), pick(split.heldOut), FEATURE_BANK_DEFAULTS, quiet);
}

/** A model's fused evidence as a source (stored in its bundle, or built by fusedEvidence); disposes it with the source. */
export function fusedSource(pipeline: ReverseDistillationPipeline, evidence: FusedEvidence): EvidenceSource {
  return { map: (x) => evidence.map(pipeline, x), scales: { rd: evidence.rdScale, nn: evidence.nnScale }, bankSize: evidence.bankSize, dispose: () => evidence.dispose() };
}

/**
 * The evidence eval and novelty measure, built from the category's training images: the bank holds 4 of
 * every 5 (holdOutSplit), the 5th sets fused's divisors.
 */
export async function evidenceSource(evidence: Evidence, pipeline: ReverseDistillationPipeline, train: TrainingImages, bankOptions: FeatureBankOptions, quiet: boolean): Promise<EvidenceSource> {
  if (evidence === 'rd') return { map: (x) => rdMap(pipeline, x), scales: { rd: 1, nn: 1 }, bankSize: 0, dispose: () => {} };
  if (evidence === 'fused') {
    const split = fusionSplit('--evidence fused', train.count);
    return fusedSource(pipeline, await fusedEvidence(pipeline, tapsOf(pipeline, train, split.train), tapsOf(pipeline, train, split.heldOut), bankOptions, quiet));
  }
  // nn alone: the bank only, and no student pass
  const split = holdOutSplit(train.count);
  const progress = new ProgressLine('feature bank', split.train.length, process.stderr, quiet);
  let done = 0;
  const bank = await buildBank(tapsOf(pipeline, train, split.train), pipeline.inputSize, bankOptions, () => progress.update(++done));
  progress.done(`(${bank.size} vectors)`);
  const size = pipeline.inputSize;
  const map = (x: tf.Tensor4D): tf.Tensor3D => {
    const taps = pipeline.teacher.features(x);
    try {
      return bank.map(taps, size / GRID_STRIDE, size, size, pipeline.sigma);
    } finally {
      tf.dispose(taps);
    }
  };
  return { map, scales: { rd: 1, nn: 1 }, bankSize: bank.size, dispose: () => bank.dispose() };
}

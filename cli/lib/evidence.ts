/**
 * `eval --evidence`: what the map is made of — the model's reconstruction error (rd, the default), the
 * training-free nearest-neighbour distance of the teacher's taps to the training images (nn), or both, each
 * divided by its typical score on held-out training images (fused; src/engine/feature-bank.ts).
 *
 * The bank holds 4 of every 5 training images (holdOutSplit, the threshold's rule); the 5th set the two
 * divisors: the mean image score of each evidence on them. Only training images enter either choice.
 */
import * as tf from '@tensorflow/tfjs';
import { FEATURE_BANK_DEFAULTS, FeatureBank, fuseEvidence, patchEmbeddings, type FeatureBankOptions } from '../../src/engine/feature-bank';
import { disposeAnomalyMap, imageScores } from '../../src/engine/anomaly-map';
import type { ReverseDistillationPipeline } from '../../src/engine/pipeline';
import { holdOutSplit } from '../../src/metrics';
import { ProgressLine, UserError, choiceOption, intOption } from './cli-support';
import { readInput } from './training-data';

export const EVIDENCE_NAMES = ['rd', 'nn', 'fused'] as const;
export type Evidence = (typeof EVIDENCE_NAMES)[number];

/** The options eval and novelty share (parseArgs config, usage lines, parsing). */
export const EVIDENCE_ARGS = { evidence: { type: 'string' }, 'bank-vectors': { type: 'string' }, 'bank-dims': { type: 'string' } } as const;

export const EVIDENCE_USAGE = `  --evidence E     ${EVIDENCE_NAMES.join(' | ')} (default rd: the model's map; nn: training-free nearest-neighbour
                   distance of the teacher's taps to 4/5 of the training images; fused: both, each divided by
                   its mean image score on the other 1/5)
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

/** The embedding grid: stride 8 of the input, as the probe and the RD map's middle scale. */
const GRID_STRIDE = 8;

export interface EvidenceSource {
  /** [N, S, S, 3] → smoothed maps [N, S, S] of the chosen evidence. The caller disposes them. */
  map(x: tf.Tensor4D): tf.Tensor3D;
  /** The divisors of `fused` (1 and 1 for rd and nn), for the report. */
  readonly scales: { rd: number; nn: number };
  readonly bankSize: number;
  dispose(): void;
}

function meanScore(maps: tf.Tensor3D[]): number {
  const s = tf.tidy(() => tf.mean(tf.concat(maps.map((m) => imageScores(m)))));
  const v = s.dataSync()[0];
  s.dispose();
  return v;
}

function rdMap(pipeline: ReverseDistillationPipeline, x: tf.Tensor4D): tf.Tensor3D {
  const r = pipeline.infer(x);
  const map = r.map.clone();
  disposeAnomalyMap(r);
  return map;
}

/** RD's map and the nearest-neighbour map from one teacher pass. The caller disposes both. */
function bothMaps(pipeline: ReverseDistillationPipeline, bank: FeatureBank, grid: number, x: tf.Tensor4D): { rd: tf.Tensor3D; nn: tf.Tensor3D } {
  const taps = pipeline.teacher.features(x);
  try {
    const r = pipeline.inferFromFeatures(taps, pipeline.sigma, x.shape[1], x.shape[2]);
    const rd = r.map.clone();
    disposeAnomalyMap(r);
    return { rd, nn: bank.map(taps, grid, x.shape[1], x.shape[2], pipeline.sigma) };
  } finally {
    tf.dispose(taps);
  }
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

export async function evidenceSource(evidence: Evidence, pipeline: ReverseDistillationPipeline, train: TrainingImages, bankOptions: FeatureBankOptions, quiet: boolean): Promise<EvidenceSource> {
  const size = pipeline.inputSize;
  if (evidence === 'rd') return { map: (x) => rdMap(pipeline, x), scales: { rd: 1, nn: 1 }, bankSize: 0, dispose: () => {} };
  const grid = size / GRID_STRIDE;
  const split = holdOutSplit(train.count);
  if (evidence === 'fused' && split.heldOut.length === 0) {
    throw new UserError(`--evidence fused needs at least 5 training images (every 5th scales the two evidences); ${train.count} found`);
  }
  const embeddings: Float32Array[] = [];
  let dim = 0;
  const progress = new ProgressLine('feature bank', train.count, process.stderr, quiet);
  for (const i of split.train) {
    const x = await train.load(i);
    const e = tf.tidy(() => {
      const taps = pipeline.teacher.features(x);
      return patchEmbeddings(taps, grid);
    });
    dim = e.shape[2];
    embeddings.push((await e.data()) as Float32Array);
    tf.dispose([x, e]);
    progress.update(embeddings.length);
  }
  const bank = FeatureBank.fromEmbeddings(embeddings, dim, bankOptions);
  let scales = { rd: 1, nn: 1 };
  if (evidence === 'fused') {
    const rd: tf.Tensor3D[] = [];
    const nn: tf.Tensor3D[] = [];
    for (const i of split.heldOut) {
      const x = await train.load(i);
      const m = bothMaps(pipeline, bank, grid, x);
      rd.push(m.rd);
      nn.push(m.nn);
      x.dispose();
      progress.update(embeddings.length + rd.length);
    }
    scales = { rd: meanScore(rd), nn: meanScore(nn) };
    tf.dispose([...rd, ...nn]);
  }
  progress.done(`(${bank.size} vectors of ${dim})`);
  const map = (x: tf.Tensor4D): tf.Tensor3D => {
    const m = bothMaps(pipeline, bank, grid, x);
    if (evidence === 'nn') {
      m.rd.dispose(); // the student's pass is wasted here: nn is a reference row, not a mode to run fast
      return m.nn;
    }
    try {
      return fuseEvidence(m.rd, m.nn, scales.rd, scales.nn);
    } finally {
      tf.dispose([m.rd, m.nn]);
    }
  };
  return { map, scales, bankSize: bank.size, dispose: () => bank.dispose() };
}

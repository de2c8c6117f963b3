/**
 * The accurate profile's map: RD's reconstruction error fused with the teacher's nearest-neighbour
 * evidence (feature-bank.ts), each divided by its typical image score on training images the bank does
 * not hold. Everything here comes from training images alone: the bank from one part of them, the two
 * divisors from the other. The CLI's train and eval build it from files; a bundle stores it (a weights
 * entry + meta.evidence) so that inference needs no training image.
 */
import * as tf from '@tensorflow/tfjs';
import { disposeAnomalyMap, imageScores, upsampleMap } from './anomaly-map';
import { FeatureBank, patchEmbeddings, type FeatureBankOptions } from './feature-bank';
import type { EvidenceMeta } from './model-meta';
import type { ReverseDistillationPipeline } from './pipeline';

/** The embedding grid: stride 8 of the input, as the probe and RD's middle scale. */
export const GRID_STRIDE = 8;

/**
 * fused = rd / rdScale + nn / nnScale, so that neither unit dominates. Image score = max of the fused
 * map, as for one map.
 */
export function fuseEvidence(rd: tf.Tensor3D, nn: tf.Tensor3D, rdScale: number, nnScale: number): tf.Tensor3D {
  if (!(rdScale > 0) || !(nnScale > 0)) throw new Error(`evidence fusion: scales must be > 0, got ${rdScale}, ${nnScale}`);
  return tf.tidy(() => tf.add(tf.div(rd, rdScale), tf.div(nn, nnScale)) as tf.Tensor3D);
}

/** Teacher taps of one training image [1, …] per call; the caller of `taps` disposes them. */
export interface TapSource {
  count: number;
  taps(i: number): Promise<tf.Tensor4D[]>;
}

/** RD's map and the bank's map [N, S, S] from taps already computed (the caller disposes both). */
function mapsFromTaps(pipeline: ReverseDistillationPipeline, bank: FeatureBank, taps: tf.Tensor4D[], size: number): { rd: tf.Tensor3D; nn: tf.Tensor3D } {
  const r = pipeline.inferFromFeatures(taps, pipeline.sigma, size, size);
  const rd = r.map.clone();
  disposeAnomalyMap(r);
  return { rd, nn: bank.map(taps, size / GRID_STRIDE, size, size, pipeline.sigma) };
}

async function meanImageScore(maps: tf.Tensor3D[]): Promise<number> {
  const s = tf.tidy(() => tf.mean(tf.concat(maps.map((m) => imageScores(m)))));
  const v = (await s.data())[0];
  s.dispose();
  return v;
}

/** A bank of the embeddings of every image of `source` (grid of `inputSize`). */
export async function buildBank(source: TapSource, inputSize: number, opts: FeatureBankOptions, onImage?: () => void): Promise<FeatureBank> {
  const embeddings: Float32Array[] = [];
  let dim = 0;
  for (let i = 0; i < source.count; i++) {
    const taps = await source.taps(i);
    const e = patchEmbeddings(taps, inputSize / GRID_STRIDE);
    tf.dispose(taps);
    dim = e.shape[2];
    embeddings.push((await e.data()) as Float32Array);
    e.dispose();
    onImage?.();
  }
  return FeatureBank.fromEmbeddings(embeddings, dim, opts);
}

export class FusedEvidence {
  private constructor(
    private readonly bank: FeatureBank,
    readonly rdScale: number,
    readonly nnScale: number,
  ) {}

  get bankSize(): number {
    return this.bank.size;
  }

  /**
   * Takes the bank; the divisors are the mean image scores of each evidence over `heldOut` (training
   * images the bank does not hold, so that their nearest-neighbour distances are honest).
   */
  static async calibrate(pipeline: ReverseDistillationPipeline, bank: FeatureBank, heldOut: TapSource, onImage?: () => void): Promise<FusedEvidence> {
    if (heldOut.count < 1) throw new Error('evidence fusion needs at least one held-out training image');
    const rd: tf.Tensor3D[] = [];
    const nn: tf.Tensor3D[] = [];
    try {
      for (let i = 0; i < heldOut.count; i++) {
        const taps = await heldOut.taps(i);
        const m = mapsFromTaps(pipeline, bank, taps, pipeline.inputSize);
        tf.dispose(taps);
        rd.push(m.rd);
        nn.push(m.nn);
        onImage?.();
      }
      return new FusedEvidence(bank, await meanImageScore(rd), await meanImageScore(nn));
    } finally {
      tf.dispose([...rd, ...nn]);
    }
  }

  /** The evidence a bundle stores (meta.evidence + the bank weights entry). */
  static fromStored(meta: EvidenceMeta, vectors: Float32Array): FusedEvidence {
    if (meta.gridStride !== GRID_STRIDE) throw new Error(`evidence grid stride ${meta.gridStride} is not this build's ${GRID_STRIDE}`);
    return new FusedEvidence(FeatureBank.fromVectors(vectors, meta.bank), meta.rdScale, meta.nnScale);
  }

  /** meta.evidence of a bundle that stores this evidence (its bank: bankEntry). */
  get meta(): EvidenceMeta {
    return { kind: 'fused', rdScale: this.rdScale, nnScale: this.nnScale, gridStride: GRID_STRIDE, bank: { ...this.bank.layout } };
  }

  /** The bank as the weights entry a bundle stores (studentToArtifacts' `bank`). */
  async bankEntry(): Promise<{ vectors: Float32Array; shape: [number, number] }> {
    return { vectors: await this.bank.vectors(), shape: [this.bank.size, this.bank.layout.dims] };
  }

  /** RD's map and the bank's map of x [N, S, S, 3] from one teacher pass (the caller disposes both). */
  maps(pipeline: ReverseDistillationPipeline, x: tf.Tensor4D): { rd: tf.Tensor3D; nn: tf.Tensor3D } {
    const taps = pipeline.teacher.features(x);
    try {
      return mapsFromTaps(pipeline, this.bank, taps, x.shape[1]);
    } finally {
      tf.dispose(taps);
    }
  }

  /** The fused map [N, S, S] of x (the caller disposes it). */
  map(pipeline: ReverseDistillationPipeline, x: tf.Tensor4D): tf.Tensor3D {
    return this.fuse(this.maps(pipeline, x));
  }

  /** The fused map from teacher taps already computed (e.g. the training feature cache). */
  mapFromTaps(pipeline: ReverseDistillationPipeline, taps: tf.Tensor4D[]): tf.Tensor3D {
    return this.fuse(mapsFromTaps(pipeline, this.bank, taps, pipeline.inputSize));
  }

  /**
   * The nearest-neighbour distances of taps upsampled to size×size and not smoothed, as the per-scale maps
   * the app's worker hands out: fused = blur(Σ scales) / rdScale + blur(this) / nnScale, and the blur is
   * linear, so the UI fuses first and blurs once (src/data/map-render.ts).
   */
  rawNearest(taps: tf.Tensor4D[], size: number): tf.Tensor3D {
    return tf.tidy(() => upsampleMap(this.bank.distances(taps, size / GRID_STRIDE), size, size));
  }

  /** Fuses (and disposes) the two maps. */
  fuse(m: { rd: tf.Tensor3D; nn: tf.Tensor3D }): tf.Tensor3D {
    try {
      return fuseEvidence(m.rd, m.nn, this.rdScale, this.nnScale);
    } finally {
      tf.dispose([m.rd, m.nn]);
    }
  }

  dispose(): void {
    this.bank.dispose();
  }
}

/**
 * The image score of one image's taps under a model's own map: fused with `evidence` for the accurate
 * profile, RD's alone for the fast one (null) — what train's and Teach's calibrations score. Disposes the taps.
 */
export async function imageScoreOfTaps(pipeline: ReverseDistillationPipeline, evidence: FusedEvidence | null, taps: tf.Tensor4D[]): Promise<number> {
  const s = tf.tidy(() => (evidence ? imageScores(evidence.mapFromTaps(pipeline, taps)) : pipeline.inferFromFeatures(taps).scores));
  try {
    return (await s.data())[0];
  } finally {
    tf.dispose([s, ...taps]);
  }
}

/**
 * Nearest-neighbour evidence from the teacher's own taps (PatchCore-like, training-free), to fuse with the
 * reverse-distillation map. RD scores a place by how badly the student reconstructs the teacher there;
 * this scores it by how far the teacher's features are from every place of the training images. The two
 * fail differently: the student's noise is not where the bank is sparse, so their sum (each divided by its
 * typical value on held-out training images) keeps what both agree on (README, ablation).
 *
 * Embedding (as in `../shared/notes/teacher-probe.md`): each tap 3×3 average-pooled, resampled to one grid
 * (stride 8), L2-normalised per tap, concatenated. The bank is a seeded random subset of the training
 * images' embeddings; the distance is Euclidean to the nearest bank vector.
 */
import * as tf from '@tensorflow/tfjs';
import { upsampleBlur } from './anomaly-map';
import { SeededRandom } from './random';

/** Taps [N, h_k, w_k, c_k] → embeddings [N, g·g, Σc_k] on a g×g grid. */
export function patchEmbeddings(taps: tf.Tensor4D[], grid: number): tf.Tensor3D {
  return tf.tidy(() => {
    const parts = taps.map((t) => {
      const pooled = tf.avgPool(t, 3, 1, 'same');
      const sized = pooled.shape[1] === grid && pooled.shape[2] === grid ? pooled : tf.image.resizeBilinear(pooled, [grid, grid]);
      const norm = tf.sqrt(tf.add(tf.sum(tf.square(sized), 3, true), 1e-12));
      return tf.div(sized, norm);
    });
    const all = tf.concat(parts, 3);
    const [n, , , c] = all.shape;
    return tf.reshape(all, [n, grid * grid, c]) as tf.Tensor3D;
  });
}

export interface FeatureBankOptions {
  /** Most vectors kept (a seeded random subset when the training images have more places). */
  maxVectors: number;
  /**
   * Project embeddings to this many dimensions by a fixed seeded Gaussian matrix (distances are kept up to a
   * small distortion, Johnson–Lindenstrauss) — the distance matMul costs in proportion; null = no projection.
   */
  projectTo: number | null;
  seed: number;
}

/** 128 dims: on cookies the same image / pixel AUROC / PRO as the full 912 (README), at a third of the time. */
export const FEATURE_BANK_DEFAULTS: FeatureBankOptions = { maxVectors: 20000, projectTo: 128, seed: 0 };

/** [dim, d] with N(0, 1/d) entries: E|xP|² = |x|². */
function projectionMatrix(dim: number, d: number, seed: number): tf.Tensor2D {
  const r = new SeededRandom(seed ^ 0x5bd1e995);
  const s = 1 / Math.sqrt(d);
  return tf.tensor2d(Float32Array.from({ length: dim * d }, () => r.normal() * s), [dim, d]);
}

/** Bank vectors compared per matMul: bounds the [places × chunk] distance block. */
const CHUNK = 4096;

export class FeatureBank {
  private constructor(
    /** Per chunk [n, d + 1]: rows (−2·b, |b|²), so that [q, 1]·rowᵀ = |b|² − 2 q·b in one matMul. */
    private readonly chunks: tf.Tensor2D[],
    private readonly projection: tf.Tensor2D | null,
    readonly size: number,
    readonly dim: number,
  ) {}

  /**
   * @param embeddings per training image [P, C] (row-major Float32Array), all of one C.
   */
  static fromEmbeddings(embeddings: Float32Array[], dim: number, opts: FeatureBankOptions = FEATURE_BANK_DEFAULTS): FeatureBank {
    const total = embeddings.reduce((n, e) => n + e.length / dim, 0);
    if (total < 1) throw new Error('feature bank: no embeddings');
    const keep = Math.min(total, opts.maxVectors);
    const picked = total > keep ? new SeededRandom(opts.seed).permutation(total).slice(0, keep).sort((a, b) => a - b) : null;
    const rows = new Float32Array(keep * dim);
    let out = 0;
    let base = 0;
    let next = 0;
    for (const e of embeddings) {
      const n = e.length / dim;
      for (let i = 0; i < n; i++) {
        if (picked && picked[next] !== base + i) continue;
        rows.set(e.subarray(i * dim, (i + 1) * dim), out * dim);
        out++;
        next++;
      }
      base += n;
    }
    const projection = opts.projectTo === null || opts.projectTo >= dim ? null : projectionMatrix(dim, opts.projectTo, opts.seed);
    const chunks = [];
    for (let s = 0; s < keep; s += CHUNK) {
      const n = Math.min(CHUNK, keep - s);
      chunks.push(tf.tidy((): tf.Tensor2D => {
        const raw = tf.tensor2d(rows.subarray(s * dim, (s + n) * dim), [n, dim]);
        const v = projection ? tf.matMul(raw, projection) : raw;
        return tf.concat([tf.mul(v, -2), tf.sum(tf.square(v), 1, true)], 1);
      }));
    }
    return new FeatureBank(chunks, projection, keep, dim);
  }

  /** queries [P, C] (unprojected) → distance of each to its nearest bank vector [P]. */
  nearest(raw: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const queries = this.projection ? tf.matMul(raw, this.projection) : raw;
      const augmented = tf.concat([queries, tf.ones([queries.shape[0], 1])], 1);
      // |q − b|² = |q|² + min_b (|b|² − 2 q·b): one matMul and one min per chunk, |q|² added once
      const partMin = (c: tf.Tensor2D) => tf.min(tf.matMul(augmented, c, false, true), 1);
      const best = this.chunks.slice(1).reduce((acc, c) => tf.minimum(acc, partMin(c)), partMin(this.chunks[0]));
      return tf.sqrt(tf.relu(tf.add(best, tf.sum(tf.square(queries), 1)))) as tf.Tensor1D;
    });
  }

  /** Nearest-neighbour maps [N, H, W] of taps [N, …] (grid = the bank's), upsampled and smoothed like RD's. */
  map(taps: tf.Tensor4D[], grid: number, height: number, width: number, sigma: number): tf.Tensor3D {
    return tf.tidy(() => {
      const e = patchEmbeddings(taps, grid);
      const [n, p, c] = e.shape;
      const d = this.nearest(tf.reshape(e, [n * p, c]) as tf.Tensor2D);
      return upsampleBlur(tf.reshape(d, [n, grid, grid]) as tf.Tensor3D, height, width, sigma);
    });
  }

  dispose(): void {
    tf.dispose(this.chunks);
    this.projection?.dispose();
  }
}

/**
 * fused = rd / rdScale + nn / nnScale: each evidence divided by its typical image score on held-out training
 * images (images the bank does not hold, so their nearest-neighbour distances are honest), so neither unit
 * dominates. Image score = max of the fused map, as for one map.
 */
export function fuseEvidence(rd: tf.Tensor3D, nn: tf.Tensor3D, rdScale: number, nnScale: number): tf.Tensor3D {
  if (!(rdScale > 0) || !(nnScale > 0)) throw new Error(`evidence fusion: scales must be > 0, got ${rdScale}, ${nnScale}`);
  return tf.tidy(() => tf.add(tf.div(rd, rdScale), tf.div(nn, nnScale)) as tf.Tensor3D);
}

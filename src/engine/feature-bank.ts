/**
 * Nearest-neighbour evidence from the teacher's own taps (PatchCore-like, training-free), to fuse with the
 * reverse-distillation map. RD scores a place by how badly the student reconstructs the teacher there;
 * this scores it by how far the teacher's features are from every place of the training images. The two
 * fail differently: the student's noise is not where the bank is sparse, so their sum (evidence.ts) keeps what
 * both agree on (README, ablation).
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

/** What a stored bank is (meta.evidence of a bundle of the accurate profile; the vectors are the weights entry evidence/bank). */
export interface BankLayout {
  vectors: number;
  /** Dimensions of the stored (projected) vectors. */
  dims: number;
  /** Dimensions of the embeddings before projection (= dims without projection). */
  sourceDims: number;
  /** Seed of the Gaussian projection matrix, which is regenerated rather than stored; null = no projection. */
  projectionSeed: number | null;
}

/** Rows v [n, d] → (−2·v, |v|²) [n, d + 1], the form nearest() multiplies with. */
function augment(v: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.concat([tf.mul(v, -2), tf.sum(tf.square(v), 1, true)], 1));
}

export class FeatureBank {
  private constructor(
    /** Per chunk [n, d + 1]: rows (−2·b, |b|²), so that [q, 1]·rowᵀ = |b|² − 2 q·b in one matMul. */
    private readonly chunks: tf.Tensor2D[],
    private readonly projection: tf.Tensor2D | null,
    readonly layout: BankLayout,
  ) {}

  get size(): number {
    return this.layout.vectors;
  }

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
    const target = opts.projectTo;
    const projected = target !== null && target < dim;
    const projection = projected ? projectionMatrix(dim, target, opts.seed) : null;
    const chunks = [];
    for (let s = 0; s < keep; s += CHUNK) {
      const n = Math.min(CHUNK, keep - s);
      chunks.push(tf.tidy(() => {
        const raw = tf.tensor2d(rows.subarray(s * dim, (s + n) * dim), [n, dim]);
        return augment(projection ? tf.matMul(raw, projection) : raw);
      }));
    }
    const layout = { vectors: keep, dims: projected ? target : dim, sourceDims: dim, projectionSeed: projected ? opts.seed : null };
    return new FeatureBank(chunks, projection, layout);
  }

  /** The bank that `vectors()` of a bank with this layout returned (a bundle's evidence/bank weights entry). */
  static fromVectors(vectors: Float32Array, layout: BankLayout): FeatureBank {
    const { vectors: n, dims, sourceDims, projectionSeed } = layout;
    if (!(n >= 1) || vectors.length !== n * dims) throw new Error(`feature bank: ${vectors.length} values do not hold ${n} vectors of ${dims}`);
    const chunks = [];
    for (let s = 0; s < n; s += CHUNK) {
      const m = Math.min(CHUNK, n - s);
      chunks.push(tf.tidy(() => augment(tf.tensor2d(vectors.subarray(s * dims, (s + m) * dims), [m, dims]))));
    }
    const projection = projectionSeed === null ? null : projectionMatrix(sourceDims, dims, projectionSeed);
    return new FeatureBank(chunks, projection, { ...layout });
  }

  /** The (projected) bank vectors [size, dims], row-major: what a bundle stores. */
  async vectors(): Promise<Float32Array> {
    const { dims } = this.layout;
    const out = new Float32Array(this.size * dims);
    let at = 0;
    for (const c of this.chunks) {
      const v = tf.tidy(() => tf.mul(tf.slice(c, [0, 0], [-1, dims]), -0.5)); // exact: −2 and −½ are powers of two
      out.set(await v.data(), at);
      at += v.size;
      v.dispose();
    }
    return out;
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

  /** Nearest-neighbour distances [N, grid, grid] of the places of taps [N, …]. */
  distances(taps: tf.Tensor4D[], grid: number): tf.Tensor3D {
    return tf.tidy(() => {
      const e = patchEmbeddings(taps, grid);
      const [n, p, c] = e.shape;
      return tf.reshape(this.nearest(tf.reshape(e, [n * p, c]) as tf.Tensor2D), [n, grid, grid]) as tf.Tensor3D;
    });
  }

  /** Nearest-neighbour maps [N, H, W] of taps [N, …] (grid = the bank's), upsampled and smoothed like RD's. */
  map(taps: tf.Tensor4D[], grid: number, height: number, width: number, sigma: number): tf.Tensor3D {
    return tf.tidy(() => upsampleBlur(this.distances(taps, grid), height, width, sigma));
  }

  dispose(): void {
    tf.dispose(this.chunks);
    this.projection?.dispose();
  }
}

/**
 * Streaming pixel metrics: pixel AUROC and PRO (same definitions as auroc.ts and pro.ts) accumulated
 * image by image into fine score histograms, so an evaluation of any number of images keeps no maps.
 *
 * Bins. A score's bin is the top 23 bits of its order-preserving float32 key (sort.ts float32Key): sign,
 * exponent and the 14 leading mantissa bits. Bin order is score order, no range has to be fixed in
 * advance, and a bin spans a relative width of 2^-14 ≈ 6.1e-5 of its scores (e.g. 0.25 ≤ s < 0.5 falls
 * into 16 384 bins). Bins are stored sparsely in pages of 4096, so memory follows the octaves the scores
 * use (a few pages per octave), not the 8 M possible bins.
 *
 * Per bin three sums: normal pixels (mask 0, good images included), anomalous pixels, and for PRO the
 * "overlap gain" Σ over ground-truth regions of (pixels of the region in the bin) / (region size). PRO(t)
 * is linear in the per-region counts, so PRO at a bin edge is (1/R)·Σ of the gains above it: no region
 * has to be kept either.
 *
 * Error. Only pixels that share a bin are not ordered against each other, so the exact values lie in
 * intervals that are computed alongside:
 *   - pixel AUROC: tied pairs count ½ (as in the exact metric's ties); a (positive, negative) pair in
 *     one bin contributes 0…1 exactly, so |error| ≤ ½ Σ_b pos_b·neg_b / (P·N).
 *   - PRO: the curve is walked bin edge by bin edge with trapezoids; inside bin b the exact curve stays
 *     in the box ΔFPR_b × ΔPRO_b, so |error| ≤ Σ_b ½·ΔFPR_b·ΔPRO_b / limit (the last, interpolated bin
 *     counts its whole box).
 * Both bounds are reported with the values; on the generated categories they are below 1e-5.
 */
import { labelConnectedComponents } from './connected-components.ts';
import { float32Key } from './sort.ts';

/** key >>> BIN_SHIFT is the bin: 32 − 9 = 23 bits. */
const BIN_SHIFT = 9;
const PAGE_BITS = 12;
const PAGE_SIZE = 1 << PAGE_BITS;

/** A value with the bound on its distance from the exact metric. */
export interface BoundedValue {
  value: number;
  errorBound: number;
}

export interface CurvePoints {
  x: number[];
  y: number[];
}

/** Three parallel sparse histograms over the same bins. */
class SparseBins {
  readonly pages = new Map<number, Float64Array[]>();

  /** The three arrays (normal, anomalous, gain) of a bin's page, created on first use. */
  page(p: number): Float64Array[] {
    let page = this.pages.get(p);
    if (!page) {
      page = [new Float64Array(PAGE_SIZE), new Float64Array(PAGE_SIZE), new Float64Array(PAGE_SIZE)];
      this.pages.set(p, page);
    }
    return page;
  }

  /** Pages in descending score order. */
  descending(): [number, Float64Array[]][] {
    return [...this.pages.entries()].sort((a, b) => b[0] - a[0]);
  }
}

/** One curve point every `step` of x or y, plus the last: a plot needs no more. */
function thinned(points: CurvePoints, x: number, y: number, xStep: number, yStep: number): void {
  const n = points.x.length;
  if (n > 0 && x - points.x[n - 1] < xStep && y - points.y[n - 1] < yStep) return;
  points.x.push(x);
  points.y.push(y);
}

export class PixelStatistics {
  private readonly bins = new SparseBins();
  private normal = 0;
  private anomalous = 0;
  private regions = 0;
  private images = 0;

  /** Images added so far. */
  get imageCount(): number {
    return this.images;
  }

  /** Connected ground-truth regions (8-connectivity) seen so far. */
  get regionCount(): number {
    return this.regions;
  }

  /** Kilobytes the histograms hold (they grow with the octaves the scores use, not with the images). */
  get kilobytes(): number {
    return (this.bins.pages.size * 3 * PAGE_SIZE * 8) / 1024;
  }

  /**
   * Adds one image: its smoothed map and ground-truth mask (nonzero = defect), both row-major
   * width×height; mask null = a good image (every pixel normal).
   */
  add(map: Float32Array, mask: Uint8Array | null, width: number, height: number): void {
    const n = width * height;
    if (map.length !== n) throw new Error(`PixelStatistics: map has ${map.length} values, expected ${width}×${height}`);
    if (mask && mask.length !== n) throw new Error(`PixelStatistics: mask has ${mask.length} values, expected ${width}×${height}`);
    const bits = new Int32Array(map.buffer, map.byteOffset, n);
    const cc = mask ? labelConnectedComponents(mask, width, height, 8) : null;
    const weight = cc ? Float64Array.from(cc.sizes, (s) => 1 / s) : null;
    let pageIndex = -1;
    let page: Float64Array[] = [];
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(map[i])) throw new Error(`PixelStatistics: NaN score at pixel ${i}`);
      const bin = float32Key(bits[i]) >>> BIN_SHIFT;
      const p = bin >>> PAGE_BITS;
      if (p !== pageIndex) {
        pageIndex = p;
        page = this.bins.page(p);
      }
      const o = bin & (PAGE_SIZE - 1);
      const label = cc ? cc.labels[i] : 0;
      if (label === 0) {
        page[0][o]++;
      } else {
        page[1][o]++;
        page[2][o] += weight![label];
      }
    }
    if (cc) {
      this.regions += cc.count;
      this.anomalous += n - cc.sizes[0];
      this.normal += cc.sizes[0];
    } else {
      this.normal += n;
    }
    this.images++;
  }

  /** Pixel AUROC (ties ½) with its bound, and the ROC curve at bin edges (thinned to `resolution` steps). */
  pixelAuroc(resolution = 500): BoundedValue & { curve: CurvePoints } {
    if (this.anomalous === 0) throw new Error('PixelStatistics: no anomalous pixels; pixel AUROC is undefined');
    if (this.normal === 0) throw new Error('PixelStatistics: no normal pixels; pixel AUROC is undefined');
    const P = this.anomalous;
    const N = this.normal;
    // From the top: every positive in bin b beats the negatives below it and ties (½) those in b.
    let negAbove = 0;
    let posAbove = 0;
    let u = 0;
    let tied = 0;
    const curve: CurvePoints = { x: [0], y: [0] };
    for (const [, page] of this.bins.descending()) {
      for (let o = PAGE_SIZE - 1; o >= 0; o--) {
        const neg = page[0][o];
        const pos = page[1][o];
        if (neg === 0 && pos === 0) continue;
        negAbove += neg;
        // pos_b positives lose to the negatives above and tie half of those in the bin.
        u += pos * (N - negAbove + neg / 2);
        tied += (pos * neg) / 2;
        posAbove += pos;
        thinned(curve, negAbove / N, posAbove / P, 1 / resolution, 1 / resolution);
      }
    }
    curve.x.push(1);
    curve.y.push(1);
    return { value: u / (P * N), errorBound: tied / (P * N), curve };
  }

  /** PRO (MVTec definition, as pro.ts) with its bound, and the PRO-vs-FPR curve up to `fprLimit`. */
  pro(fprLimit = 0.3, resolution = 500): BoundedValue & { curve: CurvePoints } {
    if (!(fprLimit > 0 && fprLimit <= 1)) throw new Error(`PixelStatistics: fprLimit must be in (0, 1], got ${fprLimit}`);
    if (this.normal === 0) throw new Error('PixelStatistics: no normal pixels; FPR is undefined');
    if (this.regions === 0) throw new Error('PixelStatistics: no defect regions; PRO is undefined');
    const N = this.normal;
    const R = this.regions;
    let fp = 0;
    let gain = 0;
    let prevF = 0;
    let prevP = 0;
    let area = 0;
    let bound = 0;
    const curve: CurvePoints = { x: [0], y: [0] };
    for (const [, page] of this.bins.descending()) {
      for (let o = PAGE_SIZE - 1; o >= 0; o--) {
        if (page[0][o] === 0 && page[2][o] === 0) continue;
        fp += page[0][o];
        gain += page[2][o];
        const f = fp / N;
        const p = Math.min(1, gain / R);
        if (f >= fprLimit) {
          const pEnd = f === fprLimit ? p : prevP + ((p - prevP) * (fprLimit - prevF)) / (f - prevF);
          area += ((fprLimit - prevF) * (prevP + pEnd)) / 2;
          bound += (fprLimit - prevF) * (p - prevP);
          curve.x.push(fprLimit);
          curve.y.push(pEnd);
          return { value: Math.min(1, area / fprLimit), errorBound: bound / fprLimit, curve };
        }
        area += ((f - prevF) * (prevP + p)) / 2;
        bound += ((f - prevF) * (p - prevP)) / 2;
        prevF = f;
        prevP = p;
        thinned(curve, f, p, fprLimit / resolution, 1 / resolution);
      }
    }
    throw new Error('PixelStatistics: internal error: the sweep ended before FPR reached its limit');
  }
}

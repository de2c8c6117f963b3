/**
 * PRO: the per-region-overlap curve and its normalised area, as defined for MVTec AD
 * (Bergmann et al., "The MVTec Anomaly Detection Dataset", IJCV 2021).
 *
 * Definition. Pool all test images (good images included). Split every ground-truth mask into
 * connected regions (8-connectivity); let R be the number of regions over all images. For a
 * threshold t, a pixel is predicted anomalous when its score is >= t, and
 *
 *   FPR(t) = (# normal pixels with score >= t) / (# normal pixels),        normal = mask is 0
 *   PRO(t) = (1/R) Σ_regions (# pixels of the region with score >= t) / (region size).
 *
 * Every region weighs the same, whatever its size, so small defects count as much as large ones.
 * Sweeping t from +∞ down over every distinct score gives a monotone curve of points
 * (FPR(t), PRO(t)) starting at (0, 0). The score is the trapezoidal area under this curve for
 * FPR in [0, fprLimit], where the curve is linearly interpolated at exactly FPR = fprLimit,
 * divided by fprLimit so that it lies in [0, 1]. Scores tied across pixels form one threshold
 * step (a single, possibly slanted, segment of the curve).
 *
 * Algorithm. One sorted pass instead of re-thresholding: a histogram of the scores finds which
 * pixels can matter before FPR reaches fprLimit; those normal-pixel scores and anomalous-pixel
 * scores (with their region ids) are radix-sorted once; walking them from the highest score down,
 * each distinct score adds its normal pixels to the false-positive count and, for each anomalous
 * pixel of region r, 1/size(r) to the running sum of overlaps (compensated summation), whose
 * mean over R is PRO(t). The walk stops once FPR reaches fprLimit. Cost: O(N) sort + O(N) walk.
 *
 * Differences from the RD4AD reference code (hq-deng/RD4AD, `compute_pro` in test.py): there the
 * curve is sampled at 200 evenly spaced thresholds between the global min and max score, pixels
 * count only when strictly above the threshold, samples with FPR < 0.3 are kept and their FPR is
 * rescaled by its own maximum (instead of interpolating at 0.3 and dividing by 0.3) before
 * `sklearn.metrics.auc`; and its evaluation loop calls it on one anomalous image at a time and
 * averages the per-image values, so good images never contribute false positives and each image
 * weighs the same. Numbers from that code are therefore not directly comparable to this function
 * (nor to the official MVTec evaluation, which this function follows).
 */
import { labelConnectedComponents } from './connected-components.ts';
import { float32Key, sortFloat32 } from './sort.ts';

const BUCKETS = 1 << 16;

export interface ProCurve {
  /** False-positive rate of each point, non-decreasing, starting at 0 and ending at fprLimit. */
  fpr: Float64Array;
  /** Mean per-region overlap of each point, non-decreasing, starting at 0. */
  pro: Float64Array;
}

export interface ProResult {
  /** Normalised area under the PRO curve for FPR in [0, fprLimit]; in [0, 1]. */
  pro: number;
  /** The curve restricted to FPR in [0, fprLimit] (last point interpolated at fprLimit). */
  curve: ProCurve;
}

export interface ProOptions {
  /**
   * Thins the returned curve (for plotting; `pro` always uses every threshold): after the first
   * point, a point is kept only when FPR moved by >= fprLimit/curveResolution or PRO by
   * >= 1/curveResolution since the last kept point; the final point is always kept. At most about
   * 2·curveResolution + 2 points. Default 1000; `Infinity` keeps one point per distinct threshold.
   */
  curveResolution?: number;
}

/**
 * Per-region overlap (PRO) score and curve over a test set.
 *
 * @param maps anomaly maps, one row-major width×height Float32Array per test image.
 * @param masks ground-truth masks, same layout, nonzero = defect; all-zero for good images.
 * @param fprLimit integration limit on the false-positive rate, in (0, 1]; 0.3 is the standard.
 * @throws Error on mismatched sizes, NaN scores, no normal pixels, or no defect regions.
 */
export function perRegionOverlap(
  maps: Float32Array[],
  masks: Uint8Array[],
  width: number,
  height: number,
  fprLimit = 0.3,
  options: ProOptions = {},
): ProResult {
  if (maps.length !== masks.length) {
    throw new Error(`perRegionOverlap: ${maps.length} maps but ${masks.length} masks`);
  }
  if (!(fprLimit > 0 && fprLimit <= 1)) {
    throw new Error(`perRegionOverlap: fprLimit must be in (0, 1], got ${fprLimit}`);
  }
  const resolution = options.curveResolution ?? 1000;
  if (!(resolution > 0)) {
    throw new Error(`perRegionOverlap: curveResolution must be positive, got ${resolution}`);
  }
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`perRegionOverlap: invalid size ${width}x${height}`);
  }
  const size = width * height;

  // Pass 1: validate; count normal pixels and histogram all scores by the top 16 bits of their
  // order-preserving key (bucket order = score order).
  let nNormal = 0;
  const hasDefect = new Uint8Array(maps.length);
  const normalHist = new Float64Array(BUCKETS);
  const anomalousHist = new Float64Array(BUCKETS);
  for (let k = 0; k < maps.length; k++) {
    const map = maps[k];
    const mask = masks[k];
    if (map.length !== size || mask.length !== size) {
      throw new Error(`perRegionOverlap: image ${k} has map length ${map.length} and mask length ${mask.length}, expected ${width}x${height}`);
    }
    const bits = new Int32Array(map.buffer, map.byteOffset, size);
    for (let p = 0; p < size; p++) {
      if (Number.isNaN(map[p])) throw new Error(`perRegionOverlap: NaN score in image ${k} at pixel ${p}`);
      const bucket = float32Key(bits[p]) >>> 16;
      if (mask[p] === 0) {
        nNormal++;
        normalHist[bucket]++;
      } else {
        hasDefect[k] = 1;
        anomalousHist[bucket]++;
      }
    }
  }
  if (nNormal === 0) throw new Error('perRegionOverlap: no normal pixels; FPR is undefined');

  // The sweep stops at the first threshold with FPR >= fprLimit, i.e. after at most `needed`
  // normal pixels (+1 absorbs rounding of the product). Pixels in buckets below the one holding
  // the needed-th highest normal score are never reached, so only buckets >= `cut` are gathered
  // and sorted (about fprLimit of the data instead of all of it).
  const needed = Math.min(nNormal, Math.ceil(fprLimit * nNormal) + 1);
  let cut = BUCKETS;
  let keptNormal = 0;
  let keptAnomalous = 0;
  while (keptNormal < needed) {
    cut--;
    keptNormal += normalHist[cut];
    keptAnomalous += anomalousHist[cut];
  }

  // Pass 2: label regions (8-connectivity) image by image, sizes counted in full; gather the
  // kept normal scores, and kept anomalous scores with the global index of their region.
  const normal = new Float32Array(keptNormal);
  const anomalous = new Float32Array(keptAnomalous);
  const region = new Int32Array(keptAnomalous);
  const regionSizes: number[] = [];
  let a = 0;
  let b = 0;
  for (let k = 0; k < maps.length; k++) {
    const map = maps[k];
    const bits = new Int32Array(map.buffer, map.byteOffset, size);
    if (hasDefect[k] === 0) {
      for (let p = 0; p < size; p++) {
        if (float32Key(bits[p]) >>> 16 >= cut) normal[a++] = map[p];
      }
      continue;
    }
    const cc = labelConnectedComponents(masks[k], width, height, 8);
    const base = regionSizes.length - 1;
    for (let r = 1; r <= cc.count; r++) regionSizes.push(cc.sizes[r]);
    const lab = cc.labels;
    for (let p = 0; p < size; p++) {
      if (float32Key(bits[p]) >>> 16 < cut) continue;
      const l = lab[p];
      if (l === 0) {
        normal[a++] = map[p];
      } else {
        anomalous[b] = map[p];
        region[b++] = base + l;
      }
    }
  }
  const nRegions = regionSizes.length;
  if (nRegions === 0) throw new Error('perRegionOverlap: no defect regions; PRO is undefined');
  sortFloat32(normal);
  sortFloat32(anomalous, region);
  const weight = new Float64Array(nRegions);
  for (let r = 0; r < nRegions; r++) weight[r] = 1 / regionSizes[r];

  // Pass 3: sweep thresholds from the top; integrate while FPR < fprLimit.
  const curveF: number[] = [0];
  const curveP: number[] = [0];
  const minDf = fprLimit / resolution;
  const minDp = 1 / resolution;
  let keptF = 0;
  let keptP = 0;
  let i = keptNormal - 1;
  let j = keptAnomalous - 1;
  let fp = 0;
  let sum = 0; // Neumaier-compensated Σ overlaps
  let comp = 0;
  let prevF = 0;
  let prevP = 0;
  let area = 0;
  for (;;) {
    // FPR < fprLimit here, so fewer than `needed` normal pixels were consumed and i >= 0.
    if (i < 0) throw new Error('perRegionOverlap: internal error: ran out of normal pixels');
    const t = j >= 0 && anomalous[j] > normal[i] ? anomalous[j] : normal[i];
    while (i >= 0 && normal[i] === t) {
      fp++;
      i--;
    }
    while (j >= 0 && anomalous[j] === t) {
      const w = weight[region[j]];
      const s = sum + w;
      comp += Math.abs(sum) >= w ? sum - s + w : w - s + sum;
      sum = s;
      j--;
    }
    const f = fp / nNormal;
    const p = Math.min(1, (sum + comp) / nRegions);
    if (f >= fprLimit) {
      const pEnd = f === fprLimit ? p : prevP + ((p - prevP) * (fprLimit - prevF)) / (f - prevF);
      area += ((fprLimit - prevF) * (prevP + pEnd)) / 2;
      curveF.push(fprLimit);
      curveP.push(pEnd);
      break;
    }
    area += ((f - prevF) * (prevP + p)) / 2;
    prevF = f;
    prevP = p;
    if (f - keptF >= minDf || p - keptP >= minDp) {
      curveF.push(f);
      curveP.push(p);
      keptF = f;
      keptP = p;
    }
  }
  return {
    pro: Math.min(1, area / fprLimit),
    curve: { fpr: Float64Array.from(curveF), pro: Float64Array.from(curveP) },
  };
}

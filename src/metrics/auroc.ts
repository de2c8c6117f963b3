/**
 * Area under the ROC curve for binary labels, and the ROC curve itself.
 *
 * AUROC is computed as the Mann–Whitney U statistic divided by (#positives × #negatives): the
 * probability that a random positive scores higher than a random negative, with ties counting as
 * one half. This equals the trapezoidal area under the ROC curve with one point per distinct
 * threshold (the same as scikit-learn's `roc_auc_score`).
 *
 * Implementation: positive and negative scores are copied into two typed arrays, each sorted with
 * a linear-time radix sort, and merged with tie-aware counting. No index array is sorted with a JS
 * comparator, so 40 million pixel scores take on the order of a second.
 */
import { sortFloat32, sortFloat64 } from './sort.ts';

export type BinaryLabels = ArrayLike<number | boolean>;

export interface RocCurve {
  /** False-positive rate at each point, non-decreasing, from 0 to 1. */
  fpr: Float64Array;
  /** True-positive rate at each point, non-decreasing, from 0 to 1. */
  tpr: Float64Array;
  /**
   * Threshold of each point: a sample is predicted positive when score >= threshold. The first
   * point is (0, 0) at threshold +Infinity; then one point per distinct score, descending.
   */
  thresholds: Float64Array;
}

interface SplitScores {
  pos: Float32Array | Float64Array;
  neg: Float32Array | Float64Array;
}

function isPositive(label: number | boolean, index: number): boolean {
  if (typeof label === 'boolean') return label;
  if (Number.isNaN(label)) throw new Error(`auroc: label at index ${index} is NaN`);
  return label !== 0;
}

/** Validate, split scores by label and sort both halves ascending. */
function splitAndSort(scores: ArrayLike<number>, labels: BinaryLabels, fn: string): SplitScores {
  const n = scores.length;
  if (labels.length !== n) {
    throw new Error(`${fn}: scores (${n}) and labels (${labels.length}) have different lengths`);
  }
  let nPos = 0;
  // Float32 storage is exact when every score is a float32 value (always so for Float32Array
  // input) and halves memory and sort time.
  let fitsFloat32 = true;
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    if (Number.isNaN(s)) throw new Error(`${fn}: score at index ${i} is NaN`);
    if (fitsFloat32 && Math.fround(s) !== s) fitsFloat32 = false;
    if (isPositive(labels[i], i)) nPos++;
  }
  const nNeg = n - nPos;
  if (nPos === 0) throw new Error(`${fn}: no positive labels; the ROC curve is undefined`);
  if (nNeg === 0) throw new Error(`${fn}: no negative labels; the ROC curve is undefined`);
  const pos = fitsFloat32 ? new Float32Array(nPos) : new Float64Array(nPos);
  const neg = fitsFloat32 ? new Float32Array(nNeg) : new Float64Array(nNeg);
  let p = 0;
  let q = 0;
  for (let i = 0; i < n; i++) {
    if (isPositive(labels[i], i)) pos[p++] = scores[i];
    else neg[q++] = scores[i];
  }
  if (pos instanceof Float32Array && neg instanceof Float32Array) {
    sortFloat32(pos);
    sortFloat32(neg);
  } else if (pos instanceof Float64Array && neg instanceof Float64Array) {
    sortFloat64(pos);
    sortFloat64(neg);
  }
  return { pos, neg };
}

/**
 * Area under the ROC curve (ties between a positive and a negative count one half).
 *
 * @param scores higher = more anomalous/positive; NaN is rejected.
 * @param labels `true` or a nonzero number marks a positive (e.g. a mask with 1 or 255).
 * @throws Error when lengths differ, a score or label is NaN, or either class is empty.
 */
export function auroc(scores: ArrayLike<number>, labels: BinaryLabels): number {
  const { pos, neg } = splitAndSort(scores, labels, 'auroc');
  const nPos = pos.length;
  const nNeg = neg.length;
  // U = Σ over positives of (#negatives below it + ½ #negatives equal to it). Every term is a
  // multiple of ½ and U ≤ nPos·nNeg, so the sum is exact while nPos·nNeg < 2^52 (any split of up
  // to ~134 million samples); only the final division rounds.
  let u = 0;
  let i = 0;
  let j = 0;
  while (j < nPos) {
    const v = pos[j];
    let j2 = j + 1;
    while (j2 < nPos && pos[j2] === v) j2++;
    while (i < nNeg && neg[i] < v) i++;
    let i2 = i;
    while (i2 < nNeg && neg[i2] === v) i2++;
    u += (j2 - j) * (i + 0.5 * (i2 - i));
    i = i2;
    j = j2;
  }
  return u / (nPos * nNeg);
}

/**
 * ROC curve with one point per distinct score (plus the initial (0, 0) point at +Infinity),
 * suitable for plotting. Its trapezoidal area equals {@link auroc}.
 */
export function rocCurve(scores: ArrayLike<number>, labels: BinaryLabels): RocCurve {
  const { pos, neg } = splitAndSort(scores, labels, 'rocCurve');
  const nPos = pos.length;
  const nNeg = neg.length;
  // Walk both sorted arrays from the top: each distinct value is one threshold step. The first
  // walk only counts the steps, so the output is allocated at its exact size.
  const walk = (emit: (t: number, fp: number, tp: number) => void): void => {
    let i = nNeg - 1;
    let j = nPos - 1;
    while (i >= 0 || j >= 0) {
      let t: number;
      if (i < 0) t = pos[j];
      else if (j < 0) t = neg[i];
      else t = pos[j] > neg[i] ? pos[j] : neg[i];
      while (i >= 0 && neg[i] === t) i--;
      while (j >= 0 && pos[j] === t) j--;
      emit(t, nNeg - 1 - i, nPos - 1 - j);
    }
  };
  let steps = 0;
  walk(() => steps++);
  const fpr = new Float64Array(steps + 1);
  const tpr = new Float64Array(steps + 1);
  const thresholds = new Float64Array(steps + 1);
  thresholds[0] = Infinity;
  let m = 1;
  walk((t, fp, tp) => {
    fpr[m] = fp / nNeg;
    tpr[m] = tp / nPos;
    thresholds[m++] = t;
  });
  return { fpr, tpr, thresholds };
}

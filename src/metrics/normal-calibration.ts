/**
 * Decision threshold for a model trained on normal images only (a handful in the browser's Teach, a
 * whole train/good folder in `npm run train`), with no anomalous example available. Pure TypeScript
 * (no tfjs, DOM or Node).
 *
 * The rule (also in the README section "Teaching the model your product"):
 *
 * - **N ≥ 5 images**: every 5th image (indices 0, 5, 10, …, i.e. ⌈N/5⌉ images) is held out of training
 *   and scored with the trained model. threshold = max(1.05 · max(held-out), mean + 3·std of held-out)
 *   (population std). The images the model never saw stand in for future normal images; the 5 % margin
 *   over the largest one keeps every held-out image below the threshold even when the std is tiny or
 *   (one held-out image) zero.
 * - **N < 5 images** (or the CLI's `--calibration training`): nothing is held out (every image is needed
 *   for training). threshold = max(mean + 3·std, 1.25 · max) of the training images' own scores, flagged
 *   `optimistic`: a model scores its own training images lower than new normal images, hence the wider
 *   25 % margin — and the UI should say that the threshold is a rough guess.
 *
 * Scores are image scores (max of the smoothed map) under the model's default map settings (meta.map:
 * σ, fused scales, fusion); a threshold does not carry over to other σ or scale selections.
 */
import { scoreStatistics, type ScoreStatistics } from './calibration.ts';

/** Below this many images nothing is held out. */
export const MIN_IMAGES_FOR_HOLD_OUT = 5;
/** Every HOLD_OUT_EVERY-th image (starting with the first) is held out. */
export const HOLD_OUT_EVERY = 5;
export const HELD_OUT_MARGIN = 1.05;
export const OPTIMISTIC_MARGIN = 1.25;
export const STD_FACTOR = 3;

export const HELD_OUT_RULE = 'max(1.05 × max, mean + 3·std) of the held-out normal images\' scores (every 5th image, not trained on)';
export const OPTIMISTIC_RULE = 'max(mean + 3·std, 1.25 × max) of the training images\' own scores (none held out; optimistic)';

export interface HoldOutSplit {
  /** Indices of the images trained on, ascending. */
  train: number[];
  /** Indices of the images held out for calibration, ascending (empty when n < 5). */
  heldOut: number[];
}

/** Which of n images (in the order the user gave them) are trained on and which are held out. */
export function holdOutSplit(n: number): HoldOutSplit {
  if (!Number.isInteger(n) || n < 1) throw new Error(`holdOutSplit: need at least one image, got ${n}`);
  const train: number[] = [];
  const heldOut: number[] = [];
  for (let i = 0; i < n; i++) {
    if (n >= MIN_IMAGES_FOR_HOLD_OUT && i % HOLD_OUT_EVERY === 0) heldOut.push(i);
    else train.push(i);
  }
  return { train, heldOut };
}

export interface NormalCalibration {
  /** Scores of the held-out images (empty when fewer than 5 images were given). */
  heldOut: number[];
  /** Scores of the training images (un-augmented) under the final weights. */
  training: number[];
  threshold: number;
  /** Human-readable rule that produced the threshold. */
  rule: string;
  /** True when the threshold comes from the training images' own scores (no hold-out). */
  optimistic: boolean;
  /** Statistics of the scores the threshold was computed from (held-out, else training). */
  stats: ScoreStatistics;
}

/** factor × value for the usual non-negative scores; never below value (a negative score moves up too). */
function withMargin(value: number, factor: number): number {
  return value + (factor - 1) * Math.abs(value);
}

function checkScores(scores: readonly number[], what: string): void {
  scores.forEach((s, i) => {
    if (!Number.isFinite(s)) throw new Error(`calibration: ${what} score ${i + 1} is ${s}`);
  });
}

/**
 * Threshold from the scores of held-out and training normal images (rule in the file comment).
 * @param heldOut scores of the held-out images; empty → the optimistic rule on `training`.
 * @throws Error when a score is not finite or there is nothing to calibrate on.
 */
export function calibrateFromNormals(heldOut: readonly number[], training: readonly number[]): NormalCalibration {
  checkScores(heldOut, 'held-out');
  checkScores(training, 'training');
  if (heldOut.length > 0) {
    const stats = scoreStatistics(heldOut);
    const threshold = Math.max(withMargin(stats.max, HELD_OUT_MARGIN), stats.mean + STD_FACTOR * stats.std);
    return { heldOut: [...heldOut], training: [...training], threshold, rule: HELD_OUT_RULE, optimistic: false, stats };
  }
  if (training.length === 0) throw new Error('calibration: no scores');
  const stats = scoreStatistics(training);
  const threshold = Math.max(stats.mean + STD_FACTOR * stats.std, withMargin(stats.max, OPTIMISTIC_MARGIN));
  return { heldOut: [], training: [...training], threshold, rule: OPTIMISTIC_RULE, optimistic: true, stats };
}

/**
 * "Not the product this model knows": the median of an image's anomaly map (its level away from any
 * defect, under the model's default map settings) lies above the model's calibrated threshold — more than
 * half of the image scores higher than the hottest point of a normal image may. The image score (the map's
 * maximum) cannot tell this apart: on the shipped fabric model, holes score up to 1.07 (4.4× the
 * threshold 0.244), images of wood only 0.70–0.94. The median separates them by a wide margin (measured
 * on the generated test sets, median ÷ threshold): own product, good or defective, 0.31–0.45 (fabric and
 * wood models); the other product 1.96–2.25.
 */
export function outsideNormalRange(mapMedian: number, threshold: number): boolean {
  return Number.isFinite(threshold) && mapMedian > threshold;
}

/**
 * Photos added for teaching "are a new product" for the loaded model when most of them (more than half)
 * lie outside its normal range: then training should start from fresh weights, not adapt the model.
 */
export function isNewProduct(mapMedians: readonly number[], threshold: number): boolean {
  const outside = mapMedians.filter((m) => outsideNormalRange(m, threshold)).length;
  return mapMedians.length > 0 && outside * 2 > mapMedians.length;
}

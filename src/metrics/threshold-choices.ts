/**
 * Decision thresholds from labelled image scores, with the confusion matrix of each. The rule is the
 * app's verdict: an image is flagged (predicted defective) when its score is above the threshold.
 *
 *   f1           the threshold that maximises F1 of the defective class (ties: the lower threshold)
 *   noGoodFlagged the largest good score: no good image is flagged, as many defects as that allows are
 *   targetFpr    the lowest threshold that flags at most ⌊rate × #good⌋ good images
 */

export interface Confusion {
  threshold: number;
  /** Defective images flagged / passed, good images flagged / passed. */
  tp: number;
  fn: number;
  fp: number;
  tn: number;
  precision: number;
  recall: number;
  f1: number;
  fpr: number;
}

function check(scores: readonly number[], labels: readonly number[]): void {
  if (scores.length !== labels.length) throw new Error(`thresholds: ${scores.length} scores but ${labels.length} labels`);
  scores.forEach((s, i) => {
    if (!Number.isFinite(s)) throw new Error(`thresholds: score ${i + 1} is ${s}`);
  });
}

/** The confusion matrix of `threshold` (flagged = score > threshold). */
export function confusionAt(scores: readonly number[], labels: readonly number[], threshold: number): Confusion {
  check(scores, labels);
  let tp = 0;
  let fn = 0;
  let fp = 0;
  let tn = 0;
  scores.forEach((s, i) => {
    const flagged = s > threshold;
    if (labels[i]) {
      if (flagged) tp++;
      else fn++;
    } else if (flagged) fp++;
    else tn++;
  });
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { threshold, tp, fn, fp, tn, precision, recall, f1, fpr: fp + tn > 0 ? fp / (fp + tn) : 0 };
}

/** Candidate thresholds: every distinct score (a threshold at a score passes that score) and just below the lowest. */
function candidates(scores: readonly number[]): number[] {
  const distinct = [...new Set(scores)].sort((a, b) => a - b);
  if (distinct.length === 0) return [];
  const lo = distinct[0];
  return [lo - Math.max(1e-6, Math.abs(lo) * 1e-6), ...distinct];
}

export function f1Optimal(scores: readonly number[], labels: readonly number[]): Confusion {
  let best: Confusion | null = null;
  for (const t of candidates(scores)) {
    const c = confusionAt(scores, labels, t);
    if (!best || c.f1 > best.f1) best = c;
  }
  if (!best) throw new Error('thresholds: no scores');
  return best;
}

export function noGoodFlagged(scores: readonly number[], labels: readonly number[]): Confusion {
  const good = scores.filter((_, i) => !labels[i]);
  if (good.length === 0) throw new Error('thresholds: no good images');
  return confusionAt(scores, labels, Math.max(...good));
}

export function targetFpr(scores: readonly number[], labels: readonly number[], rate: number): Confusion {
  if (!(rate >= 0 && rate <= 1)) throw new Error(`thresholds: target false-positive rate must be in [0, 1], got ${rate}`);
  const good = scores.filter((_, i) => !labels[i]).sort((a, b) => b - a);
  if (good.length === 0) throw new Error('thresholds: no good images');
  const allowed = Math.floor(rate * good.length + 1e-9);
  if (allowed >= good.length) return confusionAt(scores, labels, candidates(scores)[0]);
  // Flagging stops at the (allowed+1)-th highest good score: at most `allowed` good images lie above it.
  return confusionAt(scores, labels, good[allowed]);
}

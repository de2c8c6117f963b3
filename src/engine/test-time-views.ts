/**
 * Test-time views: the image is inspected as it is and mirrored, each map is mirrored back onto the original
 * and the maps are averaged (a follow-up-literature idea that needs no extra data; the image score is the
 * maximum of the averaged map, as for one view). A defect shows up in every view at the same place, while the
 * student's reconstruction noise differs from view to view and partly averages out.
 *
 * It is an evaluation option, not the default: measured on the category test sets (README, ablation) it
 * helped where the product is mirror-symmetric in what matters (cookies) and cost image AUROC where mirroring
 * makes the normal part unusual (a screw's thread changes its hand). The cost is one inference per view, run as
 * one batch.
 */
import * as tf from '@tensorflow/tfjs';
import { disposeAnomalyMap, imageScores, type AnomalyMapResult } from './anomaly-map';
import type { ReverseDistillationPipeline } from './pipeline';

/** One view: mirror left–right and/or top–bottom (both = a 180° rotation). Each is its own inverse. */
interface View {
  lr: boolean;
  ud: boolean;
}

export const VIEW_SETS = {
  none: [{ lr: false, ud: false }],
  lr: [{ lr: false, ud: false }, { lr: true, ud: false }],
  rot180: [{ lr: false, ud: false }, { lr: true, ud: true }],
  flips: [{ lr: false, ud: false }, { lr: true, ud: false }, { lr: false, ud: true }, { lr: true, ud: true }],
} as const satisfies Record<string, readonly View[]>;

export type ViewSet = keyof typeof VIEW_SETS;
export const VIEW_SET_NAMES = Object.keys(VIEW_SETS) as ViewSet[];

/** Mirrors the spatial axes (1 = rows, 2 = columns) of an [N, H, W] or [N, H, W, C] tensor. */
function mirror<T extends tf.Tensor>(x: T, v: View): T {
  const axes = [...(v.ud ? [1] : []), ...(v.lr ? [2] : [])];
  return axes.length ? tf.reverse(x, axes) : x.clone();
}

/** Averages `maps`, a batch [V·N, …] whose first N rows are view 0, the next N view 1, …, each mirrored back. */
function meanOverViews(maps: tf.Tensor3D, views: readonly View[]): tf.Tensor3D {
  const parts = tf.split(maps, views.length, 0);
  return tf.mean(tf.stack(parts.map((p, i) => mirror(p, views[i]))), 0) as tf.Tensor3D;
}

/**
 * Like `pipeline.infer(x)`, over the views of `set`: per-scale maps and the fused map are the mean of the
 * views' maps, each mirrored back. 'none' is exactly `pipeline.infer`. The caller disposes the result.
 */
export function inferWithViews(pipeline: ReverseDistillationPipeline, x: tf.Tensor4D, set: ViewSet, sigma = pipeline.sigma): AnomalyMapResult {
  const views = VIEW_SETS[set];
  if (views.length === 1) return pipeline.infer(x, sigma);
  const batch = tf.tidy(() => tf.concat(views.map((v) => mirror(x, v)), 0));
  let r: AnomalyMapResult;
  try {
    r = pipeline.infer(batch, sigma);
  } finally {
    batch.dispose();
  }
  try {
    const scales = r.scales.map((s) => tf.tidy(() => meanOverViews(s, views)));
    const map = tf.tidy(() => meanOverViews(r.map, views));
    return { scales, map, scores: imageScores(map) };
  } finally {
    disposeAnomalyMap(r);
  }
}

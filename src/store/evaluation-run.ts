/**
 * One evaluation of a labelled folder with the active model: image by image, decode on the page, infer in
 * the worker (the store's one client), fuse and smooth the maps on the page exactly as the viewer does
 * (MapSmoother), then fold the smoothed map into the streaming pixel statistics and keep only the row:
 * score, label, regions. No map outlives its image, so memory stays bounded for any folder size.
 *
 * The CLI's rules (cli/eval.ts): image AUROC over every image; pixel AUROC and PRO over good images and
 * defective images with a mask (resized nearest to the map size when it differs); defective images
 * without a mask count for the image metrics only.
 */
import { binarizeChannels, resizeNearestMask } from '../data/image';
import type { MapView } from '../data/map-render';
import type { LabelledItem } from '../data/labelled-folder';
import type { Fusion } from '../engine/fusion';
import { auroc, PixelStatistics, rocCurve, type BoundedValue, type CurvePoints } from '../metrics';
import type { InferResult, PixelsMessage } from '../worker/protocol';
import { describeFailure, withName } from './failures';
import { mapRegionRows, type RegionRow } from './region-rows';
import type { InspectImage, ScaleSelection } from './types';

export interface EvalRow {
  path: string;
  defect: string;
  label: 0 | 1;
  score: number;
  /** Whether a ground-truth mask counted for the pixel metrics. */
  hasMask: boolean;
  /** Regions above the evaluation's threshold. */
  regions: RegionRow[];
}

export interface EvalSettings {
  modelId: string;
  modelTitle: string;
  scales: ScaleSelection;
  sigma: number;
  fusion: Fusion;
  /** The threshold in force when the evaluation ran (regions and the stored verdicts use it). */
  threshold: number;
}

export interface EvaluationResult {
  settings: EvalSettings;
  date: string;
  elapsedMs: number;
  rows: EvalRow[];
  /** Images that could not be read or inferred: skipped (not counted). */
  failures: { path: string; message: string }[];
  imageAuroc: number;
  imageRoc: CurvePoints;
  pixelAuroc: BoundedValue | null;
  pixelRoc: CurvePoints | null;
  pro: BoundedValue | null;
  proCurve: CurvePoints | null;
  nPixelImages: number;
  nAnomalousWithoutMask: number;
  /** What the pixel histograms held at the end, KiB. */
  histogramKiB: number;
}

export interface EvalFile {
  item: LabelledItem;
  image: Blob;
  mask: Blob | null;
}

export interface EvalDeps {
  decode(blob: Blob, name: string): Promise<InspectImage>;
  release?(image: InspectImage): void;
  /** The worker client's infer: the raw maps, and `views` smoothed there. */
  infer(pixels: PixelsMessage, views: readonly MapView[]): Promise<InferResult>;
  now(): number;
  yieldToUi(): Promise<void>;
  /** Checked between images: true ends the run (EvaluationCancelled). */
  cancelled(): boolean;
  onProgress(done: number, total: number): void;
}

export class EvaluationCancelled extends Error {
  override readonly name = 'EvaluationCancelled';
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

async function readMask(deps: EvalDeps, blob: Blob, name: string, size: number): Promise<Uint8Array> {
  const img = await deps.decode(blob, name);
  try {
    const { width, height, rgba } = img.pixels;
    const bits = binarizeChannels(rgba, width, height, 4, 3, 0);
    return width === size && height === size ? bits : resizeNearestMask(bits, width, height, size, size);
  } finally {
    deps.release?.(img);
  }
}

/** Runs the evaluation; throws EvaluationCancelled when `deps.cancelled()` turns true. */
export async function runEvaluation(files: readonly EvalFile[], settings: EvalSettings, deps: EvalDeps): Promise<EvaluationResult> {
  const t0 = deps.now();
  const stats = new PixelStatistics();
  const rows: EvalRow[] = [];
  const failures: EvaluationResult['failures'] = [];
  let withoutMask = 0;
  deps.onProgress(0, files.length);
  for (let k = 0; k < files.length; k++) {
    if (deps.cancelled()) throw new EvaluationCancelled('the evaluation was cancelled');
    const { item, image, mask } = files[k];
    try {
      const img = await deps.decode(image, baseName(item.path));
      const { originalWidth, originalHeight } = img;
      const pixels: PixelsMessage = { width: img.pixels.width, height: img.pixels.height, rgba: img.pixels.rgba.slice() };
      deps.release?.(img);
      const { maps, smoothed } = await deps.infer(pixels, [{ scales: settings.scales, sigma: settings.sigma, fusion: settings.fusion }]);
      const sm = smoothed[0];
      const size = maps.size;
      let hasMask = false;
      if (item.label === 0) {
        stats.add(sm.values, null, size, size);
      } else if (mask) {
        stats.add(sm.values, await readMask(deps, mask, baseName(item.maskPath ?? item.path), size), size, size);
        hasMask = true;
      } else {
        withoutMask++;
      }
      rows.push({ path: item.path, defect: item.defect, label: item.label, score: sm.score, hasMask, regions: mapRegionRows(sm.values, size, settings.threshold, originalWidth, originalHeight) });
    } catch (e) {
      failures.push({ path: item.path, message: withName(baseName(item.path), describeFailure(e).message) });
    }
    deps.onProgress(k + 1, files.length);
    await deps.yieldToUi();
  }
  const scores = rows.map((r) => r.score);
  const labels = rows.map((r) => r.label);
  if (!labels.includes(0) || !labels.includes(1)) throw new Error('the evaluated images need both good and defective ones for AUROC');
  const roc = rocCurve(scores, labels);
  const pixel = stats.regionCount > 0 ? stats.pixelAuroc() : null;
  const pro = stats.regionCount > 0 ? stats.pro(0.3) : null;
  return {
    settings,
    date: new Date().toISOString(),
    elapsedMs: deps.now() - t0,
    rows,
    failures,
    imageAuroc: auroc(scores, labels),
    imageRoc: { x: Array.from(roc.fpr), y: Array.from(roc.tpr) },
    pixelAuroc: pixel ? { value: pixel.value, errorBound: pixel.errorBound } : null,
    pixelRoc: pixel ? pixel.curve : null,
    pro: pro ? { value: pro.value, errorBound: pro.errorBound } : null,
    proCurve: pro ? pro.curve : null,
    nPixelImages: stats.imageCount,
    nAnomalousWithoutMask: withoutMask,
    histogramKiB: stats.kilobytes,
  };
}

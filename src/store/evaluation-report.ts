/**
 * What an evaluation shows and exports, computed once for the screen and the files: the per-defect table,
 * the threshold choices, the JSON report (with the keys of `npm run eval -- --json`: image_auroc,
 * pixel_auroc, pro, n_images, …) and the per-image CSV. Pure: the UI only renders and downloads these.
 */
import { auroc, confusionAt, f1Optimal, noGoodFlagged, targetFpr, type Confusion } from '../metrics';
import type { EvalRow, EvaluationResult } from './evaluation-run';
import { regionText } from './region-rows';
import { scoreVerdict } from './selectors';

export interface DefectRow {
  defect: string;
  count: number;
  /** This kind's images against all good images (null for 'good'). */
  imageAuroc: number | null;
  /** Share of the kind's images passed (not flagged) at the threshold, 0..1. */
  passed: number;
}

export type ThresholdChoiceId = 'current' | 'f1' | 'no-good-flagged' | 'target-fpr';

export interface ThresholdChoice {
  id: ThresholdChoiceId;
  label: string;
  confusion: Confusion;
}

export function defectTable(result: EvaluationResult, threshold: number): DefectRow[] {
  const good = result.rows.filter((r) => r.label === 0);
  const kinds = ['good', ...[...new Set(result.rows.filter((r) => r.label === 1).map((r) => r.defect))].sort()];
  return kinds.map((defect) => {
    const rows = result.rows.filter((r) => r.defect === defect);
    const passed = rows.filter((r) => scoreVerdict(r.score, threshold) === 'ok').length / Math.max(1, rows.length);
    const imageAuroc = defect === 'good' || good.length === 0 ? null : auroc([...good, ...rows].map((r) => r.score), [...good, ...rows].map((r) => r.label));
    return { defect, count: rows.length, imageAuroc, passed };
  });
}

/** The four thresholds of the Evaluate tab, each with its confusion matrix on the evaluated images. */
export function thresholdChoices(result: EvaluationResult, current: number, fprTarget: number): ThresholdChoice[] {
  const scores = result.rows.map((r) => r.score);
  const labels = result.rows.map((r) => r.label);
  return [
    { id: 'current', label: 'Current threshold', confusion: confusionAt(scores, labels, current) },
    { id: 'f1', label: 'F1-optimal', confusion: f1Optimal(scores, labels) },
    { id: 'no-good-flagged', label: 'No good image flagged', confusion: noGoodFlagged(scores, labels) },
    { id: 'target-fpr', label: `False-positive rate ≤ ${(100 * fprTarget).toFixed(1)} %`, confusion: targetFpr(scores, labels, fprTarget) },
  ];
}

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(fields: readonly (string | number)[]): string {
  return fields.map(csvField).join(',');
}

/** Per image: path, defect, label, score, verdict at `threshold`, mask used, regions (count and text). */
export function evaluationCsv(result: EvaluationResult, threshold: number): string {
  const lines = [csvLine(['path', 'defect', 'label', 'score', 'verdict', 'threshold', 'mask', 'regions', 'region_list'])];
  for (const r of result.rows) {
    lines.push(csvLine([r.path, r.defect, r.label, r.score, scoreVerdict(r.score, threshold), threshold, r.hasMask ? 1 : 0, r.regions.length, regionText(r.regions)]));
  }
  return lines.join('\n') + '\n';
}

export function scalesList(sel: readonly boolean[]): number[] {
  return sel.flatMap((on, k) => (on ? [k + 1] : []));
}

/** The JSON report: the CLI's keys first, then everything the tab shows, and the per-image rows. */
export function evaluationJson(result: EvaluationResult, threshold: number, fprTarget: number) {
  const { settings } = result;
  const rows: EvalRow[] = result.rows;
  return {
    image_auroc: result.imageAuroc,
    pixel_auroc: result.pixelAuroc?.value ?? null,
    pro: result.pro?.value ?? null,
    n_images: rows.length,
    n_good: rows.filter((r) => r.label === 0).length,
    n_anomalous: rows.filter((r) => r.label === 1).length,
    n_pixel_images: result.nPixelImages,
    n_anomalous_without_mask: result.nAnomalousWithoutMask,
    pixel_auroc_error_bound: result.pixelAuroc?.errorBound ?? null,
    pro_error_bound: result.pro?.errorBound ?? null,
    histogram_kib: result.histogramKiB,
    model: settings.modelTitle,
    model_id: settings.modelId,
    sigma: settings.sigma,
    scales: scalesList(settings.scales),
    fusion: settings.fusion,
    threshold,
    evaluated_threshold: settings.threshold,
    date: result.date,
    elapsed_ms: result.elapsedMs,
    failures: result.failures,
    defects: defectTable(result, threshold),
    thresholds: thresholdChoices(result, threshold, fprTarget).map((c) => ({ id: c.id, label: c.label, ...c.confusion })),
    curves: { image_roc: result.imageRoc, pixel_roc: result.pixelRoc, pro: result.proCurve },
    images: rows.map((r) => ({ ...r, verdict: scoreVerdict(r.score, threshold) })),
  };
}

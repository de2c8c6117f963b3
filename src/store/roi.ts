/**
 * The region of interest of the live camera: which part of the frame goes to the model, as pure
 * geometry, and its per-model persistence (a reload keeps each model's ROI).
 */
import type { CropRect, Roi, SettingsStore } from './camera-types';

/** A drag smaller than this share of the frame (either side) is taken as a click, not an ROI. */
export const MIN_ROI_FRACTION = 0.02;

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/** A valid ROI inside the frame, or null (not finite, or too small to be meant). */
export function normalizeRoi(r: Roi | null | undefined): Roi | null {
  if (!r || ![r.x, r.y, r.width, r.height].every(Number.isFinite)) return null;
  // Already inside the frame: kept exactly (a saved ROI reads back as it was written).
  const inside = r.x >= 0 && r.y >= 0 && r.width >= MIN_ROI_FRACTION && r.height >= MIN_ROI_FRACTION && r.x + r.width <= 1 && r.y + r.height <= 1;
  if (inside) return { x: r.x, y: r.y, width: r.width, height: r.height };
  const x0 = clamp01(Math.min(r.x, r.x + r.width));
  const y0 = clamp01(Math.min(r.y, r.y + r.height));
  const x1 = clamp01(Math.max(r.x, r.x + r.width));
  const y1 = clamp01(Math.max(r.y, r.y + r.height));
  if (x1 - x0 < MIN_ROI_FRACTION || y1 - y0 < MIN_ROI_FRACTION) return null;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * The crop of a width×height frame that goes to the model. With an ROI: the ROI (at least 1 px), which
 * the resize then stretches to the model's square input like any image. Without: the largest centred
 * rectangle of the model's aspect (width / height), so the part in the middle of the picture is not
 * squeezed.
 */
export function cropFor(width: number, height: number, roi: Roi | null, aspect = 1): CropRect {
  if (width <= 0 || height <= 0) return { x: 0, y: 0, width: 0, height: 0 };
  if (roi) {
    const x = Math.min(width - 1, Math.round(roi.x * width));
    const y = Math.min(height - 1, Math.round(roi.y * height));
    const w = Math.max(1, Math.min(width - x, Math.round(roi.width * width)));
    const h = Math.max(1, Math.min(height - y, Math.round(roi.height * height)));
    return { x, y, width: w, height: h };
  }
  let w = width;
  let h = Math.round(width / aspect);
  if (h > height) {
    h = height;
    w = Math.min(width, Math.round(height * aspect));
  }
  return { x: Math.floor((width - w) / 2), y: Math.floor((height - h) / 2), width: w, height: h };
}

const roiKey = (modelId: string) => `rd-inspector.camera-roi.${modelId}`;

/** The saved ROI of a model (null: none, or unreadable). */
export function loadRoi(settings: SettingsStore | undefined, modelId: string): Roi | null {
  try {
    const raw = settings?.get(roiKey(modelId));
    return raw ? normalizeRoi(JSON.parse(raw) as Roi) : null;
  } catch {
    return null;
  }
}

/** Saves (or, with null, forgets) a model's ROI; storage failures only cost the persistence. */
export function saveRoi(settings: SettingsStore | undefined, modelId: string, roi: Roi | null): void {
  try {
    if (roi) settings?.set(roiKey(modelId), JSON.stringify(roi));
    else settings?.remove(roiKey(modelId));
  } catch {
    // Private mode or a full quota: the ROI still applies for this session.
  }
}

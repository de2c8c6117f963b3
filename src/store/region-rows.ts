/**
 * Defect regions as the viewer lists them and the reports write them: in the image's own pixels. A
 * region is found on the size×size map (src/metrics/regions.ts); its area and box are scaled to the
 * image's original size (the worker resized the whole image to the map's size).
 */
import { defectRegions, type RegionMap } from '../metrics';

export interface RegionRow {
  areaPx: number;
  /** Share of the image, %. */
  areaPct: number;
  /** Bounding box in image pixels, inclusive. */
  box: { x0: number; y0: number; x1: number; y1: number };
  peak: number;
}

export function regionRowsOf(rm: RegionMap, width: number, height: number): RegionRow[] {
  const sx = width / rm.width;
  const sy = height / rm.height;
  return rm.regions.map((r) => ({
    areaPx: Math.round(r.area * sx * sy),
    areaPct: (100 * r.area) / (rm.width * rm.height),
    box: { x0: Math.floor(r.x0 * sx), y0: Math.floor(r.y0 * sy), x1: Math.ceil((r.x1 + 1) * sx) - 1, y1: Math.ceil((r.y1 + 1) * sy) - 1 },
    peak: r.peak,
  }));
}

/** Regions of a size×size map above `threshold`, in the pixels of a width×height image. */
export function mapRegionRows(values: Float32Array, size: number, threshold: number, width: number, height: number): RegionRow[] {
  return regionRowsOf(defectRegions(values, size, size, threshold), width, height);
}

/** "812 px (1.24 %) at 40,52–71,90, peak 0.5123" per region, joined by "; " (CSV and reports). */
export function regionText(regions: readonly RegionRow[]): string {
  return regions.map((g) => `${g.areaPx}px ${g.areaPct.toFixed(2)}% [${g.box.x0},${g.box.y0},${g.box.x1},${g.box.y1}] peak ${g.peak.toFixed(4)}`).join('; ');
}

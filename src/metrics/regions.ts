/**
 * Defect regions of one anomaly map: the connected areas (8-connectivity, as PRO's ground-truth regions)
 * of the pixels whose score is above the threshold — the verdict's rule (score > threshold) per pixel.
 * Each region has its area, bounding box and peak; the label image lets a viewer outline them.
 */
import { labelConnectedComponents } from './connected-components.ts';

export interface Region {
  /** Pixels of the map above the threshold in this region. */
  area: number;
  /** Bounding box in map pixels, inclusive: x0 ≤ x ≤ x1, y0 ≤ y ≤ y1. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Highest score in the region and where it is (map pixels). */
  peak: number;
  peakX: number;
  peakY: number;
}

export interface RegionMap {
  width: number;
  height: number;
  /** Largest area first (ties: raster order of the region's first pixel). */
  regions: Region[];
  /** Per pixel: 0 outside, else 1 + the index of its region in `regions`. */
  labels: Int32Array;
}

/** Regions of `map` (row-major width×height) above `threshold`. */
export function defectRegions(map: Float32Array, width: number, height: number, threshold: number): RegionMap {
  const n = width * height;
  if (map.length !== n) throw new Error(`defectRegions: map has ${map.length} values, expected ${width}×${height}`);
  const above = new Uint8Array(n);
  for (let i = 0; i < n; i++) above[i] = map[i] > threshold ? 1 : 0;
  const cc = labelConnectedComponents(above, width, height, 8);
  const found: Region[] = [];
  for (let r = 1; r <= cc.count; r++) found.push({ area: cc.sizes[r], x0: width, y0: height, x1: -1, y1: -1, peak: -Infinity, peakX: 0, peakY: 0 });
  for (let i = 0; i < n; i++) {
    const l = cc.labels[i];
    if (l === 0) continue;
    const g = found[l - 1];
    const y = (i / width) | 0;
    const x = i - y * width;
    if (x < g.x0) g.x0 = x;
    if (x > g.x1) g.x1 = x;
    if (y < g.y0) g.y0 = y;
    if (y > g.y1) g.y1 = y;
    if (map[i] > g.peak) {
      g.peak = map[i];
      g.peakX = x;
      g.peakY = y;
    }
  }
  const order = found.map((_, k) => k).sort((a, b) => found[b].area - found[a].area || a - b);
  const rank = new Int32Array(found.length + 1);
  order.forEach((k, i) => (rank[k + 1] = i + 1));
  const labels = cc.labels;
  for (let i = 0; i < n; i++) if (labels[i] !== 0) labels[i] = rank[labels[i]];
  return { width, height, regions: order.map((k) => found[k]), labels };
}

/** Region pixels with a 4-neighbour outside their region (or at the map's edge): the outline to draw. */
export function regionOutline(rm: RegionMap): Uint8Array {
  const { width, height, labels } = rm;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const l = labels[i];
      if (l === 0) continue;
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1 || labels[i - 1] !== l || labels[i + 1] !== l || labels[i - width] !== l || labels[i + width] !== l) out[i] = 1;
    }
  }
  return out;
}

/**
 * How much the product moves between a set of photos of it — the "placement spread" the Teach panel
 * uses to decide whether to augment with shifts and flips.
 *
 * Each photo is reduced to a small gray thumbnail (area means, squashed to a square as the model input
 * is). Of the total gray-level variance of all thumbnails, the share that lies *across photos at the same
 * position* is the spread: near 0 when every photo shows the part at the same place (a fixture: only the
 * part's own pattern varies, and it varies over positions), towards 1 when what lies at a position
 * changes from photo to photo (hand-held shots, parts in any pose). Pure TS, no DOM.
 */

/** Side of the gray thumbnails: coarse enough that sensor noise and fine texture average out. */
export const PLACEMENT_THUMB_SIDE = 32;

export interface RgbaPixels {
  width: number;
  height: number;
  /** width × height × 4 bytes, RGBA. */
  rgba: ArrayLike<number>;
}

/** Rec. 601 luma (0–1) of the RGBA pixel at byte offset i. */
function luma(rgba: ArrayLike<number>, i: number): number {
  return (0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2]) / 255;
}

/**
 * The side × side gray thumbnail of an image: each cell the mean luma (Rec. 601, 0–1) of the pixels whose
 * centre falls in it. Every cell gets at least its nearest pixel, so images smaller than the grid work.
 */
export function grayThumbnail(p: RgbaPixels, side = PLACEMENT_THUMB_SIDE): Float32Array {
  const { width, height, rgba } = p;
  if (!(width >= 1 && height >= 1) || rgba.length !== width * height * 4) throw new Error(`grayThumbnail: ${width}×${height} image with ${rgba.length} bytes`);
  const sum = new Float64Array(side * side);
  const count = new Uint32Array(side * side);
  for (let y = 0; y < height; y++) {
    const cy = Math.min(side - 1, Math.floor(((y + 0.5) * side) / height));
    for (let x = 0; x < width; x++) {
      const cx = Math.min(side - 1, Math.floor(((x + 0.5) * side) / width));
      sum[cy * side + cx] += luma(rgba, (y * width + x) * 4);
      count[cy * side + cx]++;
    }
  }
  const out = new Float32Array(side * side);
  for (let cy = 0; cy < side; cy++) {
    for (let cx = 0; cx < side; cx++) {
      const c = cy * side + cx;
      if (count[c] > 0) {
        out[c] = sum[c] / count[c];
      } else {
        // Upscaling: the nearest source pixel.
        const x = Math.min(width - 1, Math.floor(((cx + 0.5) * width) / side));
        const y = Math.min(height - 1, Math.floor(((cy + 0.5) * height) / side));
        out[c] = luma(rgba, (y * width + x) * 4);
      }
    }
  }
  return out;
}

/**
 * The placement spread of equally sized thumbnails: Σ over positions of the variance across photos,
 * divided by the total variance of all values (0 when everything is one flat gray). Null for fewer than
 * two photos: nothing can be said about movement from one.
 */
export function placementSpread(thumbs: readonly Float32Array[]): number | null {
  if (thumbs.length < 2) return null;
  const n = thumbs[0].length;
  if (thumbs.some((t) => t.length !== n)) throw new Error('placementSpread: thumbnails of different sizes');
  const k = thumbs.length;
  let grand = 0;
  const mean = new Float64Array(n);
  for (const t of thumbs) for (let p = 0; p < n; p++) mean[p] += t[p] / k;
  for (let p = 0; p < n; p++) grand += mean[p] / n;
  let within = 0;
  let total = 0;
  for (const t of thumbs) {
    for (let p = 0; p < n; p++) {
      within += (t[p] - mean[p]) ** 2;
      total += (t[p] - grand) ** 2;
    }
  }
  return total > 0 ? within / total : 0;
}

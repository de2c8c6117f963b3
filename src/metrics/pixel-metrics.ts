/**
 * The exact pixel metrics of a test set, as `npm run eval` reports them: pixel AUROC over every pixel of
 * every map pooled, and PRO (pro.ts) over the same maps and masks. The browser's Evaluate tab streams
 * the same two instead (pixel-histogram.ts); this is the reference it is held against.
 */
import { auroc } from './auroc.ts';
import { perRegionOverlap } from './pro.ts';

/** maps[i] and masks[i]: size×size, row-major; a mask pixel ≠ 0 is anomalous. Needs at least one anomalous pixel. */
export function pooledPixelMetrics(maps: Float32Array[], masks: Uint8Array[], size: number): { pixelAuroc: number; pro: number } {
  const n = size * size;
  const scores = new Float32Array(maps.length * n);
  const labels = new Uint8Array(maps.length * n);
  maps.forEach((m, i) => {
    scores.set(m, i * n);
    labels.set(masks[i], i * n);
  });
  return { pixelAuroc: auroc(scores, labels), pro: perRegionOverlap(maps, masks, size, size).pro };
}

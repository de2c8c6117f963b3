import { describe, expect, it } from 'vitest';
import { perRegionOverlap } from './pro';
import { pooledPixelMetrics } from './pixel-metrics';

describe('pooledPixelMetrics', () => {
  it('pools every pixel of every map for pixel AUROC and hands the same maps to PRO', () => {
    // One anomalous pixel (0.25); of the 7 normal pixels, 0.3 and 0.8 score above it: AUROC = 5/7.
    const maps = [Float32Array.from([0.25, 0.1, 0.2, 0.3]), Float32Array.from([0.1, 0.2, 0.8, 0.05])];
    const masks = [Uint8Array.from([1, 0, 0, 0]), Uint8Array.from([0, 0, 0, 0])];
    const r = pooledPixelMetrics(maps, masks, 2);
    expect(r.pixelAuroc).toBeCloseTo(5 / 7, 12);
    expect(r.pro).toBe(perRegionOverlap(maps, masks, 2, 2).pro);
  });
});

/**
 * The viewer: the selected image's map, fused and smoothed for the current settings and coloured once,
 * handed to its controls (ViewerControls), canvas (ViewerStage) and readout (ViewerReadout). Re-smoothing for a new σ / scale selection happens here on the main thread through the
 * image's MapSmoother (cached; ~10 ms at 256², σ 8) — the worker is not involved.
 */
import { useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { defectRegions } from '../metrics';
import { fusionOf, regionRowsOf, scoreKey, selectSelectedItem } from '../store';
import { createCursorChannel } from './CursorValue';
import { heatCanvas } from './heatmap-draw';
import { RegionList } from './RegionList';
import { outlineCanvas } from './regions-draw';
import { useInspector } from './store-context';
import { colorRange } from './view-math';
import { ViewerControls } from './ViewerControls';
import { ViewerReadout } from './ViewerReadout';
import { ViewerStage } from './ViewerStage';
import { NotYourProduct } from './NotYourProduct';

export function Viewer({ onTeach }: { onTeach: () => void }) {
  const item = useInspector(selectSelectedItem);
  const v = useInspector(
    useShallow((s) => ({
      scales: s.scales,
      sigma: s.sigma,
      opacity: s.opacity,
      colormap: s.colormap,
      mode: s.mode,
      zoom: s.zoom,
      threshold: s.threshold,
      meta: s.meta,
      modelStatus: s.modelStatus,
    })),
  );
  const fusion = fusionOf(v.meta);
  const smoother = item?.smoother ?? null;
  const [cursor] = useState(createCursorChannel);

  const smoothed = useMemo(() => {
    if (!smoother) return null;
    const t0 = performance.now();
    const map = smoother.smooth(v.scales, v.sigma, fusion);
    return { map, ms: performance.now() - t0 };
  }, [smoother, v.scales, v.sigma, fusion]);

  // The store usually smoothed this already (in the σ / scale action or after inference) and the cache
  // answered: report what the smoothing cost when it was done.
  const key = scoreKey(v.scales, v.sigma, fusion);
  const smoothMs = smoothed ? (smoothed.ms < 0.05 && item && item.scoreKey === key ? item.smoothMs : smoothed.ms) : 0;
  const [lo, hi] = colorRange(v.threshold, smoothed ? smoothed.map.max : Number.NaN);
  const range = useMemo<[number, number]>(() => [lo, hi], [lo, hi]);

  const heat = useMemo(() => {
    if (!smoothed) return null;
    const t0 = performance.now();
    const canvas = heatCanvas(smoothed.map, range, v.colormap);
    return { canvas, ms: performance.now() - t0 };
  }, [smoothed, range, v.colormap]);

  // Defect regions: connected areas of the smoothed map above the threshold, outlined and listed.
  const image = item?.image ?? null;
  const regions = useMemo(() => {
    if (!smoothed || !image) return null;
    const rm = defectRegions(smoothed.map.values, smoothed.map.size, smoothed.map.size, v.threshold);
    return { rows: regionRowsOf(rm, image.originalWidth, image.originalHeight), outline: rm.regions.length > 0 ? outlineCanvas(rm) : null };
  }, [smoothed, image, v.threshold]);

  return (
    <section data-testid="viewer" className="viewer" aria-label="Viewer">
      <ViewerControls />
      <ViewerStage
        item={item}
        smoothed={smoothed?.map ?? null}
        heat={heat}
        smoothMs={smoothMs}
        modelStatus={v.modelStatus}
        outline={regions?.outline ?? null}
        onCursor={cursor.set}
      />
      <NotYourProduct onTeach={onTeach} />
      <ViewerReadout item={item} smoothed={smoothed?.map ?? null} heat={heat?.canvas ?? null} range={range} meta={v.meta} cursor={cursor} />
      <RegionList regions={regions?.rows ?? null} threshold={v.threshold} />
    </section>
  );
}

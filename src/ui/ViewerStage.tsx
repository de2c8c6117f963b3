/**
 * The viewer's canvas: the image with its heatmap (overlay or side by side) at fit or 1:1, its
 * placeholders, and the pointer position as a map value for the cursor readout.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, type PointerEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { mapValueAt, type SmoothedMap } from '../data/map-render';
import type { ImageItem } from '../store';
import type { CursorInfo } from './CursorValue';
import { drawView } from './heatmap-draw';
import { drawOutlines } from './regions-draw';
import { useInspector } from './store-context';
import { useElementSize } from './use-element-size';
import { contentSize, displaySize, hotSpot, pointerToImage, type Size } from './view-math';

interface ViewerStageProps {
  item: ImageItem | null;
  smoothed: SmoothedMap | null;
  heat: { canvas: HTMLCanvasElement; ms: number } | null;
  smoothMs: number;
  modelStatus: string;
  /** Outlines of the defect regions (map-size canvas), drawn over the view. */
  outline: HTMLCanvasElement | null;
  onCursor: (c: CursorInfo) => void;
}

export function ViewerStage({ item, smoothed, heat, smoothMs, modelStatus, outline, onCursor }: ViewerStageProps) {
  const { mode, zoom, opacity, listed } = useInspector(
    useShallow((s) => ({ mode: s.mode, zoom: s.zoom, opacity: s.opacity, listed: s.items.length })),
  );
  const [stageRef, stageSize] = useElementSize<HTMLDivElement>();
  const canvasRef = useRef<HTMLCanvasElement>(null);

  const image = item?.image ?? null;
  const imgSize = useMemo<Size | null>(() => (image ? { width: image.width, height: image.height } : null), [image]);
  const content = useMemo(() => (imgSize ? contentSize(imgSize, mode) : null), [imgSize, mode]);
  const display = content ? displaySize(content, stageSize, zoom) : null;

  useLayoutEffect(() => {
    const c = canvasRef.current;
    if (!c || !content || !imgSize) return;
    const t0 = performance.now();
    if (c.width !== content.width) c.width = content.width;
    if (c.height !== content.height) c.height = content.height;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    drawView(ctx, image?.bitmap ?? null, heat?.canvas ?? null, imgSize, mode, opacity);
    if (outline) drawOutlines(ctx, outline, imgSize, mode);
    if (heat) c.dataset.renderMs = (smoothMs + heat.ms + (performance.now() - t0)).toFixed(2);
    else delete c.dataset.renderMs;
  }, [image, heat, outline, content, imgSize, mode, opacity, smoothMs]);

  useEffect(() => onCursor(null), [item?.id, onCursor]);

  const onPointerMove = (e: PointerEvent<HTMLCanvasElement>) => {
    if (!imgSize || !display || !smoothed || !image) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const p = pointerToImage(e.clientX - rect.left, e.clientY - rect.top, { width: rect.width, height: rect.height }, imgSize, mode);
    if (!p) {
      onCursor(null);
      return;
    }
    const value = mapValueAt(smoothed, p.fx, p.fy);
    onCursor({ x: Math.floor(p.fx * image.originalWidth), y: Math.floor(p.fy * image.originalHeight), value });
  };

  let placeholder: string | null = null;
  // With images listed but none selected yet (the first of a batch is still being read) there is no "drop" to ask for.
  if (!item && listed > 0) placeholder = 'Reading the images: the first one shows here as soon as it is decoded. Or select one in the list.';
  else if (!item) placeholder = modelStatus === 'ready' ? 'Drop an image, paste one, or pick a sample to start.' : 'No image selected.';
  else if (item.status === 'error') placeholder = item.error ?? 'This image could not be inspected.';

  const hot = smoothed ? hotSpot(smoothed.argmax, smoothed.size) : null;

  return (
    <div
      ref={stageRef}
      className={`stage ${zoom === 'fit' ? 'stage-fit' : 'stage-actual'}`}
      tabIndex={zoom === '1:1' && item ? 0 : undefined}
      role={zoom === '1:1' && item ? 'region' : undefined}
      aria-label={zoom === '1:1' && item ? 'Image at 1:1, scrollable' : undefined}
    >
      {placeholder !== null || !image || !display ? (
        <p className="stage-placeholder">{placeholder ?? (item ? 'Decoding…' : '')}</p>
      ) : (
        <canvas
          ref={canvasRef}
          data-testid="overlay-canvas"
          className="overlay-canvas"
          style={{ width: display.width, height: display.height }}
          data-score={smoothed ? smoothed.score.toFixed(6) : undefined}
          data-hot-x={hot ? hot.fx.toFixed(6) : undefined}
          data-hot-y={hot ? hot.fy.toFixed(6) : undefined}
          data-mode={mode}
          role="img"
          aria-label={
            smoothed
              ? `${item?.name}: ${mode === 'overlay' ? 'anomaly map over the image' : 'image and anomaly map side by side'}, score ${smoothed.score.toFixed(4)}`
              : `${item?.name}: waiting for the anomaly map`
          }
          onPointerMove={onPointerMove}
          onPointerLeave={() => onCursor(null)}
        />
      )}
      {item && !smoothed && item.status !== 'error' && image && <p className="stage-busy">{item.status === 'running' ? 'Inferring…' : 'Queued for inference…'}</p>}
    </div>
  );
}

/**
 * The selected image with its anomaly map (overlay or side by side), the map controls (scales, σ,
 * colormap, opacity, zoom), the score, threshold and verdict, the colorbar, the value under the cursor and
 * the PNG exports. Re-smoothing for a new σ / scale selection happens here on the main thread through the
 * image's MapSmoother (cached; ~10 ms at 256², σ 8) — the worker is not involved.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore, type PointerEvent, type RefObject } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { COLORMAP_NAMES, type ColormapName } from '../data/colormap';
import { mapValueAt, type SmoothedMap } from '../data/map-render';
import { fusionOf, scalesFromMeta, scoreKey, selectSelectedItem, SIGMA_MAX, SIGMA_MIN, SIGMA_STEP, type ImageItem, type ModelMeta, type ScaleSelection } from '../store';
import { Colorbar } from './Colorbar';
import { drawView, exportPng, heatCanvas } from './heatmap-draw';
import { useInspector } from './store-context';
import { colorRange, contentSize, displaySize, formatValue, hotSpot, pointerToImage, type Size } from './view-math';

const SCALE_INFO = ['stride 4 (fine detail)', 'stride 8', 'stride 16 (coarse)'];

function now(): number {
  return performance.now();
}

/** Width and height of an element's content box, kept up to date. */
function useElementSize<T extends HTMLElement>(): [RefObject<T | null>, Size] {
  const ref = useRef<T>(null);
  const [size, setSize] = useState<Size>({ width: 0, height: 0 });
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      const cs = getComputedStyle(el);
      const w = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
      const h = el.clientHeight - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom);
      setSize((s) => (s.width === w && s.height === h ? s : { width: w, height: h }));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, size];
}

function scalesLabel(sel: ScaleSelection): string {
  return sel
    .map((on, k) => (on ? `M${k + 1}` : ''))
    .filter(Boolean)
    .join('+');
}

export function Viewer() {
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
    const t0 = now();
    const map = smoother.smooth(v.scales, v.sigma, fusion);
    return { map, ms: now() - t0 };
  }, [smoother, v.scales, v.sigma, fusion]);

  // The store usually smoothed this already (in the σ / scale action or after inference) and the cache
  // answered: report what the smoothing cost when it was done.
  const key = scoreKey(v.scales, v.sigma, fusion);
  const smoothMs = smoothed ? (smoothed.ms < 0.05 && item && item.scoreKey === key ? item.smoothMs : smoothed.ms) : 0;
  const [lo, hi] = colorRange(v.threshold, smoothed ? smoothed.map.max : Number.NaN);
  const range = useMemo<[number, number]>(() => [lo, hi], [lo, hi]);

  const heat = useMemo(() => {
    if (!smoothed) return null;
    const t0 = now();
    const canvas = heatCanvas(smoothed.map, range, v.colormap);
    return { canvas, ms: now() - t0 };
  }, [smoothed, range, v.colormap]);

  return (
    <section data-testid="viewer" className="viewer" aria-label="Viewer">
      <ViewerControls />
      <Stage
        item={item}
        smoothed={smoothed?.map ?? null}
        heat={heat}
        smoothMs={smoothMs}
        modelStatus={v.modelStatus}
        onCursor={cursor.set}
      />
      <Readout item={item} smoothed={smoothed?.map ?? null} heat={heat?.canvas ?? null} range={range} meta={v.meta} cursor={cursor} />
    </section>
  );
}

function ViewerControls() {
  const s = useInspector(
    useShallow((st) => ({
      mode: st.mode,
      zoom: st.zoom,
      colormap: st.colormap,
      opacity: st.opacity,
      scales: st.scales,
      sigma: st.sigma,
      setMode: st.setMode,
      setZoom: st.setZoom,
      setColormap: st.setColormap,
      setOpacity: st.setOpacity,
      toggleScale: st.toggleScale,
      setSigma: st.setSigma,
    })),
  );
  const [scaleHint, setScaleHint] = useState(false);
  useEffect(() => {
    if (!scaleHint) return;
    const t = setTimeout(() => setScaleHint(false), 2500);
    return () => clearTimeout(t);
  }, [scaleHint]);

  return (
    <div className="viewer-controls">
      <fieldset className="control-group">
        <legend>View</legend>
        <label className="choice">
          <input type="radio" name="view-mode" data-testid="mode-overlay" checked={s.mode === 'overlay'} onChange={() => s.setMode('overlay')} />
          Overlay
        </label>
        <label className="choice">
          <input
            type="radio"
            name="view-mode"
            data-testid="mode-side-by-side"
            checked={s.mode === 'side-by-side'}
            onChange={() => s.setMode('side-by-side')}
          />
          Side by side
        </label>
      </fieldset>

      <div className="control-group" role="group" aria-label="Zoom">
        <span className="group-label" aria-hidden="true">
          Zoom
        </span>
        <button type="button" className="button button-small" data-testid="zoom-fit" aria-pressed={s.zoom === 'fit'} onClick={() => s.setZoom('fit')}>
          Fit
        </button>
        <button type="button" className="button button-small" data-testid="zoom-1to1" aria-pressed={s.zoom === '1:1'} onClick={() => s.setZoom('1:1')}>
          1:1
        </button>
      </div>

      <div className="control-group">
        <label htmlFor="colormap-select" className="group-label">
          Colormap
        </label>
        <select id="colormap-select" data-testid="colormap-select" value={s.colormap} onChange={(e) => s.setColormap(e.target.value as ColormapName)}>
          {COLORMAP_NAMES.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </div>

      <div className="control-group">
        <label htmlFor="opacity-slider" className="group-label">
          Opacity
        </label>
        <input
          id="opacity-slider"
          data-testid="opacity-slider"
          type="range"
          min={0}
          max={1}
          step={0.05}
          value={s.opacity}
          aria-valuetext={`${Math.round(s.opacity * 100)} %`}
          onChange={(e) => s.setOpacity(e.target.valueAsNumber)}
        />
        <output htmlFor="opacity-slider" className="value">
          {Math.round(s.opacity * 100)}%
        </output>
      </div>

      <fieldset className="control-group">
        <legend>Scales</legend>
        {[0, 1, 2].map((k) => (
          <label key={k} className="choice" title={SCALE_INFO[k]}>
            <input
              type="checkbox"
              data-testid={`toggle-m${k + 1}`}
              checked={s.scales[k]}
              aria-describedby={scaleHint ? 'scale-hint' : undefined}
              onChange={() => {
                if (!s.toggleScale(k)) setScaleHint(true);
              }}
            />
            M{k + 1}
          </label>
        ))}
        <span id="scale-hint" className="hint" role="status">
          {scaleHint ? 'At least one scale stays on.' : ''}
        </span>
      </fieldset>

      <div className="control-group">
        <label htmlFor="sigma-slider" className="group-label">
          Smoothing σ
        </label>
        <input
          id="sigma-slider"
          data-testid="sigma-slider"
          type="range"
          min={SIGMA_MIN}
          max={SIGMA_MAX}
          step={SIGMA_STEP}
          value={s.sigma}
          onChange={(e) => s.setSigma(e.target.valueAsNumber)}
        />
        <output htmlFor="sigma-slider" className="value">
          {s.sigma.toFixed(2)}
        </output>
      </div>
    </div>
  );
}

interface StageProps {
  item: ImageItem | null;
  smoothed: SmoothedMap | null;
  heat: { canvas: HTMLCanvasElement; ms: number } | null;
  smoothMs: number;
  modelStatus: string;
  onCursor: (c: CursorInfo) => void;
}

function Stage({ item, smoothed, heat, smoothMs, modelStatus, onCursor }: StageProps) {
  const { mode, zoom, opacity } = useInspector(useShallow((s) => ({ mode: s.mode, zoom: s.zoom, opacity: s.opacity })));
  const [stageRef, stageSize] = useElementSize<HTMLDivElement>();
  const canvasRef = useRef<HTMLCanvasElement>(null);

  const image = item?.image ?? null;
  const imgSize = useMemo<Size | null>(() => (image ? { width: image.width, height: image.height } : null), [image]);
  const content = useMemo(() => (imgSize ? contentSize(imgSize, mode) : null), [imgSize, mode]);
  const display = content ? displaySize(content, stageSize, zoom) : null;

  useLayoutEffect(() => {
    const c = canvasRef.current;
    if (!c || !content || !imgSize) return;
    const t0 = now();
    if (c.width !== content.width) c.width = content.width;
    if (c.height !== content.height) c.height = content.height;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    drawView(ctx, image?.bitmap ?? null, heat?.canvas ?? null, imgSize, mode, opacity);
    if (heat) c.dataset.renderMs = (smoothMs + heat.ms + (now() - t0)).toFixed(2);
    else delete c.dataset.renderMs;
  }, [image, heat, content, imgSize, mode, opacity, smoothMs]);

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
  if (!item) placeholder = modelStatus === 'ready' ? 'Drop an image, paste one, or pick a sample to start.' : 'No image selected.';
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
      {item && !smoothed && item.status !== 'error' && image && <p className="stage-busy">Inferring…</p>}
    </div>
  );
}

type CursorInfo = { x: number; y: number; value: number } | null;

interface CursorChannel {
  get(): CursorInfo;
  set(value: CursorInfo): void;
  subscribe(listener: () => void): () => void;
}

/**
 * The value under the pointer changes on every pointer move: kept outside React state so that only the
 * readout span re-renders, not the viewer, its controls and the colorbar.
 */
function createCursorChannel(): CursorChannel {
  let value: CursorInfo = null;
  const listeners = new Set<() => void>();
  return {
    get: () => value,
    set(next) {
      value = next;
      for (const l of listeners) l();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function CursorValue({ channel }: { channel: CursorChannel }) {
  const cursor = useSyncExternalStore(channel.subscribe, channel.get);
  return (
    <span data-testid="cursor-value" className="cursor-value" aria-live="off">
      {cursor && Number.isFinite(cursor.value) ? `${formatValue(cursor.value)} at (${cursor.x}, ${cursor.y})` : 'point at the image for a value'}
    </span>
  );
}

interface ReadoutProps {
  item: ImageItem | null;
  smoothed: SmoothedMap | null;
  heat: HTMLCanvasElement | null;
  range: [number, number];
  meta: ModelMeta | null;
  cursor: CursorChannel;
}

function Readout({ item, smoothed, heat, range, meta, cursor }: ReadoutProps) {
  const s = useInspector(
    useShallow((st) => ({
      threshold: st.threshold,
      thresholdSource: st.thresholdSource,
      colormap: st.colormap,
      opacity: st.opacity,
      scales: st.scales,
      sigma: st.sigma,
      setThreshold: st.setThreshold,
      resetThreshold: st.resetThreshold,
      reportError: st.reportError,
    })),
  );
  const [draft, setDraft] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);

  const score = smoothed?.score ?? null;
  const verdict = score === null ? null : score > s.threshold ? 'anomaly' : 'ok';

  const cal = meta?.calibration ?? null;
  const calScales = scalesFromMeta(meta);
  const settingsDiffer = cal !== null && (calScales.some((b, k) => b !== s.scales[k]) || meta?.map.sigma !== s.sigma);

  let thresholdNote: string;
  if (!meta) thresholdNote = 'no model loaded';
  else if (s.thresholdSource === 'user') thresholdNote = 'set by you';
  else if (s.thresholdSource === 'calibration' && cal) {
    thresholdNote = `calibrated: ${cal.rule} (${scalesLabel(calScales)}, σ ${meta?.map.sigma})`;
    if (cal.optimistic) thresholdNote += ' — optimistic: no normal image was held out, so expect false alarms';
  }
  else thresholdNote = 'uncalibrated: this model has no calibration — set a threshold for your parts';

  const doExport = async (kind: 'heatmap' | 'overlay') => {
    if (!item?.image || !heat) return;
    setExporting(true);
    try {
      await exportPng(kind, item.name, item.image.bitmap ?? null, heat, { width: item.image.width, height: item.image.height }, s.opacity);
    } catch (e) {
      s.reportError(`Export of ${item.name} failed: ${(e as Error).message}`);
    } finally {
      setExporting(false);
    }
  };

  return (
    <div className="readout">
      <div className="readout-score">
        <span className="group-label" id="score-label">
          Score
        </span>
        <span data-testid="score" className="score" aria-labelledby="score-label" data-value={score ?? undefined}>
          {score === null ? '—' : score.toFixed(4)}
        </span>
        {verdict && (
          <span data-testid="verdict" data-verdict={verdict} className={`verdict verdict-${verdict}`}>
            {verdict === 'anomaly' ? 'ANOMALY' : 'OK'}
          </span>
        )}
      </div>

      <div className="readout-threshold">
        <label htmlFor="threshold-input" className="group-label">
          Threshold
        </label>
        <input
          id="threshold-input"
          data-testid="threshold-input"
          type="number"
          step="any"
          min={0}
          value={draft ?? String(s.threshold)}
          aria-describedby="threshold-note"
          onChange={(e) => {
            setDraft(e.target.value);
            const n = e.target.valueAsNumber;
            if (Number.isFinite(n)) s.setThreshold(n);
          }}
          onBlur={() => setDraft(null)}
        />
        {s.thresholdSource === 'user' && (
          <button type="button" className="button button-small" onClick={s.resetThreshold}>
            Reset
          </button>
        )}
        <span id="threshold-note" className={`hint${meta && s.thresholdSource === 'fallback' ? ' hint-warn' : ''}`}>
          {thresholdNote}
          {settingsDiffer && s.thresholdSource !== 'user' ? ' — the current σ / scales differ, so scores are on another scale' : ''}
        </span>
      </div>

      <div className="readout-map">
        <Colorbar lo={range[0]} hi={range[1]} colormap={s.colormap} threshold={s.threshold} />
        <CursorValue channel={cursor} />
      </div>

      <div className="readout-export" role="group" aria-label="Export">
        <button type="button" className="button" data-testid="export-heatmap" disabled={!heat || exporting} onClick={() => void doExport('heatmap')}>
          Export heatmap
        </button>
        <button type="button" className="button" data-testid="export-overlay" disabled={!heat || exporting} onClick={() => void doExport('overlay')}>
          Export overlay
        </button>
      </div>
    </div>
  );
}

/**
 * The Inspect tab's camera view: live picture with the fused heatmap of the newest analysed frame and
 * its verdict, with the viewer's own controls and readout (scales, σ, colormap, opacity, threshold —
 * the same store settings as for images), throughput, and the camera's failures. Leaving the view (or
 * the tab) stops the camera.
 */
import { useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { activeRoi, cropFor, fusionOf } from '../store';
import { CameraStage } from './CameraStage';
import { CameraToolbar } from './CameraToolbar';
import { createCursorChannel } from './CursorValue';
import { heatCanvas } from './heatmap-draw';
import { isTypingTarget } from './shortcuts';
import { useInspector, useInspectorStore } from './store-context';
import { colorRange } from './view-math';
import { ViewerControls } from './ViewerControls';
import { ViewerReadout } from './ViewerReadout';
import './camera.css';

const ms = (v: number | null) => (v === null ? '—' : `${Math.round(v)} ms`);

/** An ROI whose aspect is more than 10 % off the model's square input. */
const stretched = (c: { width: number; height: number }) => Math.abs(Math.log(c.width / c.height)) > Math.log(1.1);

export function CameraView() {
  const store = useInspectorStore();
  const v = useInspector(
    useShallow((s) => ({
      session: s.cameraSession,
      status: s.cameraStatus,
      error: s.cameraError,
      liveError: s.liveError,
      live: s.live,
      stats: s.liveStats,
      roi: activeRoi(s),
      activeModelId: s.activeModelId,
      modelStatus: s.modelStatus,
      inputSize: s.modelInfo?.inputSize ?? null,
      scales: s.scales,
      sigma: s.sigma,
      opacity: s.opacity,
      colormap: s.colormap,
      mode: s.mode,
      threshold: s.threshold,
      meta: s.meta,
      backend: s.backend?.backend ?? null,
    })),
  );
  const [cursor] = useState(createCursorChannel);

  // The ROI is kept per model: read it for the model now active.
  useEffect(() => store.getState().loadRoi(), [store, v.activeModelId]);
  // Leaving the view (another tab, or back to the images) releases the camera.
  useEffect(() => () => store.getState().stopCamera(), [store]);
  // The camera list follows cameras being plugged in or out.
  useEffect(() => {
    const refresh = () => void store.getState().refreshCameras();
    refresh();
    navigator.mediaDevices?.addEventListener?.('devicechange', refresh);
    return () => navigator.mediaDevices?.removeEventListener?.('devicechange', refresh);
  }, [store]);
  // C captures the current frame (outside text fields, like the viewer's other keys).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.repeat || e.ctrlKey || e.metaKey || e.altKey || (e.key !== 'c' && e.key !== 'C')) return;
      if (isTypingTarget(e.target as HTMLElement | null)) return;
      e.preventDefault();
      void store.getState().captureLive();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);

  const fusion = fusionOf(v.meta);
  const smoother = v.live?.smoother ?? null;
  const smoothed = useMemo(() => (smoother ? smoother.smooth(v.scales, v.sigma, fusion) : null), [smoother, v.scales, v.sigma, fusion]);
  const [lo, hi] = colorRange(v.threshold, smoothed ? smoothed.max : Number.NaN);
  const range = useMemo<[number, number]>(() => [lo, hi], [lo, hi]);
  const heat = useMemo(() => (smoothed ? heatCanvas(smoothed, range, v.colormap) : null), [smoothed, range, v.colormap]);

  const frameW = v.session?.width ?? 0;
  const frameH = v.session?.height ?? 0;
  const nextCrop = v.session && frameW > 0 ? cropFor(frameW, frameH, v.roi) : null;
  const input = v.inputSize ? `${v.inputSize}×${v.inputSize}` : 'the model input';
  const cropNote = !nextCrop
    ? v.roi
      ? 'ROI set: only it goes to the model. Drag on the picture to change it.'
      : 'No ROI: the centre of the frame, cropped to the model’s square input, goes to the model. Drag on the picture to set one.'
    : v.roi
      ? `ROI ${nextCrop.width}×${nextCrop.height} px of ${frameW}×${frameH} → resized to ${input}${stretched(nextCrop) ? ' (stretched: parts look distorted to the model — Shift-drag draws a square)' : ''}. Drag to change it.`
      : `No ROI: the whole frame (${frameW}×${frameH}) centre-cropped to the model’s square aspect (${nextCrop.width}×${nextCrop.height}) → ${input}. Drag on the picture to set an ROI.`;

  let placeholder: string | null = null;
  if (v.status === 'error') placeholder = v.error;
  else if (v.status === 'off') placeholder = 'Press Start to inspect the parts in front of your camera. Frames never leave this tab.';
  else if (v.status === 'starting') placeholder = 'Waiting for the camera (the browser may ask for permission)…';

  return (
    <section data-testid="camera-view" className="viewer camera-view" aria-label="Live camera">
      <CameraToolbar cropNote={cropNote} />
      <ViewerControls />
      {v.status === 'error' && (
        <p className="camera-error" role="alert" data-testid="camera-error">
          {v.error}
        </p>
      )}
      <CameraStage
        session={v.session}
        live={v.live}
        smoothed={smoothed}
        heat={heat}
        mode={v.mode}
        opacity={v.opacity}
        nextCrop={nextCrop}
        hasRoi={v.roi !== null}
        onRoi={store.getState().setRoi}
        onCursor={cursor.set}
        placeholder={placeholder}
      />
      <div className="camera-stats" data-testid="camera-stats" data-fps={v.stats.fps.toFixed(2)} data-p50={v.stats.p50 ?? undefined} data-p95={v.stats.p95 ?? undefined} aria-live="off">
        <span>
          <span className="group-label">Throughput</span> <span className="value">{v.stats.fps.toFixed(1)}</span> frames/s
        </span>
        <span>
          <span className="group-label">Latency</span> p50 <span className="value">{ms(v.stats.p50)}</span> · p95 <span className="value">{ms(v.stats.p95)}</span>
        </span>
        <span className="muted">
          {v.stats.frames} analysed · {v.stats.dropped} dropped while busy{v.backend ? ` · ${v.backend}` : ''}
        </span>
        {v.status === 'live' && v.modelStatus !== 'ready' && <span className="hint hint-warn">waiting for the model…</span>}
        {v.liveError && (
          <span className="hint hint-warn" role="status">
            {v.liveError}
          </span>
        )}
      </div>
      <ViewerReadout item={null} smoothed={smoothed} heat={heat} range={range} meta={v.meta} cursor={cursor} />
    </section>
  );
}

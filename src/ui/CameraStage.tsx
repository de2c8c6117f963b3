/**
 * The live picture: the camera's <video> (the session's own element, mounted here), the heatmap of the
 * last analysed frame over the crop it came from (or beside the picture in side-by-side mode), the crop
 * that goes to the model outlined, and the ROI drawn by dragging on the picture.
 */
import { useEffect, useLayoutEffect, useRef, useState, type PointerEvent } from 'react';
import { mapValueAt, type SmoothedMap } from '../data/map-render';
import type { CameraSession, CropRect, LiveResult, Roi, ViewMode } from '../store';
import type { CursorInfo } from './CursorValue';
import { useElementSize } from './use-element-size';
import { contentSize, displaySize, hotSpot, sideGap } from './view-math';

interface CameraStageProps {
  session: CameraSession | null;
  live: LiveResult | null;
  smoothed: SmoothedMap | null;
  heat: HTMLCanvasElement | null;
  mode: ViewMode;
  opacity: number;
  /** The crop the next frame will use (ROI or centre crop), in frame pixels. */
  nextCrop: CropRect | null;
  hasRoi: boolean;
  onRoi(roi: Roi): void;
  onCursor(c: CursorInfo): void;
  placeholder: string | null;
}

const pct = (v: number, of: number) => `${((v / of) * 100).toFixed(3)}%`;

function rectStyle(r: CropRect, w: number, h: number) {
  return { left: pct(r.x, w), top: pct(r.y, h), width: pct(r.width, w), height: pct(r.height, h) };
}

/** The frame size, following the video's 'resize' events (a camera may change it while running). */
function useFrameSize(session: CameraSession | null): { width: number; height: number } {
  const [size, setSize] = useState({ width: session?.width ?? 0, height: session?.height ?? 0 });
  useEffect(() => {
    const update = () => setSize((s) => (session && (s.width !== session.width || s.height !== session.height) ? { width: session.width, height: session.height } : s));
    update();
    session?.view?.addEventListener('resize', update);
    return () => session?.view?.removeEventListener('resize', update);
  }, [session]);
  return size;
}

export function CameraStage({ session, live, smoothed, heat, mode, opacity, nextCrop, hasRoi, onRoi, onCursor, placeholder }: CameraStageProps) {
  const [stageRef, stageSize] = useElementSize<HTMLDivElement>();
  // The session's <video> goes into the picture box when the box appears (session.stop() removes it).
  const videoHost = (el: HTMLDivElement | null) => {
    const view = session?.view;
    if (el && view && view.parentElement !== el) el.prepend(view);
  };
  const heatRef = useRef<HTMLCanvasElement>(null);
  const [drag, setDrag] = useState<{ x0: number; y0: number; x1: number; y1: number } | null>(null);
  const frame = useFrameSize(session);

  useLayoutEffect(() => {
    const c = heatRef.current;
    if (!c || !heat) return;
    if (c.width !== heat.width) c.width = heat.width;
    if (c.height !== heat.height) c.height = heat.height;
    const ctx = c.getContext('2d')!;
    ctx.clearRect(0, 0, c.width, c.height);
    ctx.drawImage(heat, 0, 0);
  }, [heat]);

  const has = session !== null && frame.width > 0 && frame.height > 0;
  const content = has ? contentSize(frame, mode) : null;
  const display = content ? displaySize(content, stageSize, 'fit') : null;
  const scale = display && content ? display.width / content.width : 1;
  const box = has ? { width: frame.width * scale, height: frame.height * scale } : null;

  const toFraction = (e: PointerEvent<HTMLDivElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    return { x: Math.min(1, Math.max(0, (e.clientX - r.left) / r.width)), y: Math.min(1, Math.max(0, (e.clientY - r.top) / r.height)) };
  };
  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    const p = toFraction(e);
    setDrag({ x0: p.x, y0: p.y, x1: p.x, y1: p.y });
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    const p = toFraction(e);
    if (!drag) {
      onCursor(cursorAt(p.x, p.y));
      return;
    }
    let { x, y } = p;
    if (e.shiftKey && frame.width > 0) {
      // Shift: a square ROI (in frame pixels), which the model's square input takes without stretching.
      const side = Math.max(Math.abs(x - drag.x0) * frame.width, Math.abs(y - drag.y0) * frame.height);
      x = Math.min(1, Math.max(0, drag.x0 + (Math.sign(x - drag.x0) || 1) * (side / frame.width)));
      y = Math.min(1, Math.max(0, drag.y0 + (Math.sign(y - drag.y0) || 1) * (side / frame.height)));
    }
    setDrag({ ...drag, x1: x, y1: y });
  };
  const onPointerUp = () => {
    if (!drag) return;
    setDrag(null);
    onRoi({ x: drag.x0, y: drag.y0, width: drag.x1 - drag.x0, height: drag.y1 - drag.y0 });
  };

  const shown = live && live.frame.frameWidth === frame.width && live.frame.frameHeight === frame.height ? live : null;
  /** The map value under the pointer (frame fractions), in crop pixels, when it is over the analysed crop. */
  const cursorAt = (fx: number, fy: number): CursorInfo => {
    if (!shown || !smoothed) return null;
    const c = shown.frame.crop;
    const u = (fx * frame.width - c.x) / c.width;
    const v = (fy * frame.height - c.y) / c.height;
    if (u < 0 || v < 0 || u >= 1 || v >= 1) return null;
    return { x: Math.floor(u * c.width), y: Math.floor(v * c.height), value: mapValueAt(smoothed, u, v) };
  };
  const hot = smoothed ? hotSpot(smoothed.argmax, smoothed.size) : null;
  const heatAttrs = {
    'data-testid': 'live-heat',
    'data-score': smoothed ? smoothed.score.toFixed(6) : undefined,
    'data-hot-x': hot ? hot.fx.toFixed(6) : undefined,
    'data-hot-y': hot ? hot.fy.toFixed(6) : undefined,
    'data-frame': shown ? shown.frameId : undefined,
    role: 'img',
    'aria-label': smoothed ? `anomaly map of the last analysed frame, score ${smoothed.score.toFixed(4)}` : 'waiting for the first analysed frame',
  };

  return (
    <div ref={stageRef} className="stage camera-stage">
      {placeholder !== null || !box ? (
        <p className="stage-placeholder">{placeholder ?? 'Starting the camera…'}</p>
      ) : (
        <div className="camera-row">
          <div
            ref={videoHost}
            className="camera-box"
            data-testid="camera-box"
            style={{ width: box.width, height: box.height }}
            onPointerDown={onPointerDown}
            onPointerMove={onPointerMove}
            onPointerUp={onPointerUp}
            onPointerCancel={() => setDrag(null)}
            onPointerLeave={() => onCursor(null)}
            title="Drag a rectangle to set the region of interest (Shift: square)"
          >
            {shown && mode === 'overlay' && heat && (
              <canvas ref={heatRef} className="camera-heat" style={{ ...rectStyle(shown.frame.crop, frame.width, frame.height), opacity }} {...heatAttrs} />
            )}
            {nextCrop && (
              <div className={`camera-crop${hasRoi ? ' camera-crop-roi' : ''}`} data-testid="camera-crop" style={rectStyle(nextCrop, frame.width, frame.height)}>
                <span className="camera-crop-label">{hasRoi ? 'ROI' : 'centre crop'}</span>
              </div>
            )}
            {drag && (
              <div
                className="camera-drag"
                style={{ left: pct(Math.min(drag.x0, drag.x1), 1), top: pct(Math.min(drag.y0, drag.y1), 1), width: pct(Math.abs(drag.x1 - drag.x0), 1), height: pct(Math.abs(drag.y1 - drag.y0), 1) }}
              />
            )}
          </div>
          {shown && mode === 'side-by-side' && heat && (
            <canvas
              ref={heatRef}
              className="camera-heat-side"
              style={{ marginLeft: sideGap(frame.width) * scale, height: box.height, width: (box.height * shown.frame.crop.width) / shown.frame.crop.height }}
              {...heatAttrs}
            />
          )}
        </div>
      )}
    </div>
  );
}

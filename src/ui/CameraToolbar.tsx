/** The camera view's own controls: camera and resolution, start / stop, capture, auto-capture, the ROI. */
import { useShallow } from 'zustand/react/shallow';
import { CAMERA_RESOLUTIONS, type CameraResolution } from '../store';
import { useInspector } from './store-context';

const RESOLUTION_LABEL: Record<CameraResolution, string> = {
  default: 'camera default',
  '640x480': '640 × 480',
  '1280x720': '1280 × 720 (HD)',
  '1920x1080': '1920 × 1080 (full HD)',
};

export function CameraToolbar({ cropNote }: { cropNote: string }) {
  const s = useInspector(
    useShallow((st) => ({
      status: st.cameraStatus,
      devices: st.cameraDevices,
      deviceId: st.cameraDeviceId,
      resolution: st.cameraResolution,
      autoCapture: st.autoCapture,
      hasLive: st.live !== null,
      hasRoi: st.cameraRoi !== null && st.cameraRoi.modelId === st.activeModelId,
      chooseCamera: st.chooseCamera,
      chooseResolution: st.chooseResolution,
      startCamera: st.startCamera,
      stopCamera: st.stopCamera,
      captureLive: st.captureLive,
      setAutoCapture: st.setAutoCapture,
      setRoi: st.setRoi,
    })),
  );
  const running = s.status === 'live' || s.status === 'starting';
  return (
    <div className="viewer-controls camera-toolbar">
      <div className="control-group">
        <label htmlFor="camera-select" className="group-label">
          Camera
        </label>
        <select id="camera-select" data-testid="camera-select" value={s.deviceId ?? ''} disabled={running} onChange={(e) => s.chooseCamera(e.target.value || null)}>
          <option value="">default camera</option>
          {s.devices.map((d) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label}
            </option>
          ))}
        </select>
      </div>
      <div className="control-group">
        <label htmlFor="camera-resolution" className="group-label">
          Resolution
        </label>
        <select
          id="camera-resolution"
          data-testid="camera-resolution"
          value={s.resolution}
          disabled={running}
          onChange={(e) => s.chooseResolution(e.target.value as CameraResolution)}
        >
          {CAMERA_RESOLUTIONS.map((r) => (
            <option key={r} value={r}>
              {RESOLUTION_LABEL[r]}
            </option>
          ))}
        </select>
      </div>
      {running ? (
        <button type="button" className="button" data-testid="camera-stop" onClick={s.stopCamera}>
          Stop
        </button>
      ) : (
        <button type="button" className="button button-primary" data-testid="camera-start" onClick={() => void s.startCamera()}>
          Start
        </button>
      )}
      <button type="button" className="button" data-testid="camera-capture" disabled={!s.hasLive} title="Add this frame with its map to the image list (key C)" onClick={() => void s.captureLive()}>
        Capture <kbd>C</kbd>
      </button>
      <label className="choice" title="Adds every frame above the threshold to the image list, at most one per second">
        <input type="checkbox" role="switch" data-testid="camera-auto-capture" checked={s.autoCapture} onChange={(e) => s.setAutoCapture(e.target.checked)} />
        Auto-capture anomalies
      </label>
      <span className="hint" data-testid="camera-crop-note">
        {cropNote}
      </span>
      {s.hasRoi && (
        <button type="button" className="button button-small" data-testid="camera-clear-roi" onClick={() => s.setRoi(null)}>
          Clear ROI
        </button>
      )}
    </div>
  );
}

/**
 * Live inspection from a camera: device choice, start / stop, the region of interest, the live loop,
 * its throughput, and capturing frames into the image list.
 *
 * The loop analyses the newest frame only: it waits for a frame newer than the last one, grabs it (the
 * crop resized to the model input, done by the camera service off the JS heap), and sends it to the
 * worker; frames the camera presents meanwhile are never grabbed (dropped, counted), so nothing queues
 * up and the latency stays one inference.
 *
 * Sharing the worker with the image list: both send ordinary `infer` requests, each with at most one in
 * flight, and the worker answers requests in arrival order. While the list has queued images the two
 * take turns (every other inference is a camera frame), so neither starves the other and a 200-image
 * batch does not freeze the live picture; with nothing queued the camera has the worker to itself.
 */
import { MapSmoother } from '../data/map-render';
import type { PixelsMessage, RawMaps, StageTimings } from '../worker/protocol';
import { CAMERA_ENDED_MESSAGE, cameraErrorMessage } from './camera-errors';
import type { CameraDeviceInfo, CameraFrame, CameraResolution, CameraSession, Roi } from './camera-types';
import { describeFailure } from './failures';
import { EMPTY_LIVE_STATS, LiveMeter, type LiveStats } from './live-stats';
import { cropFor, loadRoi, normalizeRoi, saveRoi } from './roi';
import type { SliceCreator } from './runtime';
import type { InspectorState } from './state';
import { scoreVerdict } from './selectors';
import { currentView } from './viewer-slice';

export type CameraStatus = 'off' | 'starting' | 'live' | 'error';

/** Auto-capture adds at most one frame per this many ms. */
export const AUTO_CAPTURE_INTERVAL_MS = 1000;

/** The last analysed frame and its maps. */
export interface LiveResult {
  /** Counts analysed frames since the camera started. */
  frameId: number;
  frame: CameraFrame;
  maps: RawMaps;
  smoother: MapSmoother;
  timings: StageTimings;
  modelId: string;
}

export interface CameraSlice {
  /** The Inspect tab shows the camera view instead of the selected image. */
  cameraOpen: boolean;
  cameraStatus: CameraStatus;
  /** Why the camera is not running (status 'error'). */
  cameraError: string | null;
  /** The last live inference failed (the camera keeps running; cleared by the next success). */
  liveError: string | null;
  cameraDevices: CameraDeviceInfo[];
  /** null: the browser's default camera. */
  cameraDeviceId: string | null;
  cameraResolution: CameraResolution;
  cameraSession: CameraSession | null;
  /** The active model's ROI (loaded by loadRoi, kept per model across reloads); null: the centre crop. */
  cameraRoi: { modelId: string; roi: Roi } | null;
  live: LiveResult | null;
  liveStats: LiveStats;
  autoCapture: boolean;

  /** Opens or closes the camera view; closing stops the camera. */
  setCameraOpen(open: boolean): void;
  refreshCameras(): Promise<void>;
  chooseCamera(deviceId: string | null): void;
  chooseResolution(resolution: CameraResolution): void;
  /** Opens the chosen camera and starts the live loop; failures end in status 'error' with a message. */
  startCamera(): Promise<void>;
  /** Stops the loop and every track of the stream. */
  stopCamera(): void;
  /** Reads the active model's saved ROI. */
  loadRoi(): void;
  /** Sets (null: clears) the active model's ROI and saves it. */
  setRoi(roi: Roi | null): void;
  setAutoCapture(on: boolean): void;
  /** Adds the last analysed frame with its map to the image list; resolves with the item id (null: no frame). */
  captureLive(): Promise<string | null>;
}

/** The ROI that applies now: the active model's, if loaded. */
export function activeRoi(s: Pick<InspectorState, 'cameraRoi' | 'activeModelId'>): Roi | null {
  return s.cameraRoi && s.cameraRoi.modelId === s.activeModelId ? s.cameraRoi.roi : null;
}

/** File name of a captured frame: its UTC time, so names sort in capture order. */
export function captureName(capturedAt: string): string {
  return `camera-${capturedAt.replace(/:/g, '-')}.png`;
}

function copyPixels(p: PixelsMessage): PixelsMessage {
  return { width: p.width, height: p.height, rgba: new Uint8ClampedArray(p.rgba) };
}

export const createCameraSlice: SliceCreator<CameraSlice> = (set, get, rt) => {
  const camera = rt.services.camera;
  /** Each start gets a new run; a loop or an open that belongs to an older run stops. */
  let run = 0;
  /** Frames a capture is still reading: released when the capture is done. */
  const pinned = new Map<CameraFrame, { count: number; released: boolean }>();

  const release = (frame: CameraFrame) => {
    const pin = pinned.get(frame);
    if (pin) pin.released = true;
    else camera?.releaseFrame(frame);
  };

  const capture = (live: LiveResult): Promise<string | null> => {
    const pin = pinned.get(live.frame) ?? { count: 0, released: false };
    pin.count++;
    pinned.set(live.frame, pin);
    return rt.track(
      (async () => {
        try {
          const capturedAt = new Date().toISOString();
          const image = await camera!.toImage(live.frame, captureName(capturedAt));
          return get().addInferred({ image, result: live, modelId: live.modelId, origin: 'camera', capturedAt });
        } catch (e) {
          rt.errors.push(`The camera frame could not be captured: ${describeFailure(e).message}`);
          return null;
        } finally {
          if (--pin.count === 0) {
            pinned.delete(live.frame);
            if (pin.released) camera?.releaseFrame(live.frame);
          }
        }
      })(),
    );
  };

  const endSession = (patch: Partial<InspectorState>) => {
    run++;
    const { cameraSession, live } = get();
    cameraSession?.stop();
    if (live) release(live.frame);
    set({ cameraSession: null, live: null, liveError: null, ...patch });
  };

  const loop = async (session: CameraSession, mine: number) => {
    const meter = new LiveMeter();
    let frameId = 0;
    let lastPresented: number | null = null;
    let lastAuto = -Infinity;
    while (mine === run) {
      if (!(await session.nextFrame()) || mine !== run) return;
      const s = get();
      const info = s.modelInfo;
      const modelId = s.activeModelId;
      if (s.modelStatus !== 'ready' || !info || modelId === null) continue;
      const crop = cropFor(session.width, session.height, activeRoi(s));
      if (crop.width === 0) continue;
      const frame = await session.grab(crop, info.inputSize);
      if (!frame) return;
      if (mine !== run) {
        release(frame);
        return;
      }
      const views = [currentView(get())];
      let res;
      try {
        res = await rt.services.client.infer(copyPixels(frame.pixels), views);
      } catch (e) {
        release(frame);
        if (mine === run) set({ liveError: `Live inference failed: ${describeFailure(e).message}` });
        continue;
      }
      // A result for a model that is no longer active (or a stopped camera) is not shown.
      if (mine !== run || get().activeModelId !== modelId) {
        release(frame);
        continue;
      }
      const now = rt.now();
      const skipped = frame.presentedFrames !== null && lastPresented !== null ? frame.presentedFrames - lastPresented - 1 : 0;
      lastPresented = frame.presentedFrames;
      const live: LiveResult = { frameId: ++frameId, frame, maps: res.maps, smoother: new MapSmoother(res.maps, { views, smoothed: res.smoothed }), timings: res.timings, modelId };
      const previous = get().live;
      set({ live, liveStats: meter.record(now, now - frame.grabbedAt, skipped), liveError: null, lastTimings: res.timings });
      if (previous) release(previous.frame);
      const st = get();
      if (st.autoCapture && now - lastAuto >= AUTO_CAPTURE_INTERVAL_MS) {
        const { score } = rt.scoring.fieldsFor(live.smoother, st);
        if (score !== null && scoreVerdict(score, st.threshold) === 'anomaly') {
          lastAuto = now;
          void capture(live);
        }
      }
    }
  };

  return {
    cameraOpen: false,
    cameraStatus: 'off',
    cameraError: null,
    liveError: null,
    cameraDevices: [],
    cameraDeviceId: null,
    cameraResolution: 'default',
    cameraSession: null,
    cameraRoi: null,
    live: null,
    liveStats: EMPTY_LIVE_STATS,
    autoCapture: false,

    setCameraOpen: (open) => {
      if (!open) get().stopCamera();
      set({ cameraOpen: open });
    },

    refreshCameras: async () => {
      if (!camera) return;
      try {
        set({ cameraDevices: await camera.listDevices() });
      } catch {
        // The list is a convenience: the default camera still works.
      }
    },

    chooseCamera: (deviceId) => set({ cameraDeviceId: deviceId }),
    chooseResolution: (resolution) => set({ cameraResolution: resolution }),

    startCamera: async () => {
      if (get().cameraStatus === 'starting' || get().cameraStatus === 'live') return;
      if (!camera) {
        set({ cameraStatus: 'error', cameraError: cameraErrorMessage({ name: 'NotSupportedError', message: 'no camera service' }) });
        return;
      }
      const mine = ++run;
      set({ cameraStatus: 'starting', cameraError: null, liveError: null, liveStats: EMPTY_LIVE_STATS });
      let session: CameraSession;
      try {
        session = await camera.open(get().cameraDeviceId, get().cameraResolution);
      } catch (e) {
        if (mine === run) set({ cameraStatus: 'error', cameraError: cameraErrorMessage(e) });
        return;
      }
      if (mine !== run) {
        session.stop(); // stopped while the browser was asking
        return;
      }
      session.onEnded(() => {
        if (get().cameraSession === session) endSession({ cameraStatus: 'error', cameraError: CAMERA_ENDED_MESSAGE });
      });
      set({ cameraSession: session, cameraStatus: 'live', cameraDeviceId: get().cameraDeviceId ?? session.deviceId });
      void get().refreshCameras(); // labels are only readable once a camera was granted
      void loop(session, mine);
    },

    stopCamera: () => {
      const { cameraStatus } = get();
      endSession({ cameraStatus: 'off', ...(cameraStatus === 'error' ? {} : { cameraError: null }) });
    },

    loadRoi: () => {
      const id = get().activeModelId;
      if (id === null) return;
      const roi = loadRoi(rt.services.settings, id);
      set({ cameraRoi: roi ? { modelId: id, roi } : null });
    },

    setRoi: (r) => {
      const id = get().activeModelId;
      if (id === null) return;
      const roi = normalizeRoi(r);
      saveRoi(rt.services.settings, id, roi);
      set({ cameraRoi: roi ? { modelId: id, roi } : null });
    },

    setAutoCapture: (on) => set({ autoCapture: on }),

    captureLive: () => {
      const live = get().live;
      return live && camera ? capture(live) : Promise.resolve(null);
    },
  };
};

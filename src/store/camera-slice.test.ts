import { describe, expect, it } from 'vitest';
import { CAMERA_ENDED_MESSAGE, cameraErrorMessage } from './camera-errors';
import { AUTO_CAPTURE_INTERVAL_MS } from './camera-slice';
import { inspectedCsv } from './batch-report';
import { scoreVerdict, verdictOf } from './selectors';
import { FakeCamera, MemorySettings, mediaError } from './test-fake-camera';
import { addAndWait, file, setup, started } from './test-support';

const GOOD = 0; // the fake client's map height is the first red byte / 100: 0 = a flat map
const DEFECT = 250;

async function live(opts: { settings?: MemorySettings } = {}) {
  const camera = new FakeCamera();
  const h = setup({ services: { camera, settings: opts.settings ?? new MemorySettings(), now: () => camera.now } });
  await started(h);
  h.store.getState().setCameraOpen(true);
  await h.store.getState().startCamera();
  return { h, camera, s: () => h.store.getState() };
}

/** Lets the loop run until it waits for the next frame. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise((r) => setTimeout(r, 0));
};

describe('inspector store: live camera', () => {
  it('analyses the newest frame only: frames that arrive during an inference are dropped, never queued', async () => {
    const { h, camera, s } = await live();
    expect(s().cameraStatus).toBe('live');
    h.client.gate.closed = true;
    camera.session.pushFrame(10);
    await settle();
    expect(h.client.inFlight).toBe(1);
    // Three more frames while the model is busy: none is grabbed.
    camera.session.pushFrame(11);
    camera.session.pushFrame(12);
    camera.session.pushFrame(DEFECT);
    await settle();
    expect(camera.session.grabs).toHaveLength(1);
    h.client.gate.open();
    await settle();
    // The next grab is the newest frame; the two in between were dropped.
    expect(camera.session.grabs).toHaveLength(2);
    expect(h.client.maxInFlight).toBe(1);
    expect(s().live?.frame.pixels.rgba[0]).toBe(DEFECT);
    expect(s().liveStats.frames).toBe(2);
    expect(s().liveStats.dropped).toBe(2);
    s().stopCamera();
  });

  it('reports frames per second and latency percentiles', async () => {
    const { camera, s } = await live();
    for (let i = 0; i < 5; i++) {
      camera.now = i * 200;
      camera.session.pushFrame(GOOD);
      await settle();
    }
    const st = s().liveStats;
    expect(st.frames).toBe(5);
    expect(st.fps).toBeCloseTo(5, 5);
    expect(st.p50).toBe(0);
    expect(st.p95).toBe(0);
    s().stopCamera();
  });

  it('stop releases the device (every track stopped) and every grabbed frame', async () => {
    const { camera, s } = await live();
    camera.session.pushFrame(GOOD);
    await settle();
    camera.session.pushFrame(GOOD);
    await settle();
    expect(s().live).not.toBeNull();
    s().stopCamera();
    expect(camera.session.stopped).toBe(true);
    expect(s().cameraStatus).toBe('off');
    expect(s().cameraSession).toBeNull();
    expect(s().live).toBeNull();
    expect(camera.released).toBe(camera.session.grabs.length);
    // Closing the view stops a running camera too.
    await s().startCamera();
    s().setCameraOpen(false);
    expect(camera.session.stopped).toBe(true);
    expect(s().cameraOpen).toBe(false);
  });

  it('opens the chosen camera at the chosen resolution and lists the cameras once granted', async () => {
    const { camera, s } = await live();
    s().stopCamera();
    s().chooseCamera('cam-2');
    s().chooseResolution('1280x720');
    await s().startCamera();
    expect(camera.opens.at(-1)).toEqual({ deviceId: 'cam-2', resolution: '1280x720' });
    expect(camera.session.label).toBe('Fake camera 2');
    await settle();
    expect(s().cameraDevices.map((d) => d.deviceId)).toEqual(['cam-1', 'cam-2']);
    s().stopCamera();
  });

  it('explains each failure to open the camera, and the rest of the app keeps working', async () => {
    const cases: [Error, RegExp][] = [
      [mediaError('NotFoundError'), /No camera found/],
      [mediaError('NotAllowedError', 'Permission denied'), /denied/],
      [mediaError('NotReadableError', 'Could not start video source'), /in use by another program/],
      [mediaError('OverconstrainedError', '', 'width'), /resolution \(width\)/],
    ];
    for (const [err, text] of cases) {
      const camera = new FakeCamera();
      camera.failOpen = err;
      const h = setup({ services: { camera } });
      await started(h);
      await h.store.getState().startCamera();
      expect(h.store.getState().cameraStatus).toBe('error');
      expect(h.store.getState().cameraError).toMatch(text);
      await addAndWait(h, file('a.png', '50,1,1'));
      expect(h.store.getState().items[0].status).toBe('done');
    }
  });

  it('a camera unplugged while running: a clear message, the loop ends and the tracks are stopped', async () => {
    const { h, camera, s } = await live();
    camera.session.pushFrame(GOOD);
    await settle();
    camera.session.unplug();
    expect(s().cameraStatus).toBe('error');
    expect(s().cameraError).toBe(CAMERA_ENDED_MESSAGE);
    expect(camera.session.stopped).toBe(true);
    expect(s().live).toBeNull();
    await addAndWait(h, file('a.png', '50,1,1'));
    expect(s().items[0].status).toBe('done');
    // Start works again after the failure.
    await s().startCamera();
    expect(s().cameraStatus).toBe('live');
    expect(s().cameraError).toBeNull();
    s().stopCamera();
  });

  it('without an ROI the centre crop of the model aspect goes to the model; the ROI is kept per model across reloads', async () => {
    const settings = new MemorySettings();
    const { camera, s } = await live({ settings });
    camera.session.pushFrame(GOOD);
    await settle();
    expect(camera.session.grabs[0]).toEqual({ crop: { x: 8, y: 0, width: 48, height: 48 }, size: 16 });

    s().setRoi({ x: 0.5, y: 0.5, width: -0.25, height: -0.5 }); // dragged up-left
    expect(s().cameraRoi?.roi).toEqual({ x: 0.25, y: 0, width: 0.25, height: 0.5 });
    camera.session.pushFrame(GOOD);
    await settle();
    expect(camera.session.grabs[1].crop).toEqual({ x: 16, y: 0, width: 16, height: 24 });
    s().stopCamera();

    // A reload: a new store on the same storage finds the ROI of this model, and none for another.
    const again = await live({ settings });
    again.s().loadRoi();
    expect(again.s().cameraRoi).toEqual({ modelId: 'fabric', roi: { x: 0.25, y: 0, width: 0.25, height: 0.5 } });
    await again.s().selectModel('wood');
    await again.h.store.getState().whenIdle();
    again.s().loadRoi();
    expect(again.s().cameraRoi).toBeNull();
    again.s().stopCamera();

    // A click (a tiny drag) is not an ROI; clearing forgets it.
    s().setRoi({ x: 0.5, y: 0.5, width: 0.001, height: 0.3 });
    expect(s().cameraRoi).toBeNull();
    expect([...settings.data.keys()]).toEqual([]);
  });

  it('capture adds the last analysed frame with its map to the image list, marked as a camera frame, without a new inference', async () => {
    const { h, camera, s } = await live();
    camera.session.pushFrame(DEFECT);
    await settle();
    const calls = h.client.inferCount;
    const id = await s().captureLive();
    const item = s().items.find((i) => i.id === id)!;
    expect(item.origin).toBe('camera');
    expect(item.capturedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(item.name).toBe(`camera-${item.capturedAt!.replace(/:/g, '-')}.png`);
    expect(item.status).toBe('done');
    expect(item.maps).toBe(s().live?.maps);
    expect(item.score).toBeGreaterThan(0);
    expect(h.client.inferCount).toBe(calls);
    s().stopCamera();
    // The captured frame's bitmap was still released by the loop; the image owns its own copy.
    expect(camera.released).toBe(camera.session.grabs.length);
  });

  it('a captured frame is a row of the batch CSV, marked as a camera frame with its capture time', async () => {
    const { camera, s } = await live();
    camera.session.pushFrame(DEFECT);
    await settle();
    const id = await s().captureLive();
    const item = s().items.find((i) => i.id === id)!;
    s().stopCamera();
    const csv = (await inspectedCsv(s(), { now: () => 0, yieldToUi: async () => undefined })).trim().split('\n');
    const row = csv.find((line) => line.startsWith(item.name))!.split(',');
    expect(row.slice(-2)).toEqual(['camera', item.capturedAt]);
    expect(row[2]).toBe(verdictOf(item, s().threshold));
  });

  it('auto-capture adds frames above the threshold only, at most one per second', async () => {
    const { camera, s } = await live();
    s().setAutoCapture(true);
    const frames = [GOOD, DEFECT, DEFECT, GOOD, DEFECT, DEFECT, GOOD];
    for (let i = 0; i < frames.length; i++) {
      camera.now = i * 400;
      camera.session.pushFrame(frames[i]);
      await settle();
      const sc = s().live!.smoother.smooth(s().scales, s().sigma, 'sum').score;
      expect(scoreVerdict(sc, s().threshold)).toBe(frames[i] === GOOD ? 'ok' : 'anomaly');
    }
    await s().whenIdle();
    // Anomalies at 400, 800 (too soon), 1600, 2000 (too soon): two captures.
    const captured = s().items.filter((i) => i.origin === 'camera');
    expect(AUTO_CAPTURE_INTERVAL_MS).toBe(1000);
    expect(captured).toHaveLength(2);
    expect(captured.every((i) => (i.score ?? 0) > s().threshold)).toBe(true);
    s().stopCamera();
  });

  it('shares the worker with the image list: both make progress, one request each in flight', async () => {
    const { h, camera, s } = await live();
    h.client.gate.closed = true;
    camera.session.pushFrame(GOOD);
    await settle();
    const adding = s().addFiles([file('a.png', '50,1,1'), file('b.png', '60,1,1')]);
    await adding;
    await settle();
    expect(h.client.inFlight).toBe(2); // one camera frame, one list image
    h.client.gate.open();
    await s().whenIdle();
    camera.session.pushFrame(GOOD);
    await settle();
    expect(s().items.every((i) => i.status === 'done')).toBe(true);
    expect(s().liveStats.frames).toBe(2);
    s().stopCamera();
  });

  it('without a camera service the view says so', async () => {
    const h = setup();
    await started(h);
    await h.store.getState().startCamera();
    expect(h.store.getState().cameraError).toBe(cameraErrorMessage({ name: 'NotSupportedError', message: 'no camera service' }));
  });
});

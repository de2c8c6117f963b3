/**
 * Test support for the camera slice: a camera service whose frames the test delivers one by one
 * (pushFrame), with the errors getUserMedia rejects with, the 'ended' event and the track stops
 * observable — what the store can see of a real camera.
 */
import type { CameraDeviceInfo, CameraFrame, CameraResolution, CameraService, CameraSession, CropRect, SettingsStore } from './camera-types';
import type { InspectImage } from './types';

/** A DOMException-like rejection of getUserMedia. */
export function mediaError(name: string, message = name, constraint?: string): Error {
  return Object.assign(new Error(message), { name, ...(constraint ? { constraint } : {}) });
}

export class FakeSession implements CameraSession {
  readonly deviceId: string;
  readonly label: string;
  width = 64;
  height = 48;
  stopped = false;
  presented = 0;
  grabs: { crop: CropRect; size: number }[] = [];
  private endedListeners: (() => void)[] = [];
  private waiting: ((ok: boolean) => void)[] = [];
  private fresh = false;
  /** Red byte of the next grabbed frame (the fake client's map height = amp / 100). */
  amp = 20;

  constructor(device: CameraDeviceInfo, private readonly clock: () => number) {
    this.deviceId = device.deviceId;
    this.label = device.label;
  }

  /** The camera presents a new frame with the given amplitude. */
  pushFrame(amp: number): void {
    this.amp = amp;
    this.presented++;
    this.fresh = true;
    this.waiting.splice(0).forEach((r) => r(true));
  }

  nextFrame(): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    if (this.fresh) {
      this.fresh = false;
      return Promise.resolve(true);
    }
    return new Promise((r) => this.waiting.push((ok) => {
      this.fresh = false;
      r(ok);
    }));
  }

  async grab(crop: CropRect, size: number): Promise<CameraFrame | null> {
    if (this.stopped) return null;
    this.grabs.push({ crop, size });
    const rgba = new Uint8ClampedArray(size * size * 4);
    rgba[0] = this.amp;
    rgba[1] = 4;
    rgba[2] = 5;
    return { pixels: { width: size, height: size, rgba }, crop, frameWidth: this.width, frameHeight: this.height, grabbedAt: this.clock(), presentedFrames: this.presented };
  }

  onEnded(listener: () => void): void {
    this.endedListeners.push(listener);
  }

  /** The device goes away (unplugged). */
  unplug(): void {
    this.endedListeners.forEach((l) => l());
  }

  stop(): void {
    this.stopped = true;
    this.waiting.splice(0).forEach((r) => r(false));
  }
}

export class FakeCamera implements CameraService {
  devices: CameraDeviceInfo[] = [{ deviceId: 'cam-1', label: 'Fake camera 1' }, { deviceId: 'cam-2', label: 'Fake camera 2' }];
  /** The next open() rejects with this. */
  failOpen: Error | null = null;
  opens: { deviceId: string | null; resolution: CameraResolution }[] = [];
  sessions: FakeSession[] = [];
  released = 0;
  imaged = 0;
  now = 0;

  async listDevices(): Promise<CameraDeviceInfo[]> {
    return this.devices;
  }

  async open(deviceId: string | null, resolution: CameraResolution): Promise<CameraSession> {
    this.opens.push({ deviceId, resolution });
    await Promise.resolve();
    if (this.failOpen) throw this.failOpen;
    const device = this.devices.find((d) => d.deviceId === deviceId) ?? this.devices[0];
    const s = new FakeSession(device, () => this.now);
    this.sessions.push(s);
    return s;
  }

  async toImage(frame: CameraFrame, name: string): Promise<InspectImage> {
    this.imaged++;
    const { width, height } = frame.pixels;
    return { name, width, height, originalWidth: frame.crop.width, originalHeight: frame.crop.height, pixels: { width, height, rgba: new Uint8ClampedArray(frame.pixels.rgba) }, thumbnail: `thumb:${name}` };
  }

  releaseFrame(): void {
    this.released++;
  }

  get session(): FakeSession {
    return this.sessions[this.sessions.length - 1];
  }
}

/** localStorage's behaviour in a Map (shared between two stores = a reload). */
export class MemorySettings implements SettingsStore {
  readonly data = new Map<string, string>();
  get(key: string): string | null {
    return this.data.get(key) ?? null;
  }
  set(key: string, value: string): void {
    this.data.set(key, value);
  }
  remove(key: string): void {
    this.data.delete(key);
  }
}

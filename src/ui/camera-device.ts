/**
 * The browser's cameras for the store (CameraService): getUserMedia with the chosen device and
 * resolution, a <video> playing the stream (mounted by the camera view), the next-frame wait
 * (requestVideoFrameCallback) and the track's 'ended' event. stop() stops every track, which is what
 * releases the device (the camera light goes off). DOM only.
 */
import type { CameraFrame, CameraResolution, CameraService, CameraSession, CropRect } from '../store';
import { frameToImage, grabCrop } from './frame-capture';

const SIZES: Record<CameraResolution, { width: number; height: number } | null> = {
  default: null,
  '640x480': { width: 640, height: 480 },
  '1280x720': { width: 1280, height: 720 },
  '1920x1080': { width: 1920, height: 1080 },
};

/** Without requestVideoFrameCallback (or while it stays silent) a frame is taken after this long. */
const FRAME_FALLBACK_MS = 250;
/** The first picture must arrive within this long. */
const FIRST_FRAME_MS = 10_000;

function notSupported(message: string): Error {
  return Object.assign(new Error(message), { name: 'NotSupportedError' });
}

class VideoSession implements CameraSession {
  readonly view: HTMLVideoElement;
  readonly deviceId: string;
  readonly label: string;
  private stopped = false;
  private presented: number | null = null;
  private readonly waiters = new Set<(ok: boolean) => void>();
  private readonly ended: (() => void)[] = [];

  private constructor(private readonly stream: MediaStream, video: HTMLVideoElement) {
    this.view = video;
    const track = stream.getVideoTracks()[0];
    this.deviceId = track?.getSettings().deviceId ?? '';
    this.label = track?.label ?? '';
    for (const t of stream.getVideoTracks()) {
      t.addEventListener('ended', () => {
        if (!this.stopped) this.ended.forEach((l) => l());
      });
    }
  }

  static async create(stream: MediaStream): Promise<VideoSession> {
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    video.autoplay = true;
    video.className = 'camera-video';
    video.dataset.testid = 'camera-video';
    video.srcObject = stream;
    const session = new VideoSession(stream, video);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the camera delivered no picture')), FIRST_FRAME_MS);
        video.addEventListener('loadeddata', () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
      await video.play();
    } catch (e) {
      session.stop();
      throw e;
    }
    return session;
  }

  get width(): number {
    return this.view.videoWidth;
  }

  get height(): number {
    return this.view.videoHeight;
  }

  nextFrame(): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    const video = this.view;
    return new Promise<boolean>((resolve) => {
      let handle = 0;
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        if (handle && 'cancelVideoFrameCallback' in video) video.cancelVideoFrameCallback(handle);
        this.waiters.delete(finish);
        resolve(ok);
      };
      this.waiters.add(finish);
      const timer = setTimeout(() => finish(!this.stopped), FRAME_FALLBACK_MS);
      if ('requestVideoFrameCallback' in video) {
        handle = video.requestVideoFrameCallback((_now, meta) => {
          handle = 0;
          this.presented = meta.presentedFrames;
          finish(true);
        });
      }
    });
  }

  async grab(crop: CropRect, size: number): Promise<CameraFrame | null> {
    if (this.stopped) return null;
    const grabbedAt = performance.now();
    const presentedFrames = this.presented;
    const frameWidth = this.width;
    const frameHeight = this.height;
    const { bitmap, pixels } = await grabCrop(this.view, crop, size);
    if (this.stopped) {
      bitmap?.close();
      return null;
    }
    return { bitmap, pixels, crop, frameWidth, frameHeight, grabbedAt, presentedFrames };
  }

  onEnded(listener: () => void): void {
    this.ended.push(listener);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.stream.getTracks()) t.stop();
    this.view.pause();
    this.view.srcObject = null;
    this.view.remove();
    for (const w of [...this.waiters]) w(false);
  }
}

async function open(deviceId: string | null, resolution: CameraResolution): Promise<CameraSession> {
  const media = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined;
  if (!media?.getUserMedia) throw notSupported(window.isSecureContext ? 'the browser has no getUserMedia' : 'camera access needs https or localhost');
  const size = SIZES[resolution];
  const video: MediaTrackConstraints = {
    ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
    // `ideal`: the camera delivers the nearest size it has instead of refusing.
    ...(size ? { width: { ideal: size.width }, height: { ideal: size.height } } : {}),
  };
  const stream = await media.getUserMedia({ video: Object.keys(video).length > 0 ? video : true, audio: false });
  try {
    return await VideoSession.create(stream);
  } catch (e) {
    for (const t of stream.getTracks()) t.stop();
    throw e;
  }
}

export function createBrowserCamera(): CameraService {
  return {
    async listDevices() {
      const media = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined;
      if (!media?.enumerateDevices) return [];
      const all = await media.enumerateDevices();
      return all.filter((d) => d.kind === 'videoinput').map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Camera ${i + 1}` }));
    },
    open,
    toImage: frameToImage,
    releaseFrame: (frame) => frame.bitmap?.close(),
  };
}

/**
 * What the store needs from a camera (the browser's getUserMedia in src/ui/camera-device.ts; a fake in
 * the tests). Pure types: `MediaStream`, `HTMLElement` and `ImageBitmap` are only named, never used at
 * run time, so the store still runs in Node.
 */
import type { PixelsMessage } from '../worker/protocol';
import type { InspectImage } from './types';

/** A region of the camera frame as fractions (0..1) of its width and height, so it survives a resolution change. */
export interface Roi {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A rectangle in frame pixels (integers). */
export interface CropRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Resolutions offered in the picker ('default': whatever the camera starts with). Asked as `ideal`, so the camera picks the nearest it has. */
export const CAMERA_RESOLUTIONS = ['default', '640x480', '1280x720', '1920x1080'] as const;
export type CameraResolution = (typeof CAMERA_RESOLUTIONS)[number];

export interface CameraDeviceInfo {
  deviceId: string;
  label: string;
}

/** One grabbed frame: the crop resized to the model's input. */
export interface CameraFrame {
  /** size×size RGBA of the crop (kept: a capture hands a copy to the image list). */
  pixels: PixelsMessage;
  /** The same crop for drawing (absent in Node tests); the camera service frees it (releaseFrame). */
  bitmap?: ImageBitmap;
  crop: CropRect;
  frameWidth: number;
  frameHeight: number;
  /** Clock (Runtime.now) when the frame was taken from the video. */
  grabbedAt: number;
  /** Frames the camera presented so far (frames between two grabs were dropped); null when unknown. */
  presentedFrames: number | null;
}

/** An open camera. Once stop() ran (or the device ended) nextFrame resolves false and grab null. */
export interface CameraSession {
  readonly deviceId: string;
  readonly label: string;
  /** Current frame size (0 until the first frame). */
  readonly width: number;
  readonly height: number;
  /** The live picture (a <video> playing the stream), mounted by the camera view. */
  readonly view?: HTMLElement;
  /** Resolves when a frame newer than the last grabbed one is available (false: the session is closed). */
  nextFrame(): Promise<boolean>;
  /** Takes the current frame's `crop`, resized to size×size; null when the session is closed. */
  grab(crop: CropRect, size: number): Promise<CameraFrame | null>;
  /** Called once when the device goes away while open (unplugged, or taken by the system). */
  onEnded(listener: () => void): void;
  /** Stops every track of the stream (the device is released); idempotent. */
  stop(): void;
}

export interface CameraService {
  /** Video inputs; labels may be empty before the first permission grant. */
  listDevices(): Promise<CameraDeviceInfo[]>;
  /** Opens a camera (null: the default one); rejects with getUserMedia's error (see camera-errors.ts). */
  open(deviceId: string | null, resolution: CameraResolution): Promise<CameraSession>;
  /** An image-list image of a frame (its own bitmap and thumbnail, a copy of the pixels). */
  toImage(frame: CameraFrame, name: string): Promise<InspectImage>;
  /** Frees what a frame holds outside the JS heap. */
  releaseFrame(frame: CameraFrame): void;
}

/** A small persistent key/value store (localStorage in the browser); failures are the caller's to ignore. */
export interface SettingsStore {
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
}

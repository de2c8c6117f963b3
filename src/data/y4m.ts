/**
 * YUV4MPEG2 (.y4m) video: a one-line text header, then per frame "FRAME\n" and the raw I420 planes
 * (Y at full resolution, then U and V at half width and height). Chromium's fake camera
 * (--use-file-for-fake-video-capture) plays such a file in a loop, which is how the e2e tests point a
 * "webcam" at the project's own gallery images. Pure TS.
 *
 * Colour: ITU-R BT.601 limited ("video") range, which is how a camera's I420 frames are read back to RGB.
 */

/** Y, U, V planes of one frame. */
export interface I420Frame {
  width: number;
  height: number;
  y: Uint8Array;
  u: Uint8Array;
  v: Uint8Array;
}

const clampByte = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/**
 * RGB(A) bytes (channels 3 or 4; alpha ignored) → I420. Width and height must be even (4:2:0 chroma
 * covers 2×2 blocks); each chroma sample is computed from the block's mean RGB.
 */
export function rgbaToI420(data: Uint8Array | Uint8ClampedArray, width: number, height: number, channels: 3 | 4 = 4): I420Frame {
  if (width % 2 !== 0 || height % 2 !== 0) throw new Error(`I420 needs an even width and height, got ${width}×${height}`);
  if (data.length !== width * height * channels) throw new Error(`expected ${width}×${height}×${channels} bytes, got ${data.length}`);
  const y = new Uint8Array(width * height);
  const cw = width / 2;
  const u = new Uint8Array(cw * (height / 2));
  const v = new Uint8Array(cw * (height / 2));
  for (let i = 0, p = 0; i < width * height; i++, p += channels) {
    y[i] = clampByte(16 + 0.25679 * data[p] + 0.50413 * data[p + 1] + 0.09791 * data[p + 2]);
  }
  for (let by = 0; by < height / 2; by++) {
    for (let bx = 0; bx < cw; bx++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        const p = ((by * 2 + dy) * width + bx * 2 + dx) * channels;
        r += data[p];
        g += data[p + 1];
        b += data[p + 2];
      }
      r /= 4;
      g /= 4;
      b /= 4;
      u[by * cw + bx] = clampByte(128 - 0.14822 * r - 0.29099 * g + 0.43922 * b);
      v[by * cw + bx] = clampByte(128 + 0.43922 * r - 0.36779 * g - 0.07143 * b);
    }
  }
  return { width, height, y, u, v };
}

/** The inverse (BT.601 limited range) for one pixel, as a decoder does it: [r, g, b] bytes. */
export function yuvToRgb(y: number, u: number, v: number): [number, number, number] {
  const c = 1.16438 * (y - 16);
  return [clampByte(c + 1.59603 * (v - 128)), clampByte(c - 0.39176 * (u - 128) - 0.81297 * (v - 128)), clampByte(c + 2.01723 * (u - 128))];
}

/** The stream header; "C420" is 4:2:0 with the common sample positions, `fps` frames per second. */
export function y4mHeader(width: number, height: number, fps: number): string {
  return `YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420\n`;
}

/** One frame's bytes: "FRAME\n" + Y + U + V. */
export function y4mFrame(f: I420Frame): Uint8Array {
  const tag = new TextEncoder().encode('FRAME\n');
  const out = new Uint8Array(tag.length + f.y.length + f.u.length + f.v.length);
  out.set(tag, 0);
  out.set(f.y, tag.length);
  out.set(f.u, tag.length + f.y.length);
  out.set(f.v, tag.length + f.y.length + f.u.length);
  return out;
}

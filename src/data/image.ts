/**
 * Plain image containers and small pixel helpers shared by the CLI, the worker and the UI. Pure
 * TypeScript: no Node built-ins, no DOM.
 */

/** An 8-bit RGB image, row-major, 3 bytes per pixel (R, G, B interleaved), no padding. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A binary pixel mask, row-major, one byte per pixel holding 0 or 1. */
export interface BinaryMask {
  width: number;
  height: number;
  data: Uint8Array;
}

function checkSize(width: number, height: number, what: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`${what}: invalid size ${width}x${height}`);
  }
}

function checkLength(length: number, expected: number, what: string): void {
  if (length !== expected) {
    throw new RangeError(`${what}: data has ${length} values, expected ${expected}`);
  }
}

/** Throws a RangeError when `img.data` does not hold exactly width*height*3 bytes. */
export function assertRgbImage(img: RgbImage, what = 'RgbImage'): void {
  checkSize(img.width, img.height, what);
  checkLength(img.data.length, img.width * img.height * 3, what);
}

/**
 * Nearest-neighbour resize of a one-byte-per-pixel mask (pixel-centre sampling: output pixel x
 * reads source column floor((x + 0.5) * width / outWidth)). Values are copied, never blended, so a
 * 0/1 mask stays 0/1.
 */
export function resizeNearestMask(
  mask: ArrayLike<number>,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
): Uint8Array<ArrayBuffer> {
  checkSize(width, height, 'resizeNearestMask input');
  checkSize(outWidth, outHeight, 'resizeNearestMask output');
  checkLength(mask.length, width * height, 'resizeNearestMask input');
  const out = new Uint8Array(outWidth * outHeight);
  const cols = new Int32Array(outWidth);
  for (let x = 0; x < outWidth; x++) {
    cols[x] = Math.min(width - 1, Math.floor(((x + 0.5) * width) / outWidth));
  }
  for (let y = 0; y < outHeight; y++) {
    const sy = Math.min(height - 1, Math.floor(((y + 0.5) * height) / outHeight));
    const srcRow = sy * width;
    const dstRow = y * outWidth;
    for (let x = 0; x < outWidth; x++) out[dstRow + x] = mask[srcRow + cols[x]];
  }
  return out;
}

/** RGB → RGBA with a constant alpha (e.g. for ImageData or a PNG writer). */
export function rgbToRgba(img: RgbImage, alpha = 255): Uint8ClampedArray<ArrayBuffer> {
  assertRgbImage(img, 'rgbToRgba');
  const n = img.width * img.height;
  const out = new Uint8ClampedArray(n * 4);
  const src = img.data;
  for (let i = 0, j = 0, k = 0; i < n; i++, j += 3, k += 4) {
    out[k] = src[j];
    out[k + 1] = src[j + 1];
    out[k + 2] = src[j + 2];
    out[k + 3] = alpha;
  }
  return out;
}

/**
 * RGBA → RGB. `background` decides what transparency becomes: 'drop' ignores alpha, a number
 * composites over that gray level (0 = black): c' = round(c * a / 255 + bg * (1 - a / 255)).
 */
export function rgbaToRgb(
  rgba: ArrayLike<number>,
  width: number,
  height: number,
  background: number | 'drop' = 0,
): RgbImage {
  checkSize(width, height, 'rgbaToRgb');
  checkLength(rgba.length, width * height * 4, 'rgbaToRgb');
  const n = width * height;
  const out = new Uint8Array(n * 3);
  if (background === 'drop') {
    for (let i = 0, j = 0, k = 0; i < n; i++, j += 3, k += 4) {
      out[j] = rgba[k];
      out[j + 1] = rgba[k + 1];
      out[j + 2] = rgba[k + 2];
    }
  } else {
    const bg = Math.max(0, Math.min(255, background));
    for (let i = 0, j = 0, k = 0; i < n; i++, j += 3, k += 4) {
      const a = rgba[k + 3];
      if (a === 255) {
        out[j] = rgba[k];
        out[j + 1] = rgba[k + 1];
        out[j + 2] = rgba[k + 2];
      } else {
        const inv = 255 - a;
        out[j] = Math.round((rgba[k] * a + bg * inv) / 255);
        out[j + 1] = Math.round((rgba[k + 1] * a + bg * inv) / 255);
        out[j + 2] = Math.round((rgba[k + 2] * a + bg * inv) / 255);
      }
    }
  }
  return { width, height, data: out };
}

/** One-channel 8-bit gray → RGB (R = G = B). */
export function grayToRgb(gray: ArrayLike<number>, width: number, height: number): RgbImage {
  checkSize(width, height, 'grayToRgb');
  checkLength(gray.length, width * height, 'grayToRgb');
  const n = width * height;
  const out = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    const v = gray[i];
    out[j] = v;
    out[j + 1] = v;
    out[j + 2] = v;
  }
  return { width, height, data: out };
}

/** RGB → one-channel gray with Rec. 601 luma weights (0.299, 0.587, 0.114), rounded. */
export function rgbToGray(img: RgbImage): Uint8Array<ArrayBuffer> {
  assertRgbImage(img, 'rgbToGray');
  const n = img.width * img.height;
  const out = new Uint8Array(n);
  const src = img.data;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    out[i] = Math.round(0.299 * src[j] + 0.587 * src[j + 1] + 0.114 * src[j + 2]);
  }
  return out;
}

/**
 * Binarise interleaved pixels: 1 where any of the first `colorChannels` channels of a pixel
 * exceeds `threshold`, else 0. `channels` is the stride (1, 2, 3 or 4).
 */
export function binarizeChannels(
  data: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
  colorChannels = channels,
  threshold = 0,
): Uint8Array<ArrayBuffer> {
  checkSize(width, height, 'binarizeChannels');
  checkLength(data.length, width * height * channels, 'binarizeChannels');
  const n = width * height;
  const c = Math.min(colorChannels, channels);
  const out = new Uint8Array(n);
  for (let i = 0, k = 0; i < n; i++, k += channels) {
    let on = 0;
    for (let ch = 0; ch < c; ch++) {
      if (data[k + ch] > threshold) {
        on = 1;
        break;
      }
    }
    out[i] = on;
  }
  return out;
}

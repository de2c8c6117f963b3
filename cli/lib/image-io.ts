/**
 * Image file IO for the Node command-line tools: PNG (pngjs) and JPEG (jpeg-js) decoding to 8-bit
 * RGB, binary mask reading, PNG writing.
 *
 * Decoding rules
 *  - The format is detected from the file's leading bytes, never from its extension, by the app's
 *    own sniffer (src/data/image-file.ts); WebP, BMP, GIF and the formats it names but nobody
 *    decodes here are refused by name.
 *  - PNG: every color type (gray, gray+alpha, palette, RGB, RGBA) and bit depth (1..16) pngjs
 *    supports. 16-bit samples are rounded to 8 bits. Alpha (including tRNS transparency) is
 *    composited over black: c' = round(c * a / 255), so fully transparent pixels read as 0. The
 *    gAMA chunk is ignored (samples are taken as stored).
 *  - JPEG: baseline and progressive, 1 channel (gray → R = G = B), 3 channels (YCbCr/RGB) and
 *    Adobe CMYK/YCCK (converted by jpeg-js). EXIF orientation is NOT applied: pixels come back in
 *    stored order.
 *  - Every failure is an {@link ImageReadError} whose message is a single line naming the file,
 *    e.g. "cannot read image /x/y.png: truncated PNG data".
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { binarizeChannels, rgbaToRgb, type BinaryMask, type RgbImage } from '../../src/data/image.ts';
import { IMAGE_FORMAT_LABEL, sniffImageFormat, sniffUnsupportedFormat } from '../../src/data/image-file.ts';

export type { BinaryMask, RgbImage };

/** A file could not be read or decoded. `message` is "cannot read image <path>: <reason>". */
export class ImageReadError extends Error {
  override readonly name = 'ImageReadError';
  /** The path as the caller gave it. */
  readonly path: string;
  /** The reason alone, e.g. "truncated PNG data". */
  readonly reason: string;

  constructor(filePath: string, reason: string, options?: { cause?: unknown }) {
    const oneLine = reason.replace(/\s+/g, ' ').trim();
    super(`cannot read image ${filePath}: ${oneLine}`, options);
    this.path = filePath;
    this.reason = oneLine;
  }
}

function ascii(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0));
}

/** True when `needle` occurs within the last `window` bytes of `bytes`. */
function tailContains(bytes: Uint8Array, needle: readonly number[], window: number): boolean {
  const start = Math.max(0, bytes.length - window);
  outer: for (let i = bytes.length - needle.length; i >= start; i--) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function decodePng(bytes: Uint8Array, filePath: string): RgbImage {
  let decoded: { width: number; height: number; data: Buffer };
  try {
    decoded = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    // A complete PNG ends with an IEND chunk (12 bytes); without it the file was cut short.
    const complete = tailContains(bytes, ascii('IEND'), 64);
    const msg = errorText(err);
    const reason = !complete || /waitng|waiting|unexpected end|finished stream/i.test(msg)
      ? 'truncated PNG data'
      : `corrupt PNG data (${msg})`;
    throw new ImageReadError(filePath, reason, { cause: err });
  }
  const { width, height, data } = decoded;
  if (!(width > 0 && height > 0) || data.length !== width * height * 4) {
    throw new ImageReadError(filePath, `corrupt PNG data (decoded ${data.length} bytes for ${width}x${height})`);
  }
  return rgbaToRgb(data, width, height, 0);
}

function decodeJpeg(bytes: Uint8Array, filePath: string): RgbImage {
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, tolerantDecoding: true });
  } catch (err) {
    // A complete JPEG ends with an EOI marker (FF D9), possibly followed by a little padding.
    const complete = tailContains(bytes, [0xff, 0xd9], 64);
    const msg = errorText(err);
    const reason = !complete ? 'truncated JPEG data' : `corrupt or unsupported JPEG data (${msg})`;
    throw new ImageReadError(filePath, reason, { cause: err });
  }
  const { width, height, data } = decoded;
  if (!(width > 0 && height > 0) || data.length !== width * height * 3) {
    throw new ImageReadError(filePath, `corrupt JPEG data (decoded ${data.length} bytes for ${width}x${height})`);
  }
  return { width, height, data };
}

/**
 * Decode PNG or JPEG bytes to 8-bit RGB (see the module comment for the rules). `filePath` is only
 * used in error messages.
 */
export function decodeImage(bytes: Uint8Array, filePath = '<buffer>'): RgbImage {
  if (bytes.length === 0) throw new ImageReadError(filePath, 'empty file');
  const format = sniffImageFormat(bytes);
  if (format === 'png') return decodePng(bytes, filePath);
  if (format === 'jpeg') return decodeJpeg(bytes, filePath);
  const other = format ? IMAGE_FORMAT_LABEL[format] : sniffUnsupportedFormat(bytes);
  throw new ImageReadError(
    filePath,
    other ? `unsupported image format ${other} (only PNG and JPEG are read)` : 'not a PNG or JPEG file',
  );
}

async function readBytes(filePath: string): Promise<Uint8Array> {
  try {
    return await readFile(filePath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found'
      : code === 'EISDIR' ? 'is a directory'
        : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
          : errorText(err);
    throw new ImageReadError(filePath, reason, { cause: err });
  }
}

/** Read a PNG or JPEG file as 8-bit RGB. Throws {@link ImageReadError}. */
export async function readImage(filePath: string): Promise<RgbImage> {
  return decodeImage(await readBytes(filePath), filePath);
}

export interface ReadMaskOptions {
  /** A pixel is 1 when any of its R, G, B values (after alpha compositing) exceeds this; default 0. */
  threshold?: number;
}

/**
 * Read a ground-truth mask (any PNG/JPEG) as 0/1 per pixel: 1 where any color channel is nonzero
 * (or above `threshold`). Transparent pixels count as 0. Throws {@link ImageReadError}.
 */
export async function readMask(filePath: string, opts: ReadMaskOptions = {}): Promise<BinaryMask> {
  const img = await readImage(filePath);
  return {
    width: img.width,
    height: img.height,
    data: binarizeChannels(img.data, img.width, img.height, 3, 3, opts.threshold ?? 0),
  };
}

/**
 * Encode 8-bit pixels as PNG. The channel count is inferred from the length: width*height*1
 * (gray), *3 (RGB) or *4 (RGBA); the PNG keeps that color type.
 */
export function encodePng(
  pixels: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`encodePng: invalid size ${width}x${height}`);
  }
  const n = width * height;
  const channels = pixels.length / n;
  const colorType = channels === 1 ? 0 : channels === 3 ? 2 : channels === 4 ? 6 : -1;
  if (colorType < 0) {
    throw new RangeError(
      `encodePng: ${pixels.length} bytes is not ${width}x${height} times 1, 3 or 4 channels`,
    );
  }
  const png = new PNG({ width, height });
  png.data = Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  return PNG.sync.write(png, {
    colorType: colorType as 0 | 2 | 6,
    inputColorType: colorType as 0 | 2 | 6,
    inputHasAlpha: channels === 4,
    bitDepth: 8,
  });
}

/** Write gray, RGB or RGBA pixels (see {@link encodePng}) to a PNG file, creating parent folders. */
export async function writePng(
  filePath: string,
  pixels: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
): Promise<void> {
  const bytes = encodePng(pixels, width, height);
  await mkdir(path.dirname(path.resolve(filePath)), { recursive: true });
  await writeFile(filePath, bytes);
}

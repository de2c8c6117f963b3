/**
 * Image file headers, read before decoding: format, stored size and EXIF orientation, and the reasons
 * a file cannot be inspected (empty, not an image, a format browsers cannot decode everywhere, cut
 * short, too small, too large). Messages are user-facing and name the file. Pure TS: no DOM, no Node.
 */

export type ImageFileFormat = 'png' | 'jpeg' | 'webp' | 'bmp' | 'gif';

export interface ImageHeader {
  format: ImageFileFormat;
  /** Size as stored in the file, before EXIF orientation (orientations 5–8 swap the displayed width and height). */
  width: number;
  height: number;
  /** EXIF orientation 1..8; 1 when the file has none. */
  orientation: number;
}

export type ImageFileErrorReason = 'empty' | 'not-an-image' | 'unsupported' | 'truncated' | 'too-small' | 'too-large';

export class ImageFileError extends Error {
  override readonly name = 'ImageFileError';
  constructor(
    readonly reason: ImageFileErrorReason,
    message: string,
    /** The file the message is about, when known. */
    readonly fileName?: string,
  ) {
    super(message);
  }
}

export const MAX_MEGAPIXELS = 50;
/** Smallest side that still holds a few teacher patches. */
export const MIN_IMAGE_SIDE = 8;

/** The formats' names, for messages. */
export const IMAGE_FORMAT_LABEL: Record<ImageFileFormat, string> = { png: 'PNG', jpeg: 'JPEG', webp: 'WebP', bmp: 'BMP', gif: 'GIF' };

function u16be(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}
function u32be(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}
function u16le(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}
function u24le(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8) | (b[o + 2] << 16);
}
function u32le(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
function i32le(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);
}
function ascii(b: Uint8Array, o: number, n: number): string {
  let s = '';
  for (let i = o; i < o + n && i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}
function startsWith(b: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (b.length < at + sig.length) return false;
  return sig.every((v, i) => b[at + i] === v);
}

/** Thrown inside the parsers; readImageHeader turns it into a message naming the file. */
class Truncated extends Error {}

/**
 * Reads the header of a PNG, JPEG, WebP, BMP or GIF file and checks that it can be inspected.
 * Throws ImageFileError (reason + user-facing message naming the file) otherwise.
 */
export function readImageHeader(bytes: Uint8Array, fileName?: string): ImageHeader {
  const who = fileName ? `“${fileName}”` : 'The file';
  if (bytes.length === 0) throw new ImageFileError('empty', `${who} is empty (0 bytes).`, fileName);

  const format = sniffImageFormat(bytes);
  if (format === null) {
    const unsupported = sniffUnsupportedFormat(bytes);
    if (unsupported) {
      throw new ImageFileError('unsupported', `${who} is a ${unsupported} image, which this app cannot decode in every browser; convert it to PNG or JPEG.`, fileName);
    }
    throw new ImageFileError('not-an-image', `${who} is not an image this app can read (PNG, JPEG, WebP, BMP or GIF).`, fileName);
  }

  let header: ImageHeader;
  try {
    header = PARSERS[format](bytes);
  } catch (e) {
    if (e instanceof Truncated) {
      throw new ImageFileError('truncated', `${who} is truncated or damaged: the ${IMAGE_FORMAT_LABEL[format]} data ends before the image is complete.`, fileName);
    }
    throw e;
  }

  const { width, height } = header;
  if (width < MIN_IMAGE_SIDE || height < MIN_IMAGE_SIDE) {
    throw new ImageFileError('too-small', `${who}: ${width}×${height} px is too small to inspect (at least ${MIN_IMAGE_SIDE}×${MIN_IMAGE_SIDE} px).`, fileName);
  }
  const megapixels = (width * height) / 1e6;
  if (megapixels > MAX_MEGAPIXELS) {
    throw new ImageFileError('too-large', `${who} (${width}×${height}) is ${megapixels.toFixed(1)} megapixels; the limit is ${MAX_MEGAPIXELS}.`, fileName);
  }
  return header;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** DIB header sizes of the BMP variants (core, info, v2, v3, OS/2 v2, v4, v5). */
const BMP_HEADER_SIZES = new Set([12, 40, 52, 56, 64, 108, 124]);

function isPrefixOf(b: Uint8Array, sig: readonly number[]): boolean {
  return b.length <= sig.length && Array.from(b).every((v, i) => v === sig[i]);
}

/**
 * The format from the leading bytes, never from the file name; null when it is none of the five. A file
 * cut off inside the PNG or JPEG signature counts as that format (its parser then reports it truncated).
 * The one sniffer of the project: the app's header check above and the command-line decoder use it.
 */
export function sniffImageFormat(b: Uint8Array): ImageFileFormat | null {
  if (startsWith(b, PNG_SIGNATURE)) return 'png';
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'webp';
  if (ascii(b, 0, 2) === 'BM' && (b.length < 18 || BMP_HEADER_SIZES.has(u32le(b, 14)))) return 'bmp';
  if (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a') return 'gif';
  // Shorter than a signature but the start of one: a file cut off right at the beginning.
  if (b.length < 8 && isPrefixOf(b, PNG_SIGNATURE)) return 'png';
  if (b.length < 3 && isPrefixOf(b, [0xff, 0xd8, 0xff])) return 'jpeg';
  return null;
}

/** The name of an image format recognised but not read (TIFF, HEIC/HEIF, AVIF, SVG, …), or null. */
export function sniffUnsupportedFormat(b: Uint8Array): string | null {
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a]) || startsWith(b, [0x49, 0x49, 0x2b, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2b])) return 'TIFF';
  if (ascii(b, 4, 4) === 'ftyp') {
    const brands: string[] = [];
    const boxSize = Math.min(u32be(b, 0), b.length, 64);
    for (let o = 8; o + 4 <= boxSize; o += 4) if (o !== 12) brands.push(ascii(b, o, 4)); // major brand, then compatible brands (skip the version)
    if (brands.some((x) => x === 'avif' || x === 'avis')) return 'AVIF';
    if (brands.some((x) => ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'].includes(x))) return 'HEIC/HEIF';
    return null;
  }
  if (startsWith(b, [0xff, 0x0a]) || startsWith(b, [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20])) return 'JPEG XL';
  if (startsWith(b, [0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20]) || startsWith(b, [0xff, 0x4f, 0xff, 0x51])) return 'JPEG 2000';
  if (ascii(b, 0, 4) === '8BPS') return 'Photoshop (PSD)';
  if (startsWith(b, [0, 0, 1, 0]) || startsWith(b, [0, 0, 2, 0])) return b.length > 6 && u16le(b, 4) > 0 ? 'ICO' : null;
  if (ascii(b, 0, 4) === 'qoif') return 'QOI';
  if (ascii(b, 0, 4) === 'DDS ') return 'DDS';
  if (ascii(b, 0, 10) === '#?RADIANCE' || ascii(b, 0, 6) === '#?RGBE') return 'Radiance HDR';
  if (startsWith(b, [0x76, 0x2f, 0x31, 0x01])) return 'OpenEXR';
  // SVG: XML text that declares an <svg> element near the start.
  const head = ascii(b, 0, 1024).replace(/^\uFEFF/, '').trimStart();
  if ((head.startsWith('<?xml') || head.startsWith('<svg') || head.startsWith('<!DOCTYPE svg')) && head.includes('<svg')) return 'SVG (vector)';
  return null;
}

const PARSERS: Record<ImageFileFormat, (b: Uint8Array) => ImageHeader> = { png: parsePng, jpeg: parseJpeg, webp: parseWebp, bmp: parseBmp, gif: parseGif };

// ---- PNG: IHDR gives the size; walking the chunks up to IEND finds truncation (and an eXIf orientation).
function parsePng(b: Uint8Array): ImageHeader {
  if (b.length < 33 || ascii(b, 12, 4) !== 'IHDR') throw new Truncated();
  const width = u32be(b, 16);
  const height = u32be(b, 20);
  let orientation = 1;
  let pos = 8;
  for (;;) {
    if (pos + 12 > b.length) throw new Truncated();
    const length = u32be(b, pos);
    const type = ascii(b, pos + 4, 4);
    const end = pos + 12 + length;
    if (end > b.length) throw new Truncated();
    if (type === 'IEND') break;
    if (type === 'eXIf') orientation = exifOrientation(b, pos + 8, pos + 8 + length);
    pos = end;
  }
  return { format: 'png', width, height, orientation };
}

// ---- JPEG: walk the marker segments to a start-of-frame (size), picking up the EXIF orientation on the way;
// after the first scan, an end-of-image marker must follow (entropy-coded data never contains FF D9).
const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function parseJpeg(b: Uint8Array): ImageHeader {
  let pos = 2;
  let orientation = 1;
  let size: { width: number; height: number } | null = null;
  for (;;) {
    // Find the next marker (skipping fill bytes 0xFF).
    while (pos < b.length && b[pos] !== 0xff) pos++;
    while (pos < b.length && b[pos] === 0xff) pos++;
    if (pos >= b.length) throw new Truncated();
    const marker = b[pos++];
    if (marker === 0xd9) throw new Truncated(); // end of image before any scan
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) continue; // no length field
    if (pos + 2 > b.length) throw new Truncated();
    const length = u16be(b, pos);
    if (length < 2 || pos + length > b.length) throw new Truncated();
    const data = pos + 2;
    if (SOF_MARKERS.has(marker)) {
      if (length < 7) throw new Truncated();
      size = { height: u16be(b, data + 1), width: u16be(b, data + 3) };
    } else if (marker === 0xe1 && orientation === 1 && ascii(b, data, 6) === 'Exif\0\0') {
      orientation = exifOrientation(b, data + 6, pos + length);
    } else if (marker === 0xda) {
      if (!size) throw new Truncated();
      if (!hasEndOfImage(b, pos + length)) throw new Truncated();
      return { format: 'jpeg', ...size, orientation };
    }
    pos += length;
  }
}

function hasEndOfImage(b: Uint8Array, from: number): boolean {
  for (let i = b.length - 1; i > from; i--) if (b[i] === 0xd9 && b[i - 1] === 0xff) return true;
  return false;
}

/** Orientation (tag 0x0112) from a TIFF-structured EXIF block in b[start, end); 1 when absent or invalid. */
function exifOrientation(b: Uint8Array, start: number, end: number): number {
  if (end - start < 8) return 1;
  const little = ascii(b, start, 2) === 'II';
  if (!little && ascii(b, start, 2) !== 'MM') return 1;
  const r16 = (o: number) => (little ? u16le(b, o) : u16be(b, o));
  const r32 = (o: number) => (little ? u32le(b, o) : u32be(b, o));
  const ifd = start + r32(start + 4);
  if (ifd + 2 > end) return 1;
  const count = r16(ifd);
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + 12 * i;
    if (e + 12 > end) return 1;
    if (r16(e) === 0x0112) {
      const v = r16(e + 8);
      return v >= 1 && v <= 8 ? v : 1;
    }
  }
  return 1;
}

// ---- WebP: RIFF container; the first chunk is VP8 (lossy), VP8L (lossless) or VP8X (extended).
function parseWebp(b: Uint8Array): ImageHeader {
  if (b.length < 30) throw new Truncated();
  if (b.length < 8 + u32le(b, 4)) throw new Truncated();
  const chunk = ascii(b, 12, 4);
  let width: number;
  let height: number;
  if (chunk === 'VP8 ') {
    if (!startsWith(b, [0x9d, 0x01, 0x2a], 23)) throw new Truncated();
    width = u16le(b, 26) & 0x3fff;
    height = u16le(b, 28) & 0x3fff;
  } else if (chunk === 'VP8L') {
    if (b[20] !== 0x2f) throw new Truncated();
    const bits = u32le(b, 21);
    width = (bits & 0x3fff) + 1;
    height = ((bits >>> 14) & 0x3fff) + 1;
  } else if (chunk === 'VP8X') {
    width = u24le(b, 24) + 1;
    height = u24le(b, 27) + 1;
  } else {
    throw new Truncated();
  }
  return { format: 'webp', width, height, orientation: 1 };
}

// ---- BMP: BITMAPCOREHEADER (12 bytes, 16-bit sizes) or BITMAPINFOHEADER and later (signed 32-bit; height < 0 = top-down).
function parseBmp(b: Uint8Array): ImageHeader {
  if (b.length < 26) throw new Truncated();
  const fileSize = u32le(b, 2);
  const dib = u32le(b, 14);
  let width: number;
  let height: number;
  if (dib === 12) {
    width = u16le(b, 18);
    height = u16le(b, 20);
  } else {
    if (dib < 40 || b.length < 30) throw new Truncated();
    width = Math.abs(i32le(b, 18));
    height = Math.abs(i32le(b, 22));
  }
  const pixelOffset = u32le(b, 10);
  if (pixelOffset > b.length || (fileSize > 0 && fileSize > b.length)) throw new Truncated();
  return { format: 'bmp', width, height, orientation: 1 };
}

// ---- GIF: logical screen size; a complete file ends with the trailer byte 0x3B.
function parseGif(b: Uint8Array): ImageHeader {
  if (b.length < 14 || b[b.length - 1] !== 0x3b) throw new Truncated();
  return { format: 'gif', width: u16le(b, 6), height: u16le(b, 8), orientation: 1 };
}

import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { ImageFileError, MAX_MEGAPIXELS, readImageHeader, sniffImageFormat } from './image-file';

function png(width: number, height: number): Uint8Array {
  const img = new PNG({ width, height });
  img.data.fill(128);
  return new Uint8Array(PNG.sync.write(img));
}

function jpg(width: number, height: number): Uint8Array {
  const data = Buffer.alloc(width * height * 4, 90);
  return new Uint8Array(jpeg.encode({ data, width, height }, 80).data);
}

/** A JPEG with an EXIF APP1 segment (orientation tag) inserted right after SOI. */
function withExif(file: Uint8Array, orientation: number, bigEndian: boolean): Uint8Array {
  const tiff: number[] = bigEndian
    ? [0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8, 0, 2, /* tag 0x010F make, ASCII */ 0x01, 0x0f, 0, 2, 0, 0, 0, 4, 0x41, 0x42, 0x43, 0, /* orientation */ 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0]
    : [0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0, 0, 0, 0, 0];
  const payload = [...'Exif'].map((c) => c.charCodeAt(0)).concat([0, 0], tiff);
  const len = payload.length + 2;
  const seg = [0xff, 0xe1, len >> 8, len & 0xff, ...payload];
  return Uint8Array.from([...file.subarray(0, 2), ...seg, ...file.subarray(2)]);
}

function reasonOf(f: () => unknown): { reason: string; message: string } {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ImageFileError);
    return { reason: (e as ImageFileError).reason, message: (e as Error).message };
  }
  throw new Error('expected an ImageFileError');
}

const le16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];
const le24 = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff];
const le32 = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
const text = (s: string) => [...s].map((c) => c.charCodeAt(0));

function riff(chunk: string, data: number[]): Uint8Array {
  const body = [...text('WEBP'), ...text(chunk), ...le32(data.length), ...data];
  return Uint8Array.from([...text('RIFF'), ...le32(body.length), ...body]);
}

function bmp(width: number, height: number): Uint8Array {
  const rowBytes = Math.ceil((width * 3) / 4) * 4;
  const pixels = rowBytes * Math.abs(height);
  const header = [
    ...text('BM'), ...le32(54 + pixels), 0, 0, 0, 0, ...le32(54),
    ...le32(40), ...le32(width), ...le32(height >>> 0), ...le16(1), ...le16(24), ...le32(0), ...le32(pixels), ...le32(2835), ...le32(2835), ...le32(0), ...le32(0),
  ];
  return Uint8Array.from([...header, ...new Array<number>(pixels).fill(0)]);
}

function gif(width: number, height: number, trailer = true): Uint8Array {
  // header, logical screen, no colour table, one 1×1 image with minimal LZW data, trailer
  const bytes = [...text('GIF89a'), ...le16(width), ...le16(height), 0, 0, 0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0];
  if (trailer) bytes.push(0x3b);
  return Uint8Array.from(bytes);
}

describe('sniffImageFormat', () => {
  it('detects the format by content', () => {
    expect(sniffImageFormat(png(1, 1))).toBe('png');
    expect(sniffImageFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg');
    expect(sniffImageFormat(new Uint8Array([1, 2, 3]))).toBeNull();
  });
});

describe('readImageHeader', () => {
  it('reads real PNG and JPEG files', () => {
    expect(readImageHeader(png(40, 24), 'a.png')).toEqual({ format: 'png', width: 40, height: 24, orientation: 1 });
    expect(readImageHeader(jpg(33, 17), 'a.jpg')).toEqual({ format: 'jpeg', width: 33, height: 17, orientation: 1 });
  });

  it('reads the EXIF orientation of a JPEG (both byte orders)', () => {
    expect(readImageHeader(withExif(jpg(32, 16), 6, false), 'rot.jpg')).toEqual({ format: 'jpeg', width: 32, height: 16, orientation: 6 });
    expect(readImageHeader(withExif(jpg(32, 16), 8, true), 'rot.jpg').orientation).toBe(8);
    expect(readImageHeader(withExif(jpg(32, 16), 42, true), 'rot.jpg').orientation).toBe(1); // invalid value ignored
  });

  it('reads hand-built WebP (VP8, VP8L, VP8X), BMP and GIF headers', () => {
    const vp8 = riff('VP8 ', [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, ...le16(300), ...le16(200), 0, 0]);
    expect(readImageHeader(vp8, 'a.webp')).toEqual({ format: 'webp', width: 300, height: 200, orientation: 1 });
    const bits = (640 - 1) | ((480 - 1) << 14);
    const vp8l = riff('VP8L', [0x2f, ...le32(bits), 0, 0, 0, 0, 0]);
    expect(readImageHeader(vp8l, 'a.webp')).toMatchObject({ width: 640, height: 480 });
    const vp8x = riff('VP8X', [0x10, 0, 0, 0, ...le24(1023), ...le24(767)]);
    expect(readImageHeader(vp8x, 'a.webp')).toMatchObject({ width: 1024, height: 768 });

    expect(readImageHeader(bmp(20, 10), 'a.bmp')).toEqual({ format: 'bmp', width: 20, height: 10, orientation: 1 });
    expect(readImageHeader(bmp(20, -12), 'top-down.bmp')).toMatchObject({ width: 20, height: 12 });
    expect(readImageHeader(gif(64, 48), 'a.gif')).toEqual({ format: 'gif', width: 64, height: 48, orientation: 1 });
  });

  it('refuses empty files, text files and formats it recognises but cannot decode everywhere', () => {
    expect(reasonOf(() => readImageHeader(new Uint8Array(0), 'empty.png'))).toEqual({ reason: 'empty', message: expect.stringContaining('empty.png') });
    const t = reasonOf(() => readImageHeader(new TextEncoder().encode('hello, this is a note\n'), 'notes.txt'));
    expect(t.reason).toBe('not-an-image');
    expect(t.message).toMatch(/notes\.txt.*not an image/);
    const tiff = reasonOf(() => readImageHeader(Uint8Array.from([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 0, 0]), 'scan.tif'));
    expect(tiff.reason).toBe('unsupported');
    expect(tiff.message).toMatch(/scan\.tif.*TIFF/);
    const heic = Uint8Array.from([0, 0, 0, 24, ...text('ftypheic'), 0, 0, 0, 0, ...text('mif1heic')]);
    expect(reasonOf(() => readImageHeader(heic, 'IMG_1.HEIC')).message).toMatch(/HEIC/);
    const avif = Uint8Array.from([0, 0, 0, 28, ...text('ftypavif'), 0, 0, 0, 0, ...text('avifmif1miaf')]);
    expect(reasonOf(() => readImageHeader(avif, 'a.avif')).message).toMatch(/AVIF/);
    const svg = new TextEncoder().encode('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>');
    expect(reasonOf(() => readImageHeader(svg, 'a.svg')).reason).toBe('unsupported');
  });

  it('detects truncated PNG, JPEG, WebP, BMP and GIF files', () => {
    const p = png(64, 64);
    for (const cut of [p.length - 5, 40, 20, 4]) {
      const r = reasonOf(() => readImageHeader(p.subarray(0, cut), 'cut.png'));
      expect(r.reason).toBe('truncated');
      expect(r.message).toMatch(/cut\.png.*truncated/);
    }
    const j = jpg(64, 64);
    for (const cut of [j.length - 2, Math.floor(j.length / 2), 30, 2]) {
      expect(reasonOf(() => readImageHeader(j.subarray(0, cut), 'cut.jpg')).reason).toBe('truncated');
    }
    // trailing bytes after the end marker are fine
    expect(readImageHeader(Uint8Array.from([...j, 1, 2, 3]), 'padded.jpg').width).toBe(64);
    const w = riff('VP8 ', [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, ...le16(300), ...le16(200), 0, 0, 0, 0, 0, 0]);
    expect(reasonOf(() => readImageHeader(w.subarray(0, w.length - 3), 'cut.webp')).reason).toBe('truncated');
    const b = bmp(20, 10);
    expect(reasonOf(() => readImageHeader(b.subarray(0, b.length - 10), 'cut.bmp')).reason).toBe('truncated');
    expect(reasonOf(() => readImageHeader(gif(64, 48, false), 'cut.gif')).reason).toBe('truncated');
  });

  it('refuses images that are too small or too large, with the numbers in the message', () => {
    const tiny = reasonOf(() => readImageHeader(png(1, 1), 'dot.png'));
    expect(tiny.reason).toBe('too-small');
    expect(tiny.message).toContain('1×1 px is too small to inspect');
    expect(tiny.message).toContain('dot.png');
    expect(reasonOf(() => readImageHeader(png(100, 7), 'strip.png')).reason).toBe('too-small');
    expect(readImageHeader(png(8, 8)).width).toBe(8);

    // forge the IHDR of a small PNG to 10000×6000 (60 MP); the chunk walk does not check CRCs
    const big = png(16, 16);
    const view = new DataView(big.buffer, big.byteOffset);
    view.setUint32(16, 10000);
    view.setUint32(20, 6000);
    const r = reasonOf(() => readImageHeader(big, 'huge.png'));
    expect(r.reason).toBe('too-large');
    expect(r.message).toContain('huge.png');
    expect(r.message).toContain(`is 60.0 megapixels; the limit is ${MAX_MEGAPIXELS}`);
    // exactly 50 MP is allowed
    view.setUint32(16, 10000);
    view.setUint32(20, 5000);
    expect(readImageHeader(big).width).toBe(10000);
  });

  it('names "The file" when no name is given', () => {
    expect(reasonOf(() => readImageHeader(new Uint8Array(0))).message).toMatch(/^The file is empty/);
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG, type ColorType } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, encodePng, ImageReadError, readImage, readMask, writePng } from './image-io.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'image-io-test-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, bytes: Uint8Array | string): string {
  const p = path.join(dir, name);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, bytes);
  return p;
}

/** Encode with pngjs: `data` holds `inputColorType` samples (16-bit: native-endian Uint16 buffer). */
function pngjsEncode(
  width: number,
  height: number,
  data: Buffer,
  colorType: ColorType,
  bitDepth: 8 | 16 = 8,
): Buffer {
  const png = new PNG({ width, height });
  png.data = data;
  return PNG.sync.write(png, {
    colorType,
    inputColorType: colorType,
    inputHasAlpha: colorType === 4 || colorType === 6,
    bitDepth,
  });
}

// --- tiny hand-built files for cases the encoders cannot produce -------------------------------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(body).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

/** 8-bit palette PNG with an optional tRNS alpha table; filter type 0 on every row. */
function palettePng(width: number, height: number, indices: number[], palette: number[][], alphas?: number[]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 3; // palette
  const raw: number[] = [];
  for (let y = 0; y < height; y++) raw.push(0, ...indices.slice(y * width, (y + 1) * width));
  const parts = [
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('PLTE', Uint8Array.from(palette.flat())),
  ];
  if (alphas) parts.push(chunk('tRNS', Uint8Array.from(alphas)));
  parts.push(chunk('IDAT', deflateSync(Uint8Array.from(raw))), chunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}

/**
 * A one-component (grayscale) baseline JPEG of 8x8 blocks side by side, each a flat gray level.
 * All quantisers are 1, so a flat block's DC coefficient is (v - 128) * 8 and decodes exactly.
 * DC Huffman table: categories 0..11 as 4-bit codes 0000..1011; AC table: EOB only, code '0'.
 */
function grayJpeg(levels: number[]): Buffer {
  const seg = (marker: number, body: number[]): number[] => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];
  const width = levels.length * 8;
  const bits: number[] = [];
  const put = (value: number, n: number): void => {
    for (let i = n - 1; i >= 0; i--) bits.push((value >> i) & 1);
  };
  let prev = 0;
  for (const v of levels) {
    const dc = (v - 128) * 8;
    const diff = dc - prev;
    prev = dc;
    const cat = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
    put(cat, 4);
    if (cat > 0) put(diff > 0 ? diff : diff + (1 << cat) - 1, cat);
    put(0, 1); // EOB
  }
  while (bits.length % 8) bits.push(1);
  const scan: number[] = [];
  for (let i = 0; i < bits.length; i += 8) {
    let b = 0;
    for (let j = 0; j < 8; j++) b = (b << 1) | bits[i + j];
    scan.push(b);
    if (b === 0xff) scan.push(0);
  }
  const dcCounts = [0, 0, 0, 12, ...new Array(12).fill(0)];
  const acCounts = [1, ...new Array(15).fill(0)];
  return Buffer.from([
    0xff, 0xd8,
    ...seg(0xdb, [0x00, ...new Array(64).fill(1)]),
    ...seg(0xc0, [8, 0, 8, width >> 8, width & 0xff, 1, 1, 0x11, 0]),
    ...seg(0xc4, [0x00, ...dcCounts, ...Array.from({ length: 12 }, (_, i) => i)]),
    ...seg(0xc4, [0x10, ...acCounts, 0x00]),
    ...seg(0xda, [1, 1, 0x00, 0, 63, 0]),
    ...scan,
    0xff, 0xd9,
  ]);
}

async function expectReadError(p: string, reason: RegExp): Promise<ImageReadError> {
  const err = await readImage(p).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ImageReadError);
  const e = err as ImageReadError;
  expect(e.message.startsWith(`cannot read image ${p}: `)).toBe(true);
  expect(e.message).toMatch(reason);
  expect(e.message).not.toMatch(/\n/);
  expect(e.path).toBe(p);
  return e;
}

describe('readImage: PNG', () => {
  it('decodes 8-bit grayscale', async () => {
    const p = file('gray8.png', pngjsEncode(3, 2, Buffer.from([0, 50, 100, 150, 200, 255]), 0));
    const img = await readImage(p);
    expect(img.width).toBe(3);
    expect(img.height).toBe(2);
    expect(Array.from(img.data)).toEqual([0, 0, 0, 50, 50, 50, 100, 100, 100, 150, 150, 150, 200, 200, 200, 255, 255, 255]);
  });

  it('decodes 16-bit grayscale, rounding to 8 bits', async () => {
    const samples = Uint16Array.from([0, 257 * 100, 65535, 1000]);
    const p = file('gray16.png', pngjsEncode(2, 2, Buffer.from(samples.buffer), 0, 16));
    const img = await readImage(p);
    expect(Array.from(img.data)).toEqual([0, 0, 0, 100, 100, 100, 255, 255, 255, 4, 4, 4]);
  });

  it('decodes 16-bit RGB', async () => {
    const samples = Uint16Array.from([65535, 0, 257 * 7, 257 * 200, 257 * 10, 65535]);
    const p = file('rgb16.png', pngjsEncode(2, 1, Buffer.from(samples.buffer), 2, 16));
    expect(Array.from((await readImage(p)).data)).toEqual([255, 0, 7, 200, 10, 255]);
  });

  it('decodes RGB', async () => {
    const p = file('rgb.png', pngjsEncode(2, 1, Buffer.from([1, 2, 3, 250, 251, 252]), 2));
    expect(Array.from((await readImage(p)).data)).toEqual([1, 2, 3, 250, 251, 252]);
  });

  it('composites RGBA over black', async () => {
    const rgba = Buffer.from([200, 100, 50, 255, 200, 100, 50, 128, 10, 20, 30, 0]);
    const p = file('rgba.png', pngjsEncode(3, 1, rgba, 6));
    const img = await readImage(p);
    expect(Array.from(img.data)).toEqual([200, 100, 50, 100, 50, 25, 0, 0, 0]);
  });

  it('composites gray+alpha over black', async () => {
    const p = file('ga.png', pngjsEncode(2, 1, Buffer.from([255, 255, 200, 51]), 4));
    expect(Array.from((await readImage(p)).data)).toEqual([255, 255, 255, 40, 40, 40]);
  });

  it('decodes a palette PNG, with tRNS alpha', async () => {
    const pal = [[255, 0, 0], [0, 255, 0], [10, 20, 255]];
    const p = file('pal.png', palettePng(3, 2, [0, 1, 2, 2, 1, 0], pal));
    expect(Array.from((await readImage(p)).data)).toEqual([255, 0, 0, 0, 255, 0, 10, 20, 255, 10, 20, 255, 0, 255, 0, 255, 0, 0]);
    const pt = file('pal-trns.png', palettePng(2, 1, [0, 1], pal, [255, 0]));
    expect(Array.from((await readImage(pt)).data)).toEqual([255, 0, 0, 0, 0, 0]);
  });

  it('detects the format by content, not extension', async () => {
    const png = pngjsEncode(1, 1, Buffer.from([7, 8, 9]), 2);
    expect(Array.from((await readImage(file('actually-png.jpg', png))).data)).toEqual([7, 8, 9]);
    expect(Array.from((await readImage(file('no-extension', png))).data)).toEqual([7, 8, 9]);
  });
});

describe('readImage: JPEG', () => {
  it('decodes a one-component grayscale JPEG to R = G = B', async () => {
    const p = file('gray1.jpg', grayJpeg([60, 200, 128]));
    const img = await readImage(p);
    expect(img.width).toBe(24);
    expect(img.height).toBe(8);
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 24; x++) {
        const i = (y * 24 + x) * 3;
        const want = [60, 200, 128][Math.floor(x / 8)];
        expect([img.data[i], img.data[i + 1], img.data[i + 2]]).toEqual([want, want, want]);
      }
    }
  });

  it('decodes a jpeg-js encoded gray-content image', async () => {
    const w = 32;
    const h = 16;
    const rgba = Buffer.alloc(w * h * 4);
    for (let i = 0; i < w * h; i++) {
      const v = (i % w) < 16 ? 40 : 210;
      rgba.set([v, v, v, 255], i * 4);
    }
    const p = file('graycontent.jpeg', jpeg.encode({ width: w, height: h, data: rgba }, 95).data);
    const img = await readImage(p);
    expect([img.width, img.height]).toEqual([w, h]);
    for (const [x, want] of [[4, 40], [27, 210]] as const) {
      const i = (8 * w + x) * 3;
      for (let c = 0; c < 3; c++) expect(Math.abs(img.data[i + c] - want)).toBeLessThanOrEqual(3);
    }
  });

  it('decodes a jpeg-js encoded color image', async () => {
    const w = 16;
    const h = 16;
    const rgba = Buffer.alloc(w * h * 4);
    for (let i = 0; i < w * h; i++) rgba.set([220, 40, 30, 255], i * 4);
    const p = file('color.jpg', jpeg.encode({ width: w, height: h, data: rgba }, 95).data);
    const img = await readImage(p);
    const i = (8 * w + 8) * 3;
    expect(Math.abs(img.data[i] - 220)).toBeLessThanOrEqual(4);
    expect(Math.abs(img.data[i + 1] - 40)).toBeLessThanOrEqual(4);
    expect(Math.abs(img.data[i + 2] - 30)).toBeLessThanOrEqual(4);
  });
});

describe('readImage: errors', () => {
  it('empty file', async () => {
    await expectReadError(file('empty.png', new Uint8Array(0)), /: empty file$/);
  });

  it('text file', async () => {
    await expectReadError(file('notes.png', 'hello, this is not an image\nsecond line\n'), /: not a PNG or JPEG file$/);
  });

  it('other image formats are named', async () => {
    await expectReadError(file('anim.png', 'GIF89a\x01\x00\x01\x00'), /unsupported image format GIF/);
    const webp = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 ')]);
    await expectReadError(file('x.webp', webp), /unsupported image format WebP/);
  });

  it('truncated PNG', async () => {
    const full = pngjsEncode(64, 64, Buffer.alloc(64 * 64 * 3, 90), 2);
    await expectReadError(file('trunc-half.png', full.subarray(0, Math.floor(full.length / 2))), /: truncated PNG data$/);
    await expectReadError(file('trunc-sig.png', full.subarray(0, 8)), /: truncated PNG data$/);
    await expectReadError(file('trunc-end.png', full.subarray(0, full.length - 1)), /: truncated PNG data$/);
  });

  it('corrupt PNG (bad CRC) is not reported as truncated', async () => {
    const full = Buffer.from(pngjsEncode(4, 4, Buffer.alloc(48, 90), 2));
    full[full.length - 20] ^= 0xff; // inside IDAT
    await expectReadError(file('bad-crc.png', full), /: corrupt PNG data \(/);
  });

  it('truncated JPEG', async () => {
    const rgba = Buffer.alloc(64 * 64 * 4, 128);
    const full = jpeg.encode({ width: 64, height: 64, data: rgba }, 90).data;
    await expectReadError(file('trunc-half.jpg', full.subarray(0, Math.floor(full.length / 2))), /: truncated JPEG data$/);
    await expectReadError(file('trunc-head.jpg', full.subarray(0, 4)), /: truncated JPEG data$/);
    await expectReadError(file('trunc-gray.jpg', grayJpeg([10, 20]).subarray(0, 30)), /: truncated JPEG data$/);
  });

  it('missing file and directory', async () => {
    await expectReadError(path.join(dir, 'nope.png'), /: file not found$/);
    mkdirSync(path.join(dir, 'a-dir.png'), { recursive: true });
    await expectReadError(path.join(dir, 'a-dir.png'), /: is a directory$/);
  });

  it('decodeImage names a placeholder when no path is given', () => {
    expect(() => decodeImage(new Uint8Array(0))).toThrow('cannot read image <buffer>: empty file');
  });
});

describe('readMask', () => {
  it('maps any nonzero channel to 1', async () => {
    const p = file('gt/m_mask.png', pngjsEncode(4, 1, Buffer.from([0, 255, 1, 0]), 0));
    expect(await readMask(p)).toEqual({ width: 4, height: 1, data: Uint8Array.from([0, 1, 1, 0]) });
    const q = file('gt/rgb_mask.png', pngjsEncode(3, 1, Buffer.from([0, 0, 0, 0, 0, 9, 255, 255, 255]), 2));
    expect(Array.from((await readMask(q)).data)).toEqual([0, 1, 1]);
    expect(Array.from((await readMask(p, { threshold: 127 })).data)).toEqual([0, 1, 0, 0]);
  });

  it('treats transparent pixels as 0', async () => {
    const p = file('gt/alpha_mask.png', pngjsEncode(2, 1, Buffer.from([255, 255, 255, 0, 255, 255, 255, 255]), 6));
    expect(Array.from((await readMask(p)).data)).toEqual([0, 1]);
  });

  it('reports unreadable masks as ImageReadError', async () => {
    await expect(readMask(file('gt/empty_mask.png', new Uint8Array(0)))).rejects.toBeInstanceOf(ImageReadError);
  });
});

describe('writePng', () => {
  it('round-trips RGB, RGBA and gray, creating folders', async () => {
    const rgb = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    const p1 = path.join(dir, 'out/nested/rgb.png');
    await writePng(p1, rgb, 2, 1);
    expect(Array.from((await readImage(p1)).data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(PNG.sync.read(readFileSync(p1)).colorType).toBe(2);

    const rgba = Uint8ClampedArray.from([10, 20, 30, 255, 40, 50, 60, 255]);
    const p2 = path.join(dir, 'out/rgba.png');
    await writePng(p2, rgba, 1, 2);
    const back = PNG.sync.read(readFileSync(p2));
    expect([back.width, back.height, back.colorType]).toEqual([1, 2, 6]);
    expect(Array.from(back.data)).toEqual([10, 20, 30, 255, 40, 50, 60, 255]);

    const p3 = path.join(dir, 'out/gray.png');
    await writePng(p3, Uint8Array.from([0, 77, 255]), 3, 1);
    expect(Array.from((await readImage(p3)).data)).toEqual([0, 0, 0, 77, 77, 77, 255, 255, 255]);
  });

  it('works on a subarray view', () => {
    const backing = Uint8Array.from([99, 99, 1, 2, 3, 99]);
    const png = encodePng(backing.subarray(2, 5), 1, 1);
    expect(Array.from(PNG.sync.read(png).data)).toEqual([1, 2, 3, 255]);
  });

  it('rejects a length that is not 1, 3 or 4 channels', async () => {
    await expect(writePng(path.join(dir, 'out/bad.png'), new Uint8Array(10), 2, 2)).rejects.toThrow(RangeError);
  });
});

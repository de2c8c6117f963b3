import { describe, expect, it } from 'vitest';
import { rgbaToI420, y4mFrame, y4mHeader, yuvToRgb } from './y4m';

function flat(width: number, height: number, rgb: [number, number, number]): Uint8Array {
  const d = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) d.set([...rgb, 255], i * 4);
  return d;
}

describe('RGBA → I420 (BT.601 limited range)', () => {
  it('maps the reference colours to their standard codes', () => {
    const cases: [[number, number, number], [number, number, number]][] = [
      [[0, 0, 0], [16, 128, 128]],
      [[255, 255, 255], [235, 128, 128]],
      [[255, 0, 0], [81, 90, 240]],
      [[0, 255, 0], [145, 54, 34]],
      [[0, 0, 255], [41, 240, 110]],
    ];
    for (const [rgb, [y, u, v]] of cases) {
      const f = rgbaToI420(flat(2, 2, rgb), 2, 2);
      expect([...f.y]).toEqual([y, y, y, y]);
      expect([f.u[0], f.v[0]]).toEqual([u, v]);
    }
  });

  it('round-trips colours within 2 levels and averages chroma over 2×2 blocks', () => {
    for (const rgb of [[12, 200, 90], [250, 128, 3], [77, 77, 77], [130, 40, 220]] as [number, number, number][]) {
      const f = rgbaToI420(flat(4, 2, rgb), 4, 2);
      expect(f.u).toHaveLength(2);
      const back = yuvToRgb(f.y[0], f.u[0], f.v[0]);
      back.forEach((c, k) => expect(Math.abs(c - rgb[k])).toBeLessThanOrEqual(2));
    }
    // Left 2×2 block red, right block blue: each chroma sample is its own block's.
    const d = new Uint8Array(4 * 2 * 3);
    for (let yy = 0; yy < 2; yy++) for (let x = 0; x < 4; x++) d.set(x < 2 ? [255, 0, 0] : [0, 0, 255], (yy * 4 + x) * 3);
    const f = rgbaToI420(d, 4, 2, 3);
    expect([...f.u]).toEqual([90, 240]);
    expect([...f.v]).toEqual([240, 110]);
  });

  it('refuses odd sizes and wrong byte counts', () => {
    expect(() => rgbaToI420(new Uint8Array(3 * 2 * 4), 3, 2)).toThrow(/even width and height/);
    expect(() => rgbaToI420(new Uint8Array(10), 2, 2)).toThrow(/expected 2×2×4 bytes/);
  });

  it('writes the YUV4MPEG2 header and frames', () => {
    expect(y4mHeader(384, 256, 10)).toBe('YUV4MPEG2 W384 H256 F10:1 Ip A1:1 C420\n');
    const f = rgbaToI420(flat(2, 2, [255, 255, 255]), 2, 2);
    const bytes = y4mFrame(f);
    expect(new TextDecoder().decode(bytes.subarray(0, 6))).toBe('FRAME\n');
    expect([...bytes.subarray(6)]).toEqual([235, 235, 235, 235, 128, 128]);
  });
});

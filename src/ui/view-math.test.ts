import { describe, expect, it } from 'vitest';
import { colormapLut } from '../data/colormap';
import {
  colorbarTicks,
  colorRange,
  contentSize,
  displaySize,
  exportFileName,
  formatValue,
  hotSpot,
  lutGradient,
  pointerToImage,
  sideGap,
} from './view-math';

describe('viewer geometry', () => {
  it('sizes the canvas for overlay and side-by-side', () => {
    expect(contentSize({ width: 400, height: 300 }, 'overlay')).toEqual({ width: 400, height: 300 });
    expect(sideGap(400)).toBe(8);
    expect(sideGap(100)).toBe(4);
    expect(contentSize({ width: 400, height: 300 }, 'side-by-side')).toEqual({ width: 808, height: 300 });
  });

  it('fits keeping the aspect ratio, never stretching', () => {
    const wide = displaySize({ width: 1600, height: 800 }, { width: 800, height: 600 }, 'fit');
    expect(wide).toEqual({ width: 800, height: 400 });
    const tall = displaySize({ width: 300, height: 900 }, { width: 800, height: 600 }, 'fit');
    expect(tall).toEqual({ width: 200, height: 600 });
    // Small images are enlarged to fit as well.
    expect(displaySize({ width: 256, height: 256 }, { width: 800, height: 600 }, 'fit')).toEqual({ width: 600, height: 600 });
    expect(displaySize({ width: 1600, height: 800 }, { width: 800, height: 600 }, '1:1')).toEqual({ width: 1600, height: 800 });
    // No stage measured yet: natural size.
    expect(displaySize({ width: 50, height: 20 }, { width: 0, height: 0 }, 'fit')).toEqual({ width: 50, height: 20 });
  });

  it('maps the pointer to image fractions in both modes', () => {
    const img = { width: 400, height: 200 };
    expect(pointerToImage(100, 50, { width: 200, height: 100 }, img, 'overlay')).toEqual({ fx: 0.5, fy: 0.5 });
    expect(pointerToImage(-1, 50, { width: 200, height: 100 }, img, 'overlay')).toBeNull();
    expect(pointerToImage(200, 50, { width: 200, height: 100 }, img, 'overlay')).toBeNull();
    // side by side: 400 | 8 | 400 = 808 wide, shown at 1:1
    const d = { width: 808, height: 200 };
    expect(pointerToImage(100, 100, d, img, 'side-by-side')).toEqual({ fx: 0.25, fy: 0.5 });
    expect(pointerToImage(408 + 100, 100, d, img, 'side-by-side')).toEqual({ fx: 0.25, fy: 0.5 });
    expect(pointerToImage(403, 100, d, img, 'side-by-side')).toBeNull();
  });

  it('puts the hot spot at the centre of the argmax pixel', () => {
    expect(hotSpot(0, 4)).toEqual({ fx: 0.125, fy: 0.125 });
    expect(hotSpot(2 * 4 + 3, 4)).toEqual({ fx: 0.875, fy: 0.625 });
  });
});

describe('colorbar', () => {
  it('has a fixed range per threshold that only grows for a hotter image', () => {
    expect(colorRange(0.4, 0.3)).toEqual([0, expect.closeTo(0.6, 12)]);
    expect(colorRange(0.4, 0.9)).toEqual([0, 0.9]);
    expect(colorRange(0, 0.2)).toEqual([0, 1]);
    expect(colorRange(Number.NaN, Number.NaN)).toEqual([0, 1]);
  });

  it('labels with round ticks', () => {
    expect(colorbarTicks(0, 0.6)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    expect(colorbarTicks(0, 1.3)).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]);
    expect(colorbarTicks(0, 7, 4)).toEqual([0, 2, 4, 6]);
    expect(colorbarTicks(0.5, 0.5)).toEqual([0.5]);
  });

  it('formats values and builds the gradient from the LUT', () => {
    expect(formatValue(0.123456)).toBe('0.123');
    expect(formatValue(0)).toBe('0');
    expect(formatValue(12.345)).toBe('12.3');
    expect(formatValue(0.00001234)).toBe('1.23e-5');
    expect(formatValue(Number.NaN)).toBe('—');
    const g = lutGradient(colormapLut('gray'));
    expect(g.startsWith('linear-gradient(to right, rgb(0, 0, 0) 0.0%')).toBe(true);
    expect(g.endsWith('rgb(255, 255, 255) 100.0%)')).toBe(true);
  });
});

describe('export names', () => {
  it('derives PNG names from the image name', () => {
    expect(exportFileName('hole_003.png', 'heatmap')).toBe('hole_003-heatmap.png');
    expect(exportFileName('part 7.JPEG', 'overlay')).toBe('part_7-overlay.png');
    expect(exportFileName('.png', 'overlay')).toBe('image-overlay.png');
    expect(exportFileName('../x/y:z.webp', 'heatmap')).toBe('x_y_z-heatmap.png');
  });
});

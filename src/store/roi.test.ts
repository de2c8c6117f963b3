import { describe, expect, it } from 'vitest';
import { cropFor, loadRoi, normalizeRoi, saveRoi } from './roi';
import { MemorySettings } from './test-fake-camera';

describe('camera ROI', () => {
  it('centre-crops the frame to the model aspect when there is no ROI', () => {
    expect(cropFor(640, 480, null)).toEqual({ x: 80, y: 0, width: 480, height: 480 });
    expect(cropFor(480, 640, null)).toEqual({ x: 0, y: 80, width: 480, height: 480 });
    expect(cropFor(384, 256, null)).toEqual({ x: 64, y: 0, width: 256, height: 256 });
    expect(cropFor(100, 100, null, 2)).toEqual({ x: 0, y: 25, width: 100, height: 50 });
    expect(cropFor(0, 480, null)).toEqual({ x: 0, y: 0, width: 0, height: 0 });
  });

  it('takes the ROI as fractions of the frame, inside it and at least one pixel', () => {
    expect(cropFor(640, 480, { x: 0.25, y: 0.5, width: 0.5, height: 0.25 })).toEqual({ x: 160, y: 240, width: 320, height: 120 });
    expect(cropFor(10, 10, { x: 0.99, y: 0.99, width: 0.5, height: 0.001 })).toEqual({ x: 9, y: 9, width: 1, height: 1 });
  });

  it('normalises dragged rectangles: any corner order, clamped to the frame, clicks are not an ROI', () => {
    expect(normalizeRoi({ x: 0.8, y: 0.9, width: -0.3, height: -0.5 })).toEqual({ x: 0.5, y: 0.4, width: expect.closeTo(0.3, 12), height: expect.closeTo(0.5, 12) });
    expect(normalizeRoi({ x: -0.2, y: 0.5, width: 0.5, height: 0.8 })).toEqual({ x: 0, y: 0.5, width: expect.closeTo(0.3, 12), height: 0.5 });
    expect(normalizeRoi({ x: 0.5, y: 0.5, width: 0.01, height: 0.5 })).toBeNull();
    expect(normalizeRoi({ x: Number.NaN, y: 0, width: 1, height: 1 })).toBeNull();
    expect(normalizeRoi(null)).toBeNull();
  });

  it('is saved per model and survives unreadable storage', () => {
    const st = new MemorySettings();
    saveRoi(st, 'fabric', { x: 0.1, y: 0.2, width: 0.3, height: 0.4 });
    expect(loadRoi(st, 'fabric')).toEqual({ x: 0.1, y: 0.2, width: 0.3, height: 0.4 });
    expect(loadRoi(st, 'wood')).toBeNull();
    st.set('rd-inspector.camera-roi.wood', '{not json');
    expect(loadRoi(st, 'wood')).toBeNull();
    saveRoi(st, 'fabric', null);
    expect(loadRoi(st, 'fabric')).toBeNull();
    expect(loadRoi(undefined, 'fabric')).toBeNull();
    const broken = { get: () => { throw new Error('denied'); }, set: () => { throw new Error('full'); }, remove: () => {} };
    expect(() => saveRoi(broken, 'fabric', { x: 0, y: 0, width: 1, height: 1 })).not.toThrow();
    expect(loadRoi(broken, 'fabric')).toBeNull();
  });
});

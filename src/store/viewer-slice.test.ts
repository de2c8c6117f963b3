import { describe, expect, it } from 'vitest';
import type { ModelMeta as HelperMeta } from '../engine/model-meta';
import { setup } from './test-support';
import { checkThreshold, clampSigma, defaultThreshold, fusionOf, LAST_SCALE_NOTICE, scalesFromMeta } from './viewer-slice';

describe('inspector store: viewer settings', () => {
  it('clamps and toggles the view settings', () => {
    const h = setup();
    const st = () => h.store.getState();
    st().setOpacity(2);
    expect(st().opacity).toBe(1);
    st().setOpacity(-1);
    expect(st().opacity).toBe(0);
    st().setColormap('inferno');
    expect(st().colormap).toBe('inferno');
    st().setColormap('rainbow' as never);
    expect(st().colormap).toBe('inferno');
    st().toggleMode();
    expect(st().mode).toBe('side-by-side');
    st().toggleZoom();
    expect(st().zoom).toBe('1:1');
  });

  it('refuses a negative, empty or non-numeric threshold with a reason and keeps the one in force', () => {
    const h = setup();
    const st = () => h.store.getState();
    expect(st().setThreshold(0.42)).toBeNull();
    expect(st().threshold).toBe(0.42);
    expect(st().setThreshold(-1)).toMatch(/cannot be below 0/);
    expect(st().setThreshold(null)).toMatch(/Enter a threshold/);
    expect(st().setThreshold(Number.NaN)).toMatch(/must be a number/);
    expect(st().setThreshold(Number.POSITIVE_INFINITY)).toMatch(/must be a number/);
    expect(st().threshold).toBe(0.42);
    expect(st().thresholdSource).toBe('user');
    expect(st().setThreshold(0)).toBeNull();
    expect(st().threshold).toBe(0);
    expect(checkThreshold(0)).toBeNull();
    expect(checkThreshold(-0.001)).not.toBeNull();
  });

  it('says why the last scale cannot be turned off, until a toggle is accepted', () => {
    const h = setup();
    const st = () => h.store.getState();
    expect(st().scaleNotice).toBeNull();
    st().setScales([true, false, false]);
    expect(st().toggleScale(0)).toBe(false);
    expect(st().scaleNotice).toBe(LAST_SCALE_NOTICE);
    expect(st().scales).toEqual([true, false, false]);
    expect(st().toggleScale(1)).toBe(true);
    expect(st().scaleNotice).toBeNull();
  });
});

const helperMeta = (map: Partial<HelperMeta['map']>, calibration: HelperMeta['calibration'] = null) =>
  ({ map: { sigma: 4, fusion: 'sum', upsample: 'bilinear-half-pixel', ...map }, calibration }) as HelperMeta;

describe('viewer defaults', () => {
  it('snaps σ to the slider grid', () => {
    expect(clampSigma(3.1)).toBe(3);
    expect(clampSigma(3.13)).toBe(3.25);
    expect(clampSigma(-1)).toBe(0);
    expect(clampSigma(12)).toBe(8);
    expect(clampSigma(Number.NaN)).toBe(0);
  });

  it('reads the scale selection and threshold from meta', () => {
    expect(scalesFromMeta(null)).toEqual([true, true, true]);
    expect(scalesFromMeta(helperMeta({ scales: [2, 3] }))).toEqual([false, true, true]);
    expect(scalesFromMeta(helperMeta({ scales: [] }))).toEqual([true, true, true]);
    expect(scalesFromMeta(helperMeta({ scales: [7] }))).toEqual([true, true, true]);
    const cal = { n: 1, mean: 0, std: 0, min: 0, max: 0, p95: 0, p99: 0, threshold: 0.34, rule: 'r' };
    expect(defaultThreshold(helperMeta({}, cal))).toEqual({ threshold: 0.34, calibrated: true });
    expect(defaultThreshold(helperMeta({ scales: [2, 3] }))).toEqual({ threshold: 0.6, calibrated: false });
    expect(defaultThreshold(helperMeta({ fusion: 'product', scales: [2, 3] }))).toEqual({ threshold: 0.09, calibrated: false });
  });
});

describe('fusion of the active model', () => {
  it('is the meta’s fusion, sum without a model, and an error for an unknown one (never a silent sum)', () => {
    expect(fusionOf(null)).toBe('sum');
    expect(fusionOf(helperMeta({ fusion: 'product' }))).toBe('product');
    expect(() => fusionOf(helperMeta({ fusion: 'max' as never }))).toThrow(/unknown map fusion "max"/);
  });
});

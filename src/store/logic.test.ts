import { describe, expect, it } from 'vitest';
import type { ModelMeta } from '../engine/model-meta';
import type { TrainProgress } from '../worker/protocol';
import {
  appendLoss,
  categoryForModel,
  checkTrainSettings,
  DEFAULT_TRAIN_SETTINGS,
  EMPTY_LOSS_HISTORY,
  isBundleFileName,
  trainFraction,
  clampSigma,
  defaultThreshold,
  describeFailure,
  parseModelIndex,
  parseSampleIndex,
  resolveUrl,
  scalesFromMeta,
  withName,
} from './logic';

const meta = (map: Partial<ModelMeta['map']>, calibration: ModelMeta['calibration'] = null) =>
  ({ map: { sigma: 4, fusion: 'sum', upsample: 'bilinear-half-pixel', ...map }, calibration }) as ModelMeta;

describe('store helpers', () => {
  it('snaps σ to the slider grid', () => {
    expect(clampSigma(3.1)).toBe(3);
    expect(clampSigma(3.13)).toBe(3.25);
    expect(clampSigma(-1)).toBe(0);
    expect(clampSigma(12)).toBe(8);
    expect(clampSigma(Number.NaN)).toBe(0);
  });

  it('reads the scale selection and threshold from meta', () => {
    expect(scalesFromMeta(null)).toEqual([true, true, true]);
    expect(scalesFromMeta(meta({ scales: [2, 3] }))).toEqual([false, true, true]);
    expect(scalesFromMeta(meta({ scales: [] }))).toEqual([true, true, true]);
    expect(scalesFromMeta(meta({ scales: [7] }))).toEqual([true, true, true]);
    const cal = { n: 1, mean: 0, std: 0, min: 0, max: 0, p95: 0, p99: 0, threshold: 0.34, rule: 'r' };
    expect(defaultThreshold(meta({}, cal))).toEqual({ threshold: 0.34, calibrated: true });
    expect(defaultThreshold(meta({ scales: [2, 3] }))).toEqual({ threshold: 0.6, calibrated: false });
    expect(defaultThreshold(meta({ fusion: 'product', scales: [2, 3] }))).toEqual({ threshold: 0.09, calibrated: false });
  });

  it('resolves index paths against the base URL', () => {
    expect(resolveUrl('/', 'models/students/fabric/')).toBe('/models/students/fabric');
    expect(resolveUrl('/app/', './samples/a.png')).toBe('/app/samples/a.png');
    expect(resolveUrl('/app', 'x')).toBe('/app/x');
    expect(resolveUrl('/app/', 'https://h/m')).toBe('https://h/m');
  });

  it('parses the indices and matches a category to a model', () => {
    const models = parseModelIndex({ version: 1, models: [{ id: 'fabric', path: 'models/students/fabric', eval: { image_auroc: 0.9 } }] }, '/');
    expect(models).toEqual([
      {
        id: 'fabric',
        title: 'fabric',
        source: { kind: 'url', url: '/models/students/fabric' },
        origin: 'shipped',
        path: 'models/students/fabric',
        teacher: undefined,
        eval: { image_auroc: 0.9 },
      },
    ]);
    expect(() => parseModelIndex({ models: [] }, '/')).toThrow(/version/);
    expect(() => parseModelIndex([], '/')).toThrow(/not a model index/);
    const cats = parseSampleIndex({
      categories: [
        { id: 'wood', model: 'models/students/oak', samples: [{ file: 'samples/wood/a.png', label: 'defect', defect: 'knot' }, { nofile: 1 }] },
        { id: 'fabric', samples: [] },
      ],
    });
    expect(cats[0].samples).toEqual([{ file: 'samples/wood/a.png', label: 'defect', defect: 'knot', mask: null, width: 0, height: 0 }]);
    expect(categoryForModel(cats, models[0])?.id).toBe('fabric');
    expect(categoryForModel(cats, { ...models[0], id: 'oak', path: 'models/students/oak' })?.id).toBe('wood');
    expect(categoryForModel(cats, undefined)).toBeNull();
  });

  it('describes failures from the worker and the decoder', () => {
    expect(describeFailure(Object.assign(new Error('gone'), { kind: 'out-of-memory' }))).toEqual({ kind: 'out-of-memory', message: 'gone' });
    expect(describeFailure(Object.assign(new Error('bad'), { reason: 'truncated' }))).toEqual({ kind: 'image', message: 'bad' });
    expect(describeFailure('weird')).toEqual({ kind: 'internal', message: 'weird' });
    expect(withName('a.png', 'too small')).toBe('a.png: too small');
    expect(withName('a.png', '“a.png” is too small')).toBe('“a.png” is too small');
  });
});

describe('training helpers', () => {
  const p = (over: Partial<TrainProgress>): TrainProgress => ({
    type: 'train-progress', phase: 'training', epoch: 1, epochs: 2, step: 1, stepsPerEpoch: 3, loss: 0.5, epochLosses: [], elapsedMs: 0, etaMs: Number.NaN, ...over,
  });

  it('builds the loss curve from progress events (global steps, epoch means, repeats ignored)', () => {
    let h = appendLoss(EMPTY_LOSS_HISTORY, p({ phase: 'features', step: 4, loss: Number.NaN }));
    expect(h).toBe(EMPTY_LOSS_HISTORY);
    h = appendLoss(h, p({ step: 1, loss: 0.9 }));
    h = appendLoss(h, p({ step: 2, loss: 0.8 }));
    h = appendLoss(h, p({ step: 3, loss: 0.7, epochLosses: [0.8] }));
    expect(appendLoss(h, p({ step: 3, loss: 0.7, epochLosses: [0.8] }))).toBe(h);
    h = appendLoss(h, p({ epoch: 2, step: 1, loss: 0.6, epochLosses: [0.8] }));
    expect(h).toEqual({ steps: [1, 2, 3, 4], losses: [0.9, 0.8, 0.7, 0.6], epochMeans: [0.8], stepsPerEpoch: 3 });
  });

  it('progress fraction over the three phases', () => {
    expect(trainFraction(null)).toBe(0);
    expect(trainFraction(p({ phase: 'features', step: 5, stepsPerEpoch: 10 }))).toBeCloseTo(0.05);
    expect(trainFraction(p({ epoch: 2, step: 3 }))).toBeCloseTo(0.9);
    expect(trainFraction(p({ epoch: 1, step: 3 }))).toBeCloseTo(0.5);
    expect(trainFraction(p({ phase: 'calibrating', step: 10, stepsPerEpoch: 10 }))).toBeCloseTo(1);
  });

  it('settings checks and bundle file names', () => {
    expect(checkTrainSettings(DEFAULT_TRAIN_SETTINGS)).toBeNull();
    expect(checkTrainSettings({ ...DEFAULT_TRAIN_SETTINGS, epochs: 0 })).toMatch(/Epochs/);
    expect(checkTrainSettings({ ...DEFAULT_TRAIN_SETTINGS, learningRate: 0 })).toMatch(/learning rate/);
    expect(checkTrainSettings({ ...DEFAULT_TRAIN_SETTINGS, learningRate: Number.NaN })).toMatch(/learning rate/);
    expect(['a.ZIP', 'model.json', 'weights.bin'].map(isBundleFileName)).toEqual([true, true, true]);
    expect(['a.png', 'zip.jpg', 'json'].map(isBundleFileName)).toEqual([false, false, false]);
  });

  it('describes storage failures', () => {
    expect(describeFailure(Object.assign(new Error('quota'), { kind: 'storage' })).kind).toBe('storage');
  });
});

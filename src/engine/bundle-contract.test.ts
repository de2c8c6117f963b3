import { describe, expect, it } from 'vitest';
import type * as tf from '@tensorflow/tfjs';
import { buildModelMeta, calibrationFields, checkBundle, parseModelMeta, teacherTaps, weightBytesMismatch } from './bundle-contract';
import { MODEL_FORMAT_VERSION, type ModelMeta, type TapInfo } from './model-meta';
import { DEFAULT_TRAIN_CONFIG } from './train';

const taps: TapInfo[] = [
  { name: 'a', stride: 4, channels: 8 },
  { name: 'b', stride: 8, channels: 16 },
  { name: 'c', stride: 16, channels: 32 },
];
const student = { tapChannels: [8, 16, 32] as [number, number, number], widths: [8, 16, 32] as [number, number, number], embedChannels: 32, decoderBlocks: 1 };

function meta(): ModelMeta {
  return buildModelMeta({
    teacher: { id: 't', tapSet: 'x', taps },
    student,
    inputSize: 64,
    normalization: { inputRange: [0, 1], resize: 'bilinear' },
    map: { sigma: 4, fusion: 'sum', scales: [2, 3] },
    lossForm: 'flattened',
    calibration: calibrationFields({ n: 3, mean: 0.1, std: 0.01, min: 0.09, max: 0.11, p95: 0.11, p99: 0.11 }, 0.13, 'mean + 3·std'),
    training: { config: { ...DEFAULT_TRAIN_CONFIG, epochs: 2 }, losses: [0.5, 0.4], minutes: 1, backend: 'wasm' },
    dataset: { name: 'd', fingerprint: 'f', trainImages: 3 },
  });
}

describe('bundle contract', () => {
  it('buildModelMeta writes a meta.json that parseModelMeta reads back, with the training defaults and calibration', () => {
    const m = meta();
    expect(m).toMatchObject({
      formatVersion: MODEL_FORMAT_VERSION, kind: 'rd4ad-student', map: { sigma: 4, fusion: 'sum', upsample: 'bilinear-half-pixel', scales: [2, 3] },
      training: { epochs: 2, batchSize: DEFAULT_TRAIN_CONFIG.batchSize, learningRate: DEFAULT_TRAIN_CONFIG.learningRate, betas: [DEFAULT_TRAIN_CONFIG.beta1, DEFAULT_TRAIN_CONFIG.beta2], losses: [0.5, 0.4] },
      calibration: { n: 3, threshold: 0.13, rule: 'mean + 3·std' },
    });
    expect(m.fineTune).toBeUndefined();
    expect(parseModelMeta(JSON.parse(JSON.stringify(m)))).toEqual({ meta: m, reason: null });
  });

  it('parseModelMeta names a newer format version on its own, other problems as meta.json field problems', () => {
    expect(parseModelMeta({ ...meta(), formatVersion: 7 })).toMatchObject({ meta: null, newerFormat: true, reason: expect.stringMatching(/^format version 7 is newer than this app reads \(1\)/) });
    expect(parseModelMeta({ ...meta(), inputSize: 100 })).toMatchObject({ meta: null, newerFormat: false, reason: expect.stringMatching(/input size must be a multiple of 32/) });
    expect(parseModelMeta(null)).toMatchObject({ meta: null, newerFormat: false, reason: 'meta.json is not a JSON object' });
  });

  it('checkBundle: teacher id, tap set, taps, student config and weight bytes each have one reason', () => {
    const m = meta();
    expect(checkBundle({ meta: m, teacher: { id: 't', tapSets: { x: taps } }, student })).toBeNull();
    expect(checkBundle({ meta: m, teacher: { id: 'u', tapSets: { x: taps } } })).toBe('the model was trained on teacher "t", not "u"');
    expect(checkBundle({ meta: m, teacher: { id: 't', tapSets: { y: taps } } })).toBe('needs tap set "x", which teacher "t" does not have (it has y)');
    expect(teacherTaps(m, { id: 't', tapSets: { toString: taps } })).toBeNull();
    expect(checkBundle({ meta: m, teacher: { id: 't', tapSets: { x: [taps[0], taps[1], { ...taps[2], channels: 64 }] } } })).toMatch(/^tap 3 differs: model has c \(32 ch, stride 16\), teacher has c \(64 ch, stride 16\)/);
    expect(checkBundle({ meta: m, student: { ...student, tapChannels: [8, 16, 64] } })).toBe("the student's tap channels [8, 16, 64] do not match meta.json [8, 16, 32]");
    expect(checkBundle({ meta: m, student: { ...student, widths: [8, 16, 48] } })).toMatch(/^model\.json holds a student of widths 8\/16\/48/);
    const artifacts = { weightSpecs: [{ name: 'w', shape: [4], dtype: 'float32' }], weightData: new ArrayBuffer(12) } as tf.io.ModelArtifacts;
    expect(checkBundle({ meta: m, artifacts })).toBe('weights.bin has 12 bytes, model.json describes 16');
    expect(weightBytesMismatch({ ...artifacts, weightData: new ArrayBuffer(16) }, 'w.bin')).toBeNull();
  });
});

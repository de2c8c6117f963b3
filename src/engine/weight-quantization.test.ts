import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../cli/lib/backend';
import { Student, StudentConfig } from './student';
import { bankFromArtifacts, bankShape, studentFromArtifacts, studentToArtifacts } from './weights-io';
import { describeQuantization, float32ToFloat16Bits, quantizeArtifacts, weightBytes } from './weight-quantization';

describe('weight quantization (tfjs manifest format)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('encodes float16 bit patterns exactly, with round-to-nearest-even, subnormals and overflow', () => {
    expect(float32ToFloat16Bits(0)).toBe(0x0000);
    expect(float32ToFloat16Bits(-0)).toBe(0x8000);
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(-2)).toBe(0xc000);
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff);
    expect(float32ToFloat16Bits(1e6)).toBe(0x7c00);
    expect(float32ToFloat16Bits(Infinity)).toBe(0x7c00);
    expect(float32ToFloat16Bits(NaN) & 0x7c00).toBe(0x7c00);
    expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float32ToFloat16Bits(2 ** -26)).toBe(0x0000);
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even mantissa
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(float32ToFloat16Bits(0.1)).toBe(0x2e66);
  });

  it('round-trips through tf.io.decodeWeights within the grid step, keeping small tensors float32', async () => {
    const values = Float32Array.from({ length: 4096 }, (_, i) => Math.sin(i * 0.37) * 3 - 0.5);
    const small = Float32Array.from([1e-5, 2e-5, 0.7]);
    const { data, specs } = await tf.io.encodeWeights({ w: tf.tensor1d(values), bnVar: tf.tensor1d(small) });
    const artifacts: tf.io.ModelArtifacts = { weightSpecs: specs, weightData: data };
    for (const [dtype, tol, bytesPerValue] of [['uint8', 6 / 255 / 2 + 1e-6, 1], ['uint16', 6 / 65535 / 2 + 1e-6, 2], ['float16', 3 * 2 ** -11, 2]] as const) {
      const q = quantizeArtifacts(artifacts, dtype);
      expect(weightBytes(q)).toBe(4096 * bytesPerValue + 3 * 4);
      expect(describeQuantization(q.weightSpecs!)).toBe(['float32', dtype].sort().join('+'));
      const decoded = tf.io.decodeWeights(tf.io.CompositeArrayBuffer.join(q.weightData!), q.weightSpecs!);
      const w = decoded.w.dataSync();
      let maxErr = 0;
      for (let i = 0; i < values.length; i++) maxErr = Math.max(maxErr, Math.abs(w[i] - values[i]));
      expect(maxErr).toBeLessThanOrEqual(tol);
      expect(Array.from(decoded.bnVar.dataSync())).toEqual(Array.from(small));
      tf.dispose(Object.values(decoded));
    }
    expect(quantizeArtifacts(artifacts, 'float32')).toBe(artifacts);
    expect(() => quantizeArtifacts(quantizeArtifacts(artifacts, 'uint8'), 'uint8')).toThrow(/float32/);
  });

  it('a quantized student loads through studentFromArtifacts and predicts close to the original', async () => {
    const config: StudentConfig = { tapChannels: [8, 12, 16], widths: [8, 12, 16], embedChannels: 32, decoderBlocks: 1 };
    const student = new Student(config, 5);
    const artifacts = await studentToArtifacts(student);
    const taps = [tf.randomUniform([1, 16, 16, 8], 0, 1, 'float32', 1), tf.randomUniform([1, 8, 8, 12], 0, 1, 'float32', 2), tf.randomUniform([1, 4, 4, 16], 0, 1, 'float32', 3)] as tf.Tensor4D[];
    const before = tf.memory().numTensors;
    for (const dtype of ['float16', 'uint8'] as const) {
      const loaded = studentFromArtifacts(quantizeArtifacts(artifacts, dtype, { minElements: 64 }));
      const a = student.predict(taps);
      const b = loaded.predict(taps);
      // Error relative to the output's range: float16 keeps ~3 significant digits, uint8 ~2.
      const diff = tf.tidy(() => Math.max(...a.map((t, k) => tf.max(tf.abs(tf.sub(t, b[k]))).dataSync()[0] / tf.max(tf.abs(t)).dataSync()[0])));
      expect(diff).toBeLessThan(dtype === 'float16' ? 2e-3 : 0.1);
      expect(diff).toBeGreaterThan(0);
      tf.dispose([...a, ...b]);
      loaded.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(taps);
    student.dispose();
  });
});

describe('the accurate profile bank in the weights manifest', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('travels as one more entry: the student ignores it, bankFromArtifacts decodes only it (also quantized)', async () => {
    const student = new Student({ tapChannels: [4, 6, 8], widths: [4, 6, 8], embedChannels: 8, decoderBlocks: 1 }, 1);
    const vectors = Float32Array.from({ length: 300 * 16 }, (_, i) => Math.cos(i * 0.11));
    const before = tf.memory().numTensors;
    const artifacts = await studentToArtifacts(student, { vectors, shape: [300, 16] });
    expect(bankShape(artifacts)).toEqual([300, 16]);
    expect(bankShape(await studentToArtifacts(student))).toBeNull();
    expect(bankFromArtifacts(artifacts)).toEqual(vectors);
    const copy = studentFromArtifacts(artifacts);
    expect(copy.parameterCount()).toBe(student.parameterCount());
    copy.dispose();
    const half = bankFromArtifacts(quantizeArtifacts(artifacts, 'float16'));
    expect(half).not.toEqual(vectors);
    (half ?? new Float32Array(1).fill(NaN)).forEach((v, i) => expect(Math.abs(v - vectors[i])).toBeLessThan(1e-3));
    expect(tf.memory().numTensors).toBe(before);
    student.dispose();
  });
});

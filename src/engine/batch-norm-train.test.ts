import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../cli/lib/backend.ts';
import { trainingBatchNorm } from './batch-norm-train.ts';

const EPS = 1e-5;

/** The textbook composition autograd differentiates: the reference for the closed-form gradient. */
function reference(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.add(tf.mul(tf.sub(x, mean), tf.mul(gamma, tf.rsqrt(tf.add(variance, EPS)))), beta);
}

function seeded(shape: number[], seed: number, lo: number, hi: number): tf.Tensor {
  return tf.randomUniform(shape, lo, hi, 'float32', seed);
}

async function maxDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  return (await tf.max(tf.abs(tf.sub(a, b))).data())[0];
}

describe.each(['cpu', 'wasm'] as const)('trainingBatchNorm on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('gives the same output, batch statistics and gradients as autograd through tf.moments', async () => {
    const x = seeded([3, 5, 4, 6], 1, -2, 3) as tf.Tensor4D;
    const gamma = seeded([6], 2, 0.5, 1.5) as tf.Tensor1D;
    const beta = seeded([6], 3, -0.5, 0.5) as tf.Tensor1D;
    // A non-uniform upstream gradient, so that every term of dx matters.
    const w = seeded([3, 5, 4, 6], 4, -1, 1);
    const loss = (f: (x: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor4D) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(f(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D), w));
    const ours = (a: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D) => {
      const r = trainingBatchNorm(a, g, b, EPS);
      tf.dispose([r.mean, r.variance]);
      return r.y;
    };
    const gOurs = tf.grads(loss(ours))([x, gamma, beta]);
    const gRef = tf.grads(loss(reference))([x, gamma, beta]);
    for (let i = 0; i < 3; i++) expect(await maxDiff(gOurs[i], gRef[i])).toBeLessThan(1e-4);

    const r = trainingBatchNorm(x, gamma, beta, EPS);
    const m = tf.moments(x, [0, 1, 2]);
    expect(await maxDiff(r.y, reference(x, gamma, beta))).toBeLessThan(1e-5);
    expect(await maxDiff(r.mean, m.mean)).toBeLessThan(1e-6);
    expect(await maxDiff(r.variance, m.variance)).toBeLessThan(1e-5);
    tf.dispose([x, gamma, beta, w, ...gOurs, ...gRef, r.y, r.mean, r.variance, m.mean, m.variance]);
  });

  it('leaves only its outputs behind, also under a gradient', () => {
    const x = seeded([2, 4, 4, 3], 5, -1, 1) as tf.Tensor4D;
    const gamma = tf.variable(tf.ones([3]) as tf.Tensor1D);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const stats: tf.Tensor[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const r = trainingBatchNorm(x, gamma, tf.zeros([3]) as tf.Tensor1D, EPS);
        stats.push(r.mean, r.variance);
        return tf.sum(tf.square(r.y)) as tf.Scalar;
      }, [gamma]);
      tf.dispose([value, ...Object.values(grads), ...stats]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, gamma]);
  });
});

/**
 * Batch normalisation on batch statistics (training mode) with a hand-written gradient.
 *
 * Why not autograd through tf.moments and broadcasting ops: every op there is one pass over the activation,
 * and its gradient adds more (the broadcast gradients of the mean and the variance, the accumulation of dx
 * from three paths) — about 25 passes per layer, where the closed form below needs 15. On wasm those passes are
 * memory-bound element-wise kernels (a pass over 8×64×64×48 floats costs about as much as a Sum over it), and
 * the student's BNs were a large share of a training step. tf.batchNorm is no better: its gradient tiles the
 * per-channel factors to the activation's shape, and wasm's Tile is slow.
 *
 * Forward, per channel over the N·H·W positions: μ, σ² (biased, as PyTorch normalises), x̂ = (x − μ)/√(σ² + ε),
 * y = γ·x̂ + β. Backward, with m = N·H·W:
 *   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ/(m·√(σ² + ε)) · (m·dy − dβ − x̂·dγ).
 */
import * as tf from '@tensorflow/tfjs';

export interface TrainingBatchNormResult {
  y: tf.Tensor4D;
  /** Batch mean and biased variance per channel (for the running statistics); the caller owns them. */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

const AXES = [0, 1, 2];

export function trainingBatchNorm(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): TrainingBatchNormResult {
  let stats: { mean: tf.Tensor1D; variance: tf.Tensor1D } | null = null;
  // tfjs passes the inputs and then the save function in one rest list.
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, gIn, bIn] = args.filter((a): a is tf.Tensor => a instanceof tf.Tensor);
    const save = args.find((a): a is tf.GradSaveFunc => typeof a === 'function');
    if (!save || !bIn) throw new Error('trainingBatchNorm: tfjs passed no save function or too few inputs');
    const mean = tf.mean(xIn, AXES) as tf.Tensor1D;
    const centred = tf.sub(xIn, mean);
    const variance = tf.mean(tf.square(centred), AXES) as tf.Tensor1D;
    const invStd = tf.rsqrt(tf.add(variance, epsilon)) as tf.Tensor1D;
    const xHat = tf.mul(centred, invStd);
    stats = { mean: tf.keep(mean.clone()), variance: tf.keep(variance.clone()) };
    save([xHat, invStd, gIn]);
    return {
      value: tf.add(tf.mul(xHat, gIn), bIn),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, inv, g] = saved;
        const m = xh.size / xh.shape[xh.shape.length - 1];
        const dBeta = tf.sum(dy, AXES);
        const dGamma = tf.sum(tf.mul(dy, xh), AXES);
        const k = tf.mul(g, tf.div(inv, m));
        const dx = tf.mul(tf.sub(tf.sub(tf.mul(dy, m), dBeta), tf.mul(xh, dGamma)), k);
        return [dx, dGamma, dBeta];
      },
    };
  });
  const y = f(x, gamma, beta) as tf.Tensor4D;
  if (!stats) throw new Error('trainingBatchNorm: the forward pass did not run');
  const { mean, variance } = stats;
  return { y, mean, variance };
}

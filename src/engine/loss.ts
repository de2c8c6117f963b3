/**
 * Reverse-distillation loss: Σ_k (1 − cos(E_k, D_k)).
 * - 'flattened' (the official code's form and our default): each sample's whole feature map is one
 *   vector; the cosine is taken between those vectors and averaged over the batch.
 * - 'per-position' (the paper's equation): cosine along channels at every position, averaged over
 *   positions and the batch.
 */
import * as tf from '@tensorflow/tfjs';

export type LossForm = 'flattened' | 'per-position';
export const LOSS_FORMS: readonly LossForm[] = ['flattened', 'per-position'];

const EPS = 1e-8;

/** Cosine similarity along `axis`, with the denominator clamped like torch's F.cosine_similarity. */
export function cosineSimilarity(a: tf.Tensor, b: tf.Tensor, axis: number): tf.Tensor {
  return tf.tidy(() => {
    const dot = tf.sum(tf.mul(a, b), axis);
    // a·a rather than tf.square: wasm's Square kernel is several times slower than its Multiply.
    const na = tf.sqrt(tf.sum(tf.mul(a, a), axis));
    const nb = tf.sqrt(tf.sum(tf.mul(b, b), axis));
    return tf.div(dot, tf.maximum(tf.mul(na, nb), EPS));
  });
}

export function scaleLoss(teacher: tf.Tensor4D, student: tf.Tensor4D, form: LossForm): tf.Scalar {
  return tf.tidy(() => {
    if (form === 'flattened') {
      const n = teacher.shape[0];
      const cos = cosineSimilarity(tf.reshape(teacher, [n, -1]), tf.reshape(student, [n, -1]), 1);
      return tf.mean(tf.sub(1, cos));
    }
    return tf.mean(tf.sub(1, cosineSimilarity(teacher, student, 3)));
  });
}

export function reverseDistillationLoss(teacher: tf.Tensor4D[], student: tf.Tensor4D[], form: LossForm = 'flattened'): tf.Scalar {
  if (teacher.length !== student.length) throw new Error('loss: teacher and student have different numbers of scales');
  return tf.tidy(() => tf.addN(teacher.map((t, k) => scaleLoss(t, student[k], form))) as tf.Scalar);
}

/**
 * Pixels → model input: RGB(A) bytes of any size → [1, S, S, 3] float32 in the teacher's [0, 1] range.
 */
import * as tf from '@tensorflow/tfjs';

export interface PixelBuffer {
  width: number;
  height: number;
  /** Interleaved 8-bit samples, `channels` per pixel. */
  data: Uint8Array | Uint8ClampedArray;
  channels: 1 | 3 | 4;
}

/** Input sides must be multiples of 32: the embedding lives at stride 32. */
export function validateInputSize(size: number): void {
  if (!Number.isInteger(size) || size < 32 || size > 1024 || size % 32 !== 0) {
    throw new Error(`input size must be a multiple of 32 between 32 and 1024, got ${size}`);
  }
}

/**
 * Resize to size×size (the maps are later drawn back at the original aspect). Large reductions are
 * done by repeated 2× averaging first, so that bilinear sampling does not alias fine texture.
 */
export function pixelsToInput(pixels: PixelBuffer, size: number): tf.Tensor4D {
  validateInputSize(size);
  const { width, height, data, channels } = pixels;
  if (data.length !== width * height * channels) {
    throw new Error(`pixel buffer has ${data.length} bytes, expected ${width}×${height}×${channels}`);
  }
  return tf.tidy(() => {
    let x = tf.tensor4d(Float32Array.from(data), [1, height, width, channels]);
    if (channels === 1) x = tf.tile(x, [1, 1, 1, 3]);
    else if (channels === 4) x = tf.slice(x, [0, 0, 0, 0], [1, height, width, 3]);
    x = tf.div(x, 255);
    // Halve each axis independently until it is less than twice the target side.
    for (;;) {
      const ph = x.shape[1] >= 2 * size ? 2 : 1;
      const pw = x.shape[2] >= 2 * size ? 2 : 1;
      if (ph === 1 && pw === 1) break;
      const h = x.shape[1] - (x.shape[1] % ph);
      const w = x.shape[2] - (x.shape[2] % pw);
      x = tf.avgPool(tf.slice(x, [0, 0, 0, 0], [1, h, w, 3]), [ph, pw], [ph, pw], 'valid');
    }
    return tf.image.resizeBilinear(x, [size, size], false, true);
  });
}

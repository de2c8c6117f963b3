/**
 * wasm's BatchMatMul is fast (XNNPACK) only without transpose flags; with transposeA or transposeB set
 * it falls back to a scalar loop about 10× slower. Gradients of every matMul ask for exactly those
 * flags, so this override transposes the operand explicitly with wasm's Transpose kernel (a cheap
 * memory pass) and runs the fast path. Measured here on [8192,96]ᵀ×[8192,192]: 202 ms with the
 * flag, 22 ms transposed explicitly.
 */
import * as tf from '@tensorflow/tfjs';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type KernelArgs = Parameters<KernelFunc>[0];
type Backend = tf.KernelBackend;

let original: KernelFunc | null = null;
let transposeKernel: KernelFunc | null = null;

/** Runs wasm's Transpose kernel on the last two axes; the caller releases the result's data. */
function transposeLastTwo(x: tf.TensorInfo, backend: KernelArgs['backend']): tf.TensorInfo {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return transposeKernel!({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
}

function batchOf(x: tf.TensorInfo): number {
  return x.shape.slice(0, -2).reduce((n, d) => n * d, 1);
}

/**
 * aᵀ·b as (bᵀ·a)ᵀ. wasm packs the second operand on every call (it is a fresh tensor in a gradient), and
 * the packing, not the multiply, dominates for the weight gradients' long, thin operands: [32768,48]ᵀ ×
 * [32768,144] took 131 ms as transpose(a)·b and 58 ms as (transpose(b)·a)ᵀ, [8192,96]ᵀ × [8192,192] 35 → 28 ms;
 * equal shapes gain nothing (measured here, 2 threads, fresh operands each call).
 */
function swappedTransposeA(a: tf.TensorInfo, b: tf.TensorInfo, backend: KernelArgs['backend'], attrs: KernelArgs['attrs']): tf.TensorInfo {
  const bT = transposeLastTwo(b, backend);
  let r: tf.TensorInfo | null = null;
  try {
    r = original!({ inputs: { a: bT, b: a }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } }) as tf.TensorInfo;
    return transposeLastTwo(r, backend);
  } finally {
    (backend as Backend).disposeData(bT.dataId);
    if (r) (backend as Backend).disposeData(r.dataId);
  }
}

const fastBatchMatMul: KernelFunc = ({ inputs, backend, attrs }) => {
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
  if (!transposeA && !transposeB) return original!({ inputs, backend, attrs });
  // Output [M, N] with N > M: the second operand is the bigger one to pack, so swap the roles.
  if (transposeA && !transposeB && batchOf(a) === 1 && batchOf(b) === 1 && b.shape[b.shape.length - 1] > a.shape[a.shape.length - 1]) {
    return swappedTransposeA(a, b, backend, attrs);
  }
  const aT = transposeA ? transposeLastTwo(a, backend) : null;
  const bT = transposeB ? transposeLastTwo(b, backend) : null;
  try {
    return original!({ inputs: { a: aT ?? a, b: bT ?? b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
  } finally {
    if (aT) (backend as Backend).disposeData(aT.dataId);
    if (bT) (backend as Backend).disposeData(bT.dataId);
  }
};

/** Idempotent. Call after the wasm backend is registered (importing tfjs-backend-wasm does that). */
export function registerWasmMatMulKernel(): void {
  if (original) return;
  const existing = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!existing || !transpose) throw new Error('wasm kernels not found: import @tensorflow/tfjs-backend-wasm first');
  original = existing.kernelFunc;
  transposeKernel = transpose.kernelFunc;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  // Keep the original's setupFunc: it binds the wasm function the original kernel calls.
  tf.registerKernel({ ...existing, kernelFunc: fastBatchMatMul });
}

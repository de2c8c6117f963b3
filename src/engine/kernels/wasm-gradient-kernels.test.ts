import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../cli/lib/backend.ts';
import { registerWasmGradientKernels, wasmGradientKernelsRegistered } from './wasm-gradient-kernels.ts';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
type Shape4 = [number, number, number, number];

const TOL = 1e-4;

/** Deterministic values in [-scale, scale] (backend independent). */
function values(shape: number[], seed: number, scale = 1): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

/** Runs `f` on the cpu and on the wasm backend (inside tidy) and returns the flattened results. */
async function onBoth(f: () => tf.Tensor | tf.Tensor[]): Promise<{ cpu: Float32Array[]; wasm: Float32Array[]; shapes: number[][] }> {
  const run = async (backend: 'cpu' | 'wasm') => {
    await tf.setBackend(backend);
    const out = tf.tidy(f);
    const list = Array.isArray(out) ? out : [out];
    const data = await Promise.all(list.map(async (t) => (await t.data()) as Float32Array));
    const shapes = list.map((t) => t.shape);
    tf.dispose(list);
    return { data, shapes };
  };
  const c = await run('cpu');
  const w = await run('wasm');
  expect(w.shapes).toEqual(c.shapes);
  return { cpu: c.data, wasm: w.data, shapes: c.shapes };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d; // also catches NaN
  }
  return m;
}

async function expectSame(f: () => tf.Tensor | tf.Tensor[], label: string): Promise<void> {
  const { cpu, wasm } = await onBoth(f);
  cpu.forEach((c, i) => {
    const d = maxAbsDiff(c, wasm[i]);
    if (!(d <= TOL)) throw new Error(`${label} [output ${i}]: max abs diff ${d} > ${TOL}`);
  });
}

function backpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: Shape4, strides: number | [number, number], pad: Pad, dataFormat: 'NHWC' | 'NCHW' = 'NHWC'): tf.Tensor {
  return tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { strides, pad, dataFormat, filterShape }) as tf.Tensor;
}

function backpropInput(dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: Shape4, strides: number | [number, number], pad: Pad, dataFormat: 'NHWC' | 'NCHW' = 'NHWC'): tf.Tensor {
  return tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter }, { strides, pad, dataFormat, inputShape }) as tf.Tensor;
}

function outShape(xShape: Shape4, filterShape: Shape4, strides: number | [number, number], pad: Pad, depthwise = false): Shape4 {
  const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, 1, pad, undefined, depthwise);
  return info.outShape as Shape4;
}

beforeAll(async () => {
  await initBackend('cpu');
  await initBackend('wasm');
  registerWasmGradientKernels();
});

afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('registration', () => {
  it('registers our kernels for wasm, idempotently and without warnings', () => {
    const warn = vi.spyOn(console, 'warn');
    registerWasmGradientKernels();
    registerWasmGradientKernels();
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    expect(wasmGradientKernelsRegistered()).toBe(true);
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')).toBeDefined();
  });
});

describe('Conv2DBackpropFilter / Conv2DBackpropInput: wasm vs cpu', () => {
  const cases: { n: number; h: number; w: number; ci: number; co: number; k: number; s: number; pad: Pad }[] = [];
  for (const k of [1, 2, 3]) {
    for (const s of [1, 2]) {
      for (const pad of ['same', 'valid'] as const) {
        for (const [n, h, w] of [
          [1, 7, 9],
          [3, 8, 8],
        ]) {
          cases.push({ n, h, w, ci: 3, co: 5, k, s, pad });
        }
      }
    }
  }
  // Larger kernels / strides, explicit and numeric padding, more channels.
  cases.push({ n: 2, h: 9, w: 8, ci: 6, co: 7, k: 5, s: 3, pad: 'same' });
  cases.push({ n: 2, h: 11, w: 10, ci: 5, co: 3, k: 4, s: 3, pad: 'valid' });
  cases.push({ n: 1, h: 8, w: 9, ci: 3, co: 6, k: 3, s: 2, pad: 1 });
  cases.push({ n: 2, h: 7, w: 8, ci: 5, co: 3, k: 3, s: 2, pad: [[0, 0], [2, 0], [1, 3], [0, 0]] });
  cases.push({ n: 1, h: 6, w: 6, ci: 3, co: 5, k: 1, s: 3, pad: 'same' });
  // 1×1 filter gradient (the GEMM path) with zero padding around the input and a wide layer.
  cases.push({ n: 2, h: 7, w: 6, ci: 5, co: 4, k: 1, s: 2, pad: 1 });
  cases.push({ n: 2, h: 9, w: 8, ci: 33, co: 21, k: 1, s: 1, pad: 'same' });
  // Wider layers (channels not multiples of 4), both input-gradient paths (k % s == 0 and != 0).
  cases.push({ n: 2, h: 16, w: 15, ci: 17, co: 19, k: 3, s: 1, pad: 'same' });
  cases.push({ n: 2, h: 16, w: 15, ci: 17, co: 19, k: 3, s: 2, pad: 'same' });
  cases.push({ n: 2, h: 16, w: 14, ci: 19, co: 13, k: 2, s: 2, pad: 'same' });

  it.each(cases)('k=$k s=$s pad=$pad x=[$n,$h,$w,$ci] co=$co', async ({ n, h, w, ci, co, k, s, pad }) => {
    const xShape: Shape4 = [n, h, w, ci];
    const fShape: Shape4 = [k, k, ci, co];
    const yShape = outShape(xShape, fShape, s, pad);
    const xv = values(xShape, 1);
    const fv = values(fShape, 2);
    const dyv = values(yShape, 3);
    await expectSame(() => backpropFilter(tf.tensor4d(xv, xShape), tf.tensor4d(dyv, yShape), fShape, s, pad), 'filter');
    await expectSame(() => backpropInput(tf.tensor4d(dyv, yShape), tf.tensor4d(fv, fShape), xShape, s, pad), 'input');
  });

  it('handles non-square strides', async () => {
    const xShape: Shape4 = [2, 9, 10, 3];
    const fShape: Shape4 = [3, 2, 3, 4];
    const strides: [number, number] = [2, 3];
    const yShape = outShape(xShape, fShape, strides, 'same');
    const xv = values(xShape, 4);
    const fv = values(fShape, 5);
    const dyv = values(yShape, 6);
    await expectSame(() => backpropFilter(tf.tensor4d(xv, xShape), tf.tensor4d(dyv, yShape), fShape, strides, 'same'), 'filter');
    await expectSame(() => backpropInput(tf.tensor4d(dyv, yShape), tf.tensor4d(fv, fShape), xShape, strides, 'same'), 'input');
  });

  it('supports NCHW by transposing', async () => {
    const xNhwc: Shape4 = [2, 7, 8, 3];
    const fShape: Shape4 = [3, 3, 3, 5];
    const yNhwc = outShape(xNhwc, fShape, 2, 'same');
    const xShape: Shape4 = [2, 3, 7, 8];
    const yShape: Shape4 = [yNhwc[0], yNhwc[3], yNhwc[1], yNhwc[2]];
    const xv = values(xShape, 7);
    const fv = values(fShape, 8);
    const dyv = values(yShape, 9);
    await expectSame(() => backpropFilter(tf.tensor4d(xv, xShape), tf.tensor4d(dyv, yShape), fShape, 2, 'same', 'NCHW'), 'filter');
    await expectSame(() => backpropInput(tf.tensor4d(dyv, yShape), tf.tensor4d(fv, fShape), xShape, 2, 'same', 'NCHW'), 'input');
  });

  it('rejects dilations other than 1 with a clear error', async () => {
    await tf.setBackend('wasm');
    const x = tf.ones([1, 5, 5, 2]) as tf.Tensor4D;
    const dy = tf.ones([1, 5, 5, 2]) as tf.Tensor4D;
    expect(() =>
      tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 2], dilations: 2 }),
    ).toThrow(/dilations other than 1/);
    tf.dispose([x, dy]);
  });
});

describe('conv2dTranspose on wasm', () => {
  const cases: { k: number; s: number; pad: 'same' | 'valid'; n: number; h: number; w: number; ci: number; co: number }[] = [
    { k: 2, s: 2, pad: 'same', n: 3, h: 4, w: 5, ci: 6, co: 3 },
    { k: 2, s: 2, pad: 'valid', n: 1, h: 5, w: 4, ci: 5, co: 7 },
    { k: 3, s: 2, pad: 'same', n: 2, h: 4, w: 4, ci: 5, co: 3 },
    { k: 3, s: 2, pad: 'valid', n: 1, h: 3, w: 5, ci: 3, co: 6 },
    { k: 3, s: 1, pad: 'same', n: 2, h: 5, w: 6, ci: 4, co: 5 },
  ];
  const outputOf = (c: (typeof cases)[number]): Shape4 => {
    const o = (i: number) => (c.pad === 'same' ? i * c.s : (i - 1) * c.s + c.k);
    return [c.n, o(c.h), o(c.w), c.co];
  };

  it.each(cases)('forward k=$k s=$s $pad', async (c) => {
    const xShape: Shape4 = [c.n, c.h, c.w, c.ci];
    const fShape: Shape4 = [c.k, c.k, c.co, c.ci];
    const xv = values(xShape, 11);
    const fv = values(fShape, 12);
    await expectSame(
      () => tf.conv2dTranspose(tf.tensor4d(xv, xShape), tf.tensor4d(fv, fShape), outputOf(c), c.s, c.pad),
      'conv2dTranspose',
    );
  });

  it.each(cases)('tf.grads k=$k s=$s $pad', async (c) => {
    const xShape: Shape4 = [c.n, c.h, c.w, c.ci];
    const fShape: Shape4 = [c.k, c.k, c.co, c.ci];
    const out = outputOf(c);
    const xv = values(xShape, 13);
    const fv = values(fShape, 14);
    const tv = values(out, 15);
    await expectSame(() => {
      const target = tf.tensor4d(tv, out);
      const g = tf.grads((x: tf.Tensor, f: tf.Tensor) =>
        tf.mul(tf.conv2dTranspose(x as tf.Tensor4D, f as tf.Tensor4D, out, c.s, c.pad), target).sum(),
      );
      return g([tf.tensor4d(xv, xShape), tf.tensor4d(fv, fShape)]);
    }, 'grads conv2dTranspose');
  });
});

/** A small student-like stack: 3x3 s1, 3x3 s2, 1x1, 2x2-s2 transposed conv, 3x3 transposed s2. */
function studentLoss(x: tf.Tensor4D, w: tf.Tensor4D[]): tf.Scalar {
  let h = tf.relu(tf.conv2d(x, w[0], 1, 'same'));
  h = tf.relu(tf.conv2d(h, w[1], 2, 'same'));
  h = tf.relu(tf.conv2d(h, w[2], 1, 'same'));
  const [n, hh, ww] = h.shape;
  h = tf.relu(tf.conv2dTranspose(h, w[3], [n, hh * 2, ww * 2, w[3].shape[2]], 2, 'same'));
  h = tf.conv2dTranspose(h, w[4], [n, hh * 4, ww * 4, w[4].shape[2]], 2, 'same');
  return tf.mean(tf.square(h));
}

const stackShapes: Shape4[] = [
  [3, 3, 3, 6],
  [3, 3, 6, 10],
  [1, 1, 10, 7],
  [2, 2, 5, 7],
  [3, 3, 3, 5],
];

describe('tf.grads through a conv stack', () => {
  it('matches the cpu backend for all inputs', async () => {
    const xShape: Shape4 = [3, 8, 12, 3];
    const xv = values(xShape, 21);
    const wv = stackShapes.map((s, i) => values(s, 30 + i, 0.4));
    await expectSame(() => {
      const g = tf.grads((...args: tf.Tensor[]) =>
        studentLoss(args[0] as tf.Tensor4D, args.slice(1) as tf.Tensor4D[]),
      );
      return g([tf.tensor4d(xv, xShape), ...wv.map((v, i) => tf.tensor4d(v, stackShapes[i]))]);
    }, 'stack grads');
  });

  it('does not leak tensors over 20 repeated gradient calls', async () => {
    await tf.setBackend('wasm');
    const wasBackendTest = tf.env().getBool('IS_TEST');
    tf.env().set('IS_TEST', true); // engine checks every kernel for leaked data ids
    try {
      const x = tf.tensor4d(values([2, 8, 8, 3], 41), [2, 8, 8, 3]);
      const ws = stackShapes.map((s, i) => tf.variable(tf.tensor4d(values(s, 50 + i, 0.4), s)));
      const step = () => {
        const { value, grads } = tf.variableGrads(() => studentLoss(x, ws));
        tf.dispose([value, grads]);
      };
      step();
      const before = tf.memory().numTensors;
      const dataBefore = tf.engine().backend.numDataIds();
      for (let i = 0; i < 20; i++) step();
      expect(tf.memory().numTensors).toBe(before);
      expect(tf.engine().backend.numDataIds()).toBe(dataBefore);
      tf.dispose([x, ...ws]);
    } finally {
      tf.env().set('IS_TEST', wasBackendTest);
    }
  });
});

describe('depthwise gradients on wasm', () => {
  const cases: { k: number; s: number; pad: 'same' | 'valid'; m: number }[] = [
    { k: 3, s: 1, pad: 'same', m: 1 },
    { k: 3, s: 2, pad: 'same', m: 2 },
    { k: 2, s: 2, pad: 'valid', m: 1 },
    { k: 5, s: 1, pad: 'valid', m: 3 },
  ];
  it.each(cases)('k=$k s=$s $pad multiplier=$m', async ({ k, s, pad, m }) => {
    const xShape: Shape4 = [2, 7, 8, 3];
    const fShape: Shape4 = [k, k, 3, m];
    const yShape = outShape(xShape, fShape, s, pad, true);
    const xv = values(xShape, 61);
    const fv = values(fShape, 62);
    const tv = values(yShape, 63);
    await expectSame(() => {
      const target = tf.tensor4d(tv, yShape);
      const g = tf.grads((x: tf.Tensor, f: tf.Tensor) =>
        tf.mul(tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, s, pad), target).sum(),
      );
      return g([tf.tensor4d(xv, xShape), tf.tensor4d(fv, fShape)]);
    }, 'depthwise grads');
  });
});

describe('BatchMatMul with transpose flags on wasm', () => {
  it('matches cpu for every flag combination, ranks 2 and 3, and inside gradients', async () => {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const a2: [number, number] = ta ? [7, 5] : [5, 7];
      const b2: [number, number] = tb ? [9, 7] : [7, 9];
      await expectSame(() => tf.matMul(tf.tensor(values(a2, 1), a2) as tf.Tensor2D, tf.tensor(values(b2, 2), b2) as tf.Tensor2D, ta, tb), `matMul ${ta} ${tb}`);
      const a3: [number, number, number] = ta ? [3, 7, 5] : [3, 5, 7];
      const b3: [number, number, number] = tb ? [3, 9, 7] : [3, 7, 9];
      await expectSame(() => tf.matMul(tf.tensor(values(a3, 3), a3) as tf.Tensor3D, tf.tensor(values(b3, 4), b3) as tf.Tensor3D, ta, tb), `batched matMul ${ta} ${tb}`);
    }
    // aᵀ·b runs as (bᵀ·a)ᵀ when the output has more columns than rows (also at batch 1): both orientations.
    for (const [m, n] of [[5, 9], [9, 5]]) {
      await expectSame(() => tf.matMul(tf.tensor(values([7, m], 8), [7, m]) as tf.Tensor2D, tf.tensor(values([7, n], 9), [7, n]) as tf.Tensor2D, true, false), `matMul T ${m}x${n}`);
      await expectSame(() => tf.matMul(tf.tensor(values([1, 7, m], 10), [1, 7, m]) as tf.Tensor3D, tf.tensor(values([1, 7, n], 11), [1, 7, n]) as tf.Tensor3D, true, false), `batch-1 matMul T ${m}x${n}`);
    }
    await expectSame(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D))))(
      [tf.tensor2d(values([8, 5], 5), [8, 5]), tf.tensor2d(values([5, 6], 6), [5, 6])]), 'matMul grads');
  });

  it('releases its transposed temporaries', async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor2d(values([8, 5], 7), [8, 5]);
    const b = tf.tensor2d(values([8, 6], 8), [8, 6]);
    const before = tf.memory().numTensors;
    const bytesBefore = (tf.memory() as { numBytesInWASM?: number }).numBytesInWASM;
    for (let i = 0; i < 10; i++) tf.matMul(a, b, true, false).dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect((tf.memory() as { numBytesInWASM?: number }).numBytesInWASM).toBe(bytesBefore);
    tf.dispose([a, b]);
  });
});

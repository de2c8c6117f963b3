/**
 * Fast convolution-gradient kernels for the tfjs wasm backend.
 *
 * tfjs-backend-wasm 4.22 has no `Conv2DBackpropFilter` kernel (so `tf.grad` through `conv2d` throws on wasm) and
 * its `Conv2DBackpropInput` (also the forward pass of `conv2dTranspose`) is a scalar C++ loop. The kernels here
 * are compositions of wasm's fast (XNNPACK / SIMD) ops: conv2d, matMul, transpose, slice, pad, reshape.
 *
 *  - Conv2DBackpropInput: "sub-pixel" formulation. For stride s the input gradient splits into s*s phases
 *    (rows/cols congruent mod s); each phase is a stride-1 correlation of dy with a sub-filter of
 *    ceil((k - phase)/s) taps. When k is a multiple of s (or s = 1) all phases have the same size and ONE
 *    stride-1 conv2d computes them (phases in its output channels), followed by a depth-to-space style
 *    reshape/transpose and a crop of the padding: stride 1 is the classic conv with the 180°-rotated,
 *    in/out-swapped filter; kernel == stride (2x2 s2 transposed conv) is a 1x1 conv (= one GEMM) plus
 *    reshape/transpose. Otherwise (3x3 s2) each phase gets its own exact-size conv, so no zero taps are
 *    multiplied, and the phases are interleaved with stack + two transposes.
 *  - Conv2DBackpropFilter: dW is itself a convolution: input channels play the batch (x^T [ci, H, W, N]) and
 *    dy is the filter ([outH, outW, N, co], dilation = stride), giving [ci, kh, kw, co] from XNNPACK's conv.
 *    Measured here it beat per-tap GEMMs (9 x dy^T[co,P]·tap[P,ci]) and im2col + one GEMM: wasm has no fast
 *    strided slice or last-axis concat, and its matMul is only fast without transposeA/transposeB. A 1×1
 *    filter is the exception: its dW is one GEMM (xᵀ·dy), up to ~2× faster than the conv there.
 *  - DepthwiseConv2dNativeBackpropInput / -Filter (also missing on wasm): the sub-pixel idea with a
 *    depthwiseConv2d (phases as channel multiplier) for the input gradient, per-tap multiply + sum for the
 *    filter gradient. Correct but not performance-tuned (the student has no depthwise layers).
 *
 * wasm pitfalls met on the way (tfjs 4.22): GatherV2 is ~100x slower than slice+concat; Transpose of rank > 4
 * that does not collapse to <= 4 dims is a slow generic loop; Slice does not bounds-check (reads garbage).
 *
 * Kernel functions call tfjs ops; the engine runs kernels with `kernelDepth > 0`, so those nested ops are not
 * recorded on the gradient tape. Intermediates live inside `tf.tidy`; the returned value is a `Tensor` (the
 * engine uses a returned Tensor as-is instead of wrapping a TensorInfo), so nothing leaks.
 * Only dilation 1 is supported (tfjs' own conv gradients reject dilation > 1 as well).
 */
import * as tf from '@tensorflow/tfjs';
import { registerWasmMatMulKernel } from './wasm-matmul-kernel';
// Make sure wasm's own kernels are registered before ours, so ours win the registry slot.
import '@tensorflow/tfjs-backend-wasm';
import type {
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  DepthwiseConv2dNativeBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropInputAttrs,
  KernelConfig,
  KernelFunc,
  Tensor,
  Tensor2D,
  Tensor4D,
  TensorInfo,
} from '@tensorflow/tfjs';

const BACKEND = 'wasm';

type PadSpec = Conv2DBackpropInputAttrs['pad'];
type RoundingMode = Conv2DBackpropInputAttrs['dimRoundingMode'];
type Pair = [number, number];

/** Geometry of one spatial axis of a (dilation 1) convolution. */
interface AxisGeom {
  inSize: number;
  outSize: number;
  k: number;
  s: number;
  /** Zero padding before the first input element (may exceed k-1 for explicit padding). */
  padBefore: number;
}

interface ConvGeom {
  batch: number;
  inChannels: number;
  outChannels: number;
  h: AxisGeom;
  w: AxisGeom;
}

/** Window [start, start+len) of an axis of size `size`: what to slice away and what to zero-pad. */
interface Window {
  sliceBegin: number;
  sliceSize: number;
  padBefore: number;
  padAfter: number;
}

function windowOf(size: number, start: number, len: number): Window {
  const sliceBegin = Math.min(Math.max(start, 0), size);
  const sliceSize = Math.max(0, Math.min(start + len, size) - Math.max(start, 0));
  const padBefore = Math.min(len, Math.max(0, -start));
  return { sliceBegin, sliceSize, padBefore, padAfter: len - padBefore - sliceSize };
}

function isFullWindow(win: Window, size: number): boolean {
  return win.sliceBegin === 0 && win.sliceSize === size;
}

/** Slice + zero-pad the spatial axes (1, 2) of an NHWC tensor to the given windows. */
function spatialWindow(x: Tensor4D, wh: Window, ww: Window): Tensor4D {
  const [n, hh, www, c] = x.shape;
  let y = x;
  if (!isFullWindow(wh, hh) || !isFullWindow(ww, www)) {
    y = tf.slice(y, [0, wh.sliceBegin, ww.sliceBegin, 0], [n, wh.sliceSize, ww.sliceSize, c]);
  }
  if (wh.padBefore || wh.padAfter || ww.padBefore || ww.padAfter) {
    y = tf.pad(y, [
      [0, 0],
      [wh.padBefore, wh.padAfter],
      [ww.padBefore, ww.padAfter],
      [0, 0],
    ]);
  }
  return y;
}

function assertDilationOne(kernelName: string, dilations: number | Pair | undefined): void {
  if (dilations == null) return;
  const [dh, dw] = typeof dilations === 'number' ? [dilations, dilations] : dilations;
  if (dh !== 1 || dw !== 1) {
    throw new Error(
      `${kernelName} (wasm gradient kernels): dilations other than 1 are not supported, got [${dh}, ${dw}]`,
    );
  }
}

function geomFrom(info: tf.backend_util.Conv2DInfo): ConvGeom {
  return {
    batch: info.batchSize,
    inChannels: info.inChannels,
    outChannels: info.outChannels,
    h: {
      inSize: info.inHeight,
      outSize: info.outHeight,
      k: info.filterHeight,
      s: info.strideHeight,
      padBefore: info.padInfo.top,
    },
    w: {
      inSize: info.inWidth,
      outSize: info.outWidth,
      k: info.filterWidth,
      s: info.strideWidth,
      padBefore: info.padInfo.left,
    },
  };
}

function computeGeom(
  kernelName: string,
  xShape: readonly number[],
  filterShape: readonly number[],
  strides: number | Pair,
  pad: PadSpec,
  dimRoundingMode: RoundingMode,
  depthwise: boolean,
): ConvGeom {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    depthwise,
    'channelsLast',
  );
  const g = geomFrom(info);
  if (g.h.k <= 0 || g.w.k <= 0 || g.h.s <= 0 || g.w.s <= 0) {
    throw new Error(`${kernelName} (wasm gradient kernels): invalid filter/stride geometry`);
  }
  return g;
}

function assertDyShape(kernelName: string, dy: Tensor, g: ConvGeom): void {
  const [n, oh, ow, c] = dy.shape;
  if (n !== g.batch || oh !== g.h.outSize || ow !== g.w.outSize || c !== g.outChannels) {
    throw new Error(
      `${kernelName} (wasm gradient kernels): dy shape [${dy.shape.join(',')}] does not match the ` +
        `convolution geometry [${g.batch},${g.h.outSize},${g.w.outSize},${g.outChannels}]`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// Input gradient (sub-pixel decomposition)
// ---------------------------------------------------------------------------------------------------------

/** Per-axis plan of the sub-pixel input gradient. */
interface SubPixelAxis {
  /** Sub-filter taps per phase: ceil(k / s). */
  taps: number;
  /** Window of dy (padded/cropped) fed to the stride-1 'valid' conv. */
  dyWin: Window;
  /** First phase-row produced (padded-input row s*r0 + phase). */
  r0: number;
  /** Number of phase-rows produced by the conv. */
  rows: number;
  /** Offset of dx inside the depth-to-space output. */
  cropOffset: number;
}

function subPixelAxis(a: AxisGeom): SubPixelAxis {
  const taps = Math.ceil(a.k / a.s);
  // Padded-input rows q = s*r + phase; the conv produces r in [r0, r1).
  const r0 = Math.floor(a.padBefore / a.s);
  const r1 = Math.ceil((a.padBefore + a.inSize) / a.s);
  const rows = r1 - r0;
  // Row r of the conv reads dy rows r - (taps-1) .. r.
  const dyWin = windowOf(a.outSize, r0 - (taps - 1), rows + taps - 1);
  return { taps, dyWin, r0, rows, cropOffset: a.padBefore - a.s * r0 };
}

/**
 * Tap index table of the sub-pixel filter: entry ((th*Jw + tw)*sh + ry)*sw + rx holds the flat kernel tap
 * (sh*(Jh-1-th) + ry) * kw + (sw*(Jw-1-tw) + rx), or kh*kw ("zero tap") where that lies outside the kernel.
 */
function subPixelTapIndex(kh: number, kw: number, sh: number, sw: number, jh: number, jw: number): Int32Array {
  const idx = new Int32Array(jh * jw * sh * sw);
  let o = 0;
  for (let th = 0; th < jh; th++) {
    for (let tw = 0; tw < jw; tw++) {
      for (let ry = 0; ry < sh; ry++) {
        for (let rx = 0; rx < sw; rx++) {
          const i = sh * (jh - 1 - th) + ry;
          const j = sw * (jw - 1 - tw) + rx;
          idx[o++] = i < kh && j < kw ? i * kw + j : kh * kw;
        }
      }
    }
  }
  return idx;
}

/**
 * Picks kernel-tap rows of [kh*kw, rest] by the sub-pixel tap table (zero rows for missing taps). Built from
 * contiguous row slices + one axis-0 concat (wasm's GatherV2 measured ~100x slower here).
 */
function gatherTaps(rows: Tensor2D, idx: Int32Array): Tensor2D {
  const [taps, rest] = rows.shape;
  const parts: Tensor2D[] = [];
  for (let o = 0; o < idx.length; ) {
    const start = idx[o];
    let len = 1;
    if (start === taps) {
      while (o + len < idx.length && idx[o + len] === taps) len++;
      parts.push(tf.zeros([len, rest]));
    } else {
      while (o + len < idx.length && start + len < taps && idx[o + len] === start + len) len++;
      parts.push(len === taps ? rows : tf.slice(rows, [start, 0], [len, rest]));
    }
    o += len;
  }
  return parts.length === 1 ? parts[0] : tf.concat(parts, 0);
}

/**
 * Filter [kh, kw, ci, co] -> combined sub-pixel filter [Jh, Jw, co, sh*sw*ci] with
 * G[th, tw, o, (ry*sw + rx)*ci + c] = W[sh*(Jh-1-th) + ry, sw*(Jw-1-tw) + rx, c, o] (0 outside the kernel).
 * Built with a row gather + 4D transposes only (wasm's generic >4D transpose is slow).
 */
function subPixelFilter(filter: Tensor4D, sh: number, sw: number, jh: number, jw: number): Tensor4D {
  const [kh, kw, ci, co] = filter.shape;
  const rows = tf.reshape(tf.transpose(filter, [0, 1, 3, 2]), [kh * kw, co * ci]) as Tensor2D; // [tap, (o, c)]
  const g = gatherTaps(rows, subPixelTapIndex(kh, kw, sh, sw, jh, jw)); // [(th, tw, ry, rx), (o, c)]
  const t = tf.transpose(tf.reshape(g, [jh * jw, sh * sw, co, ci]), [0, 2, 1, 3]); // [(th, tw), o, (ry, rx), c]
  return tf.reshape(t, [jh, jw, co, sh * sw * ci]);
}

/** Depthwise filter [kh, kw, ci, m] -> [Jh, Jw, ci*m, sh*sw]: channel (c*m + q) gets phases as multiplier. */
function subPixelDepthwiseFilter(filter: Tensor4D, sh: number, sw: number, jh: number, jw: number): Tensor4D {
  const [kh, kw, ci, m] = filter.shape;
  const rows = tf.reshape(filter, [kh * kw, ci * m]) as Tensor2D;
  const g = gatherTaps(rows, subPixelTapIndex(kh, kw, sh, sw, jh, jw)); // [(th, tw, ry, rx), (c, q)]
  const t = tf.transpose(tf.reshape(g, [jh * jw, sh * sw, ci * m]), [0, 2, 1]);
  return tf.reshape(t, [jh, jw, ci * m, sh * sw]);
}

/** Crops to the in-range part of the windows; their zero padding is left to the conv (explicitPad). */
function cropOnly(dy: Tensor4D, wh: Window, ww: Window): Tensor4D {
  const [n, hh, www, c] = dy.shape;
  if (isFullWindow(wh, hh) && isFullWindow(ww, www)) return dy;
  return tf.slice(dy, [0, wh.sliceBegin, ww.sliceBegin, 0], [n, wh.sliceSize, ww.sliceSize, c]);
}

/** The windows' zero padding as a conv2d explicit padding spec. */
function explicitPad(wh: Window, ww: Window): tf.backend_util.ExplicitPadding {
  return [
    [0, 0],
    [wh.padBefore, wh.padAfter],
    [ww.padBefore, ww.padAfter],
    [0, 0],
  ];
}

/** [N, rows, cols, sh*sw*c] (phase-major channels) -> [N, rows*sh, cols*sw, c], then crop to dx. */
function phasesToSpace(z: Tensor4D, g: ConvGeom, ph: SubPixelAxis, pw: SubPixelAxis, c: number): Tensor4D {
  const n = z.shape[0];
  const { s: sh } = g.h;
  const { s: sw } = g.w;
  let y: Tensor4D = z;
  if (sh * sw > 1) {
    const z5 = tf.reshape(z, [n, ph.rows, pw.rows, sh, sw * c]);
    y = tf.reshape(tf.transpose(z5, [0, 1, 3, 2, 4]), [n, ph.rows * sh, pw.rows * sw, c]);
  }
  return cropToInput(y, g, ph, pw, c);
}

function cropToInput(y: Tensor4D, g: ConvGeom, ph: SubPixelAxis, pw: SubPixelAxis, c: number): Tensor4D {
  if (ph.cropOffset === 0 && pw.cropOffset === 0 && y.shape[1] === g.h.inSize && y.shape[2] === g.w.inSize) return y;
  return tf.slice(y, [0, ph.cropOffset, pw.cropOffset, 0], [y.shape[0], g.h.inSize, g.w.inSize, c]);
}

/** dx of a regular NHWC conv2d (dilation 1). */
function conv2dBackpropInputNHWC(dy: Tensor4D, filter: Tensor4D, g: ConvGeom): Tensor4D {
  const ph = subPixelAxis(g.h);
  const pw = subPixelAxis(g.w);
  const ci = g.inChannels;
  if (!phasesUniform(g.h) || !phasesUniform(g.w)) return conv2dBackpropInputPerPhase(dy, filter, g, ph, pw);
  const kernel = subPixelFilter(filter, g.h.s, g.w.s, ph.taps, pw.taps);
  const dyIn = cropOnly(dy, ph.dyWin, pw.dyWin);
  const z = tf.conv2d(dyIn, kernel, 1, explicitPad(ph.dyWin, pw.dyWin), 'NHWC');
  return phasesToSpace(z, g, ph, pw, ci);
}

/** Taps of phase r along an axis: ceil((k - r) / s) (0 when k <= r). */
function phaseTaps(a: AxisGeom, r: number): number {
  return Math.max(0, Math.ceil((a.k - r) / a.s));
}

/** True when every phase has the same number of taps (k a multiple of s, or s = 1): no zero taps. */
function phasesUniform(a: AxisGeom): boolean {
  return a.k % a.s === 0;
}

/**
 * Variant for kernels that are not a multiple of the stride (e.g. 3x3 stride 2): the combined filter would
 * carry zero taps (16 taps for 9 real ones), so each phase gets its own exact-size stride-1 conv; the phase
 * results are stacked on axis 0 and interleaved with two cheap (<= 4D) transposes.
 */
function conv2dBackpropInputPerPhase(dy: Tensor4D, filter: Tensor4D, g: ConvGeom, ph: SubPixelAxis, pw: SubPixelAxis): Tensor4D {
  const { h, w } = g;
  const [kh, kw, ci, co] = filter.shape;
  const n = g.batch;
  const rows = tf.reshape(tf.transpose(filter, [0, 1, 3, 2]), [kh * kw, co * ci]) as Tensor2D; // [tap, (o, c)]
  const outs: Tensor4D[] = [];
  for (let ry = 0; ry < h.s; ry++) {
    for (let rx = 0; rx < w.s; rx++) {
      const jy = phaseTaps(h, ry);
      const jx = phaseTaps(w, rx);
      if (jy === 0 || jx === 0) {
        outs.push(tf.zeros([n, ph.rows, pw.rows, ci]));
        continue;
      }
      const idx = new Int32Array(jy * jx);
      for (let th = 0; th < jy; th++) {
        for (let tw = 0; tw < jx; tw++) {
          idx[th * jx + tw] = (h.s * (jy - 1 - th) + ry) * kw + (w.s * (jx - 1 - tw) + rx);
        }
      }
      const sub = tf.reshape(gatherTaps(rows, idx), [jy, jx, co, ci]) as Tensor4D;
      const winH = windowOf(h.outSize, ph.r0 - (jy - 1), ph.rows + jy - 1);
      const winW = windowOf(w.outSize, pw.r0 - (jx - 1), pw.rows + jx - 1);
      outs.push(tf.conv2d(cropOnly(dy, winH, winW), sub, 1, explicitPad(winH, winW), 'NHWC'));
    }
  }
  // [sh*sw, N*rows, cols*ci] -> [N*rows, sh*sw, cols*ci] -> [N*rows*sh, sw, cols, ci] -> [N*rows*sh, cols, sw, ci]
  const st = tf.reshape(tf.stack(outs), [h.s * w.s, n * ph.rows, pw.rows * ci]);
  const t1 = tf.reshape(tf.transpose(st, [1, 0, 2]), [n * ph.rows * h.s, w.s, pw.rows, ci]);
  const y = tf.reshape(tf.transpose(t1, [0, 2, 1, 3]), [n, ph.rows * h.s, pw.rows * w.s, ci]) as Tensor4D;
  return cropToInput(y, g, ph, pw, ci);
}

function depthwiseBackpropInputNHWC(dy: Tensor4D, filter: Tensor4D, g: ConvGeom): Tensor4D {
  const ph = subPixelAxis(g.h);
  const pw = subPixelAxis(g.w);
  const [, , ci, m] = filter.shape;
  const phases = g.h.s * g.w.s;
  const kernel = subPixelDepthwiseFilter(filter, g.h.s, g.w.s, ph.taps, pw.taps);
  const dyIn = cropOnly(dy, ph.dyWin, pw.dyWin);
  // Output channels ordered (c, q, phase).
  let z: Tensor = tf.depthwiseConv2d(dyIn, kernel, 1, explicitPad(ph.dyWin, pw.dyWin), 'NHWC');
  const n = g.batch;
  if (m > 1) {
    z = tf.sum(tf.reshape(z, [n, ph.rows, pw.rows, ci, m, phases]), 4);
  }
  // -> channels ordered (phase, c) as phasesToSpace expects.
  let zz: Tensor4D;
  if (phases > 1) {
    zz = tf.reshape(tf.transpose(tf.reshape(z, [n * ph.rows * pw.rows, ci, phases]), [0, 2, 1]), [
      n,
      ph.rows,
      pw.rows,
      phases * ci,
    ]);
  } else {
    zz = tf.reshape(z, [n, ph.rows, pw.rows, ci]);
  }
  return phasesToSpace(zz, g, ph, pw, ci);
}

// ---------------------------------------------------------------------------------------------------------
// Filter gradient (conv2d with dy as the filter; tap extraction for the depthwise variant)
// ---------------------------------------------------------------------------------------------------------

/**
 * Returns tap(i, j) = x_padded[:, i : i + s*(oh-1)+1 : s, j : j + sw*(ow-1)+1 : sw, :] as [N, oh, ow, C],
 * built from slices only (strided slices are slow on wasm): the padded input is split into its sh*sw
 * phases once via reshape + slice.
 */
function tapExtractor(x: Tensor4D, g: ConvGeom): (i: number, j: number) => Tensor4D {
  const { h, w } = g;
  const c = x.shape[3];
  const n = x.shape[0];
  // Rows of padded input that any tap reads, rounded up to a multiple of the stride.
  const lenH = Math.ceil(((h.outSize - 1) * h.s + h.k) / h.s) * h.s;
  const lenW = Math.ceil(((w.outSize - 1) * w.s + w.k) / w.s) * w.s;
  const xw = spatialWindow(x, windowOf(h.inSize, -h.padBefore, lenH), windowOf(w.inSize, -w.padBefore, lenW));
  const ph = lenH / h.s;
  const pw = lenW / w.s;
  const phases = new Map<number, Tensor4D>();
  const phase = (ry: number, rx: number): Tensor4D => {
    if (h.s === 1 && w.s === 1) return xw;
    const key = ry * w.s + rx;
    let p = phases.get(key);
    if (!p) {
      const r = tf.reshape(xw, [n * ph, h.s, pw, w.s * c]);
      p = tf.reshape(tf.slice(r, [0, ry, 0, rx * c], [n * ph, 1, pw, c]), [n, ph, pw, c]);
      phases.set(key, p);
    }
    return p;
  };
  return (i, j) => {
    const p = phase(i % h.s, j % w.s);
    const a = Math.floor(i / h.s);
    const b = Math.floor(j / w.s);
    if (a === 0 && b === 0 && p.shape[1] === h.outSize && p.shape[2] === w.outSize) return p;
    return tf.slice(p, [0, a, b, 0], [n, h.outSize, w.outSize, c]);
  };
}

/**
 * dW of a regular NHWC conv2d (dilation 1): [kh, kw, ci, co].
 *
 * dW[i, j, c, o] = sum_{n, y, x} xpad[n, s*y + i, sw*x + j, c] * dy[n, y, x, o] is itself a convolution:
 * treat input channels as the batch (x^T: [ci, H, W, N]) and dy as a filter ([outH, outW, N, co]) applied with
 * dilation = stride; the output is [ci, kh, kw, co]. This runs on XNNPACK's conv and measured faster on wasm
 * than per-tap GEMMs or im2col + one GEMM (wasm has no fast strided slice / last-axis concat).
 */
function conv2dBackpropFilterNHWC(x: Tensor4D, dy: Tensor4D, g: ConvGeom): Tensor4D {
  const { h, w } = g;
  if (h.k === 1 && w.k === 1) return pointwiseBackpropFilter(x, dy, g);
  const winH = windowOf(h.inSize, -h.padBefore, (h.outSize - 1) * h.s + h.k);
  const winW = windowOf(w.inSize, -w.padBefore, (w.outSize - 1) * w.s + w.k);
  const xT = tf.transpose(cropOnly(x, winH, winW), [3, 1, 2, 0]); // [ci, H', W', N]
  const dyF = tf.transpose(dy, [1, 2, 0, 3]); // [outH, outW, N, co]
  const r = tf.conv2d(xT, dyF, 1, explicitPad(winH, winW), 'NHWC', [h.s, w.s]); // [ci, kh, kw, co]
  return tf.transpose(r, [1, 2, 0, 3]);
}

/**
 * dW of a 1×1 conv (any stride) is one GEMM, xᵀ·dy over the output positions: [ci, P]·[P, co]. On the
 * conv formulation above a 1×1 layer has only ci·co outputs per huge dy "filter" with N = 8 input channels,
 * which XNNPACK runs slower (8×64×64×48 → 144: 135 ms vs 58 ms here, 2 threads, fresh operands; equal for
 * 144 → 48). wasm-matmul-kernel.ts picks the faster orientation of the transposed product.
 */
function pointwiseBackpropFilter(x: Tensor4D, dy: Tensor4D, g: ConvGeom): Tensor4D {
  const p = g.batch * g.h.outSize * g.w.outSize;
  const taps = tf.reshape(tapExtractor(x, g)(0, 0), [p, g.inChannels]);
  const dW = tf.matMul(taps, tf.reshape(dy, [p, g.outChannels]), true, false);
  return tf.reshape(dW, [1, 1, g.inChannels, g.outChannels]);
}

function depthwiseBackpropFilterNHWC(x: Tensor4D, dy: Tensor4D, g: ConvGeom, m: number): Tensor4D {
  const { h, w } = g;
  const ci = g.inChannels;
  const p = g.batch * h.outSize * w.outSize;
  const dy3 = tf.reshape(dy, [p, ci, m]);
  const tap = tapExtractor(x, g);
  const parts: Tensor[] = [];
  for (let i = 0; i < h.k; i++) {
    for (let j = 0; j < w.k; j++) {
      parts.push(tf.sum(tf.mul(tf.reshape(tap(i, j), [p, ci, 1]), dy3), 0)); // [ci, m]
    }
  }
  return tf.reshape(tf.stack(parts), [h.k, w.k, ci, m]);
}

// ---------------------------------------------------------------------------------------------------------
// Kernel functions
// ---------------------------------------------------------------------------------------------------------

/**
 * Kernel inputs are normally the op's Tensors. A bare TensorInfo is wrapped in a Tensor that holds its own
 * backend reference (incRef) so disposing the wrapper inside the tidy is balanced.
 */
function asTensor<T extends Tensor>(info: TensorInfo, backend: unknown): T {
  if (info instanceof tf.Tensor) return info as T;
  const t = tf.engine().makeTensorFromTensorInfo(info);
  (backend as { incRef(dataId: object): void }).incRef(info.dataId);
  return t as T;
}

function input(kernelName: string, inputs: Partial<Record<string, TensorInfo>>, key: string): TensorInfo {
  const t = inputs[key];
  if (t == null) throw new Error(`${kernelName} (wasm gradient kernels): missing input '${key}'`);
  return t;
}

function toNHWC(t: Tensor4D, nchw: boolean): Tensor4D {
  return nchw ? tf.transpose(t, [0, 2, 3, 1]) : t;
}

function shapeToNHWC(shape: readonly number[], nchw: boolean): [number, number, number, number] {
  return nchw
    ? [shape[0], shape[2], shape[3], shape[1]]
    : [shape[0], shape[1], shape[2], shape[3]];
}

function checkFloat(kernelName: string, ...ts: TensorInfo[]): void {
  for (const t of ts) {
    if (t.dtype !== 'float32') {
      throw new Error(`${kernelName} (wasm gradient kernels): only float32 is supported, got ${t.dtype}`);
    }
  }
}

const conv2DBackpropInputKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const name = tf.Conv2DBackpropInput;
  const a = attrs as unknown as Conv2DBackpropInputAttrs & { dilations?: number | Pair };
  assertDilationOne(name, a.dilations);
  checkFloat(name, input(name, inputs, 'dy'), input(name, inputs, 'filter'));
  const nchw = a.dataFormat === 'NCHW';
  return tf.tidy(() => {
    const dy = toNHWC(asTensor<Tensor4D>(input(name, inputs, 'dy'), backend), nchw);
    const filter = asTensor<Tensor4D>(input(name, inputs, 'filter'), backend);
    const xShape = shapeToNHWC(a.inputShape, nchw);
    const g = computeGeom(name, xShape, filter.shape, a.strides, a.pad, a.dimRoundingMode, false);
    assertDyShape(name, dy, g);
    const dx = conv2dBackpropInputNHWC(dy, filter, g);
    return nchw ? tf.transpose(dx, [0, 3, 1, 2]) : dx;
  });
};

const conv2DBackpropFilterKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const name = tf.Conv2DBackpropFilter;
  const a = attrs as unknown as Conv2DBackpropFilterAttrs & { dilations?: number | Pair };
  assertDilationOne(name, a.dilations);
  checkFloat(name, input(name, inputs, 'x'), input(name, inputs, 'dy'));
  const nchw = a.dataFormat === 'NCHW';
  return tf.tidy(() => {
    const x = toNHWC(asTensor<Tensor4D>(input(name, inputs, 'x'), backend), nchw);
    const dy = toNHWC(asTensor<Tensor4D>(input(name, inputs, 'dy'), backend), nchw);
    const g = computeGeom(name, x.shape, a.filterShape, a.strides, a.pad, a.dimRoundingMode, false);
    assertDyShape(name, dy, g);
    return conv2dBackpropFilterNHWC(x, dy, g);
  });
};

const depthwiseBackpropInputKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const name = tf.DepthwiseConv2dNativeBackpropInput;
  const a = attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  assertDilationOne(name, a.dilations);
  checkFloat(name, input(name, inputs, 'dy'), input(name, inputs, 'filter'));
  return tf.tidy(() => {
    const dy = asTensor<Tensor4D>(input(name, inputs, 'dy'), backend);
    const filter = asTensor<Tensor4D>(input(name, inputs, 'filter'), backend);
    const g = computeGeom(name, a.inputShape, filter.shape, a.strides, a.pad, a.dimRoundingMode, true);
    assertDyShape(name, dy, g);
    return depthwiseBackpropInputNHWC(dy, filter, g);
  });
};

const depthwiseBackpropFilterKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const name = tf.DepthwiseConv2dNativeBackpropFilter;
  const a = attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  assertDilationOne(name, a.dilations);
  checkFloat(name, input(name, inputs, 'x'), input(name, inputs, 'dy'));
  return tf.tidy(() => {
    const x = asTensor<Tensor4D>(input(name, inputs, 'x'), backend);
    const dy = asTensor<Tensor4D>(input(name, inputs, 'dy'), backend);
    const g = computeGeom(name, x.shape, a.filterShape, a.strides, a.pad, a.dimRoundingMode, true);
    assertDyShape(name, dy, g);
    return depthwiseBackpropFilterNHWC(x, dy, g, a.filterShape[3]);
  });
};

// ---------------------------------------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------------------------------------

/** Marks our kernel configs so re-registration (HMR, a second module instance) is recognised. */
const MARKER = Symbol.for('rd-inspector.wasm-gradient-kernels');

type MarkedConfig = KernelConfig & { [MARKER]?: true };

const KERNELS: ReadonlyArray<[string, KernelFunc]> = [
  [tf.Conv2DBackpropInput, conv2DBackpropInputKernel],
  [tf.Conv2DBackpropFilter, conv2DBackpropFilterKernel],
  [tf.DepthwiseConv2dNativeBackpropInput, depthwiseBackpropInputKernel],
  [tf.DepthwiseConv2dNativeBackpropFilter, depthwiseBackpropFilterKernel],
];

/**
 * Registers the gradient kernels above for backend 'wasm', replacing wasm's slow Conv2DBackpropInput.
 * Idempotent; can be called before or after the wasm backend is initialised.
 */
export function registerWasmGradientKernels(): void {
  // Every matMul gradient uses transpose flags, which wasm runs on a slow path: see wasm-matmul-kernel.
  registerWasmMatMulKernel();
  for (const [kernelName, kernelFunc] of KERNELS) {
    const existing = tf.getKernel(kernelName, BACKEND) as MarkedConfig | undefined;
    if (existing?.[MARKER]) continue;
    if (existing) tf.unregisterKernel(kernelName, BACKEND);
    const config: MarkedConfig = { kernelName, backendName: BACKEND, kernelFunc, [MARKER]: true };
    tf.registerKernel(config);
  }
}

/** True when all kernels of this module are the ones registered for 'wasm'. */
export function wasmGradientKernelsRegistered(): boolean {
  return KERNELS.every(([k]) => (tf.getKernel(k, BACKEND) as MarkedConfig | undefined)?.[MARKER] === true);
}

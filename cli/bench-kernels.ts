/**
 * npx tsx cli/bench-kernels.ts [--reps N] [--cpu-reps N] [--no-cpu] [--no-legacy] [--threads N] [--json]
 *
 * Times the conv gradient kernels at the student's realistic shapes (batch 8): Conv2DBackpropFilter and
 * Conv2DBackpropInput on wasm (src/engine/kernels/wasm-gradient-kernels.ts) against the pure-JS cpu backend,
 * wasm's own scalar Conv2DBackpropInput ("legacy") and the wasm forward conv of the same layer.
 * Figures are min / median wall ms per call; the machine may be shared, so trust the minimum most.
 * The cpu backend's Conv2DBackpropFilter is a naive loop: the default run takes ~7 min on 2 cores (--no-cpu: ~15 s).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { initBackend, wasmThreadsInUse } from './lib/backend';
import { intOption, parseCliArgs, runCli } from './lib/cli-support';

const USAGE = 'usage: npx tsx cli/bench-kernels.ts [--reps N] [--cpu-reps N] [--no-cpu] [--no-legacy] [--threads N] [--json]';

// wasm's own Conv2DBackpropInput, captured before initBackend replaces it with ours.
const legacyBackpropInput = tf.getKernel(tf.Conv2DBackpropInput, 'wasm');

type Shape4 = [number, number, number, number];

interface Layer {
  name: string;
  /** Shape of the conv's input x (= dx); for a transposed conv this is the transposed conv's OUTPUT. */
  x: Shape4;
  /** Regular-conv filter [kh, kw, in, out] (for a transposed conv: [kh, kw, its out, its in]). */
  filter: Shape4;
  stride: number;
}

const LAYERS: Layer[] = [
  { name: 'conv 64x64x48 3x3 s1 -> 48', x: [8, 64, 64, 48], filter: [3, 3, 48, 48], stride: 1 },
  { name: 'conv 32x32x96 3x3 s1 -> 96', x: [8, 32, 32, 96], filter: [3, 3, 96, 96], stride: 1 },
  { name: 'conv 16x16x192 3x3 s2 -> 192', x: [8, 16, 16, 192], filter: [3, 3, 192, 192], stride: 2 },
  { name: 'tconv 2x2 s2 16x16x192 -> 32x32x96', x: [8, 32, 32, 96], filter: [2, 2, 96, 192], stride: 2 },
];

interface Timing {
  min: number;
  median: number;
}

function time(fn: () => tf.TensorInfo | tf.TensorInfo[], reps: number, warmup: boolean): Timing {
  const dispose = (out: tf.TensorInfo | tf.TensorInfo[]) => {
    for (const t of Array.isArray(out) ? out : [out]) {
      if (t instanceof tf.Tensor) t.dispose();
      else tf.backend().disposeData(t.dataId);
    }
  };
  if (warmup) dispose(fn());
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const out = fn();
    ts.push(performance.now() - t0); // wasm and cpu kernels run synchronously
    dispose(out);
  }
  ts.sort((a, b) => a - b);
  const mid = ts.length >> 1;
  return { min: ts[0], median: ts.length % 2 ? ts[mid] : (ts[mid - 1] + ts[mid]) / 2 };
}

interface LayerFigures {
  layer: string;
  gmac: number;
  wasm_forward: Timing;
  wasm_filter: Timing;
  wasm_input: Timing;
  wasm_legacy_input: Timing | null;
  cpu_filter: Timing | null;
  cpu_input: Timing | null;
}

function kernels(layer: Layer, x: tf.Tensor4D, filter: tf.Tensor4D, dy: tf.Tensor4D) {
  const attrsBase = { strides: layer.stride, pad: 'same' as const, dataFormat: 'NHWC' as const };
  return {
    filter: () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { ...attrsBase, filterShape: layer.filter }) as tf.Tensor,
    input: () => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter }, { ...attrsBase, inputShape: layer.x }) as tf.Tensor,
    forward: () => tf.conv2d(x, filter, layer.stride, 'same'),
    legacyInput: () =>
      legacyBackpropInput!.kernelFunc({
        inputs: { dy, filter },
        attrs: { ...attrsBase, inputShape: layer.x },
        backend: tf.backend(),
      }) as tf.TensorInfo,
  };
}

async function main(): Promise<void> {
  const { values: opts } = parseCliArgs(
    process.argv.slice(2),
    {
      reps: { type: 'string' },
      'cpu-reps': { type: 'string' },
      'no-cpu': { type: 'boolean' },
      'no-legacy': { type: 'boolean' },
      threads: { type: 'string' },
      json: { type: 'boolean' },
    },
    USAGE,
  );
  const reps = intOption(opts.reps, 'reps', 7, 1, 1000);
  const cpuReps = intOption(opts['cpu-reps'], 'cpu-reps', 1, 1, 100);
  const threads = intOption(opts.threads, 'threads', 1, 1, 8);
  const log = (s: string) => {
    if (!opts.json) console.log(s);
  };

  await initBackend('cpu');
  await initBackend('wasm', { threads });
  // Our registration removed it before the backend initialised, so its setup (cwrap) never ran.
  legacyBackpropInput?.setupFunc?.(tf.findBackend('wasm')!);
  const rows: LayerFigures[] = [];
  for (const layer of LAYERS) {
    await tf.setBackend('wasm');
    const x = tf.randomUniform(layer.x, -1, 1, 'float32', 1) as tf.Tensor4D;
    const filter = tf.randomUniform(layer.filter, -0.1, 0.1, 'float32', 2) as tf.Tensor4D;
    const yShape = tf.backend_util.computeConv2DInfo(layer.x, layer.filter, layer.stride, 1, 'same').outShape;
    const dy = tf.randomUniform(yShape, -1, 1, 'float32', 3) as tf.Tensor4D;
    const [, oh, ow] = yShape;
    const [kh, kw, ci, co] = layer.filter;
    const gmac = (layer.x[0] * oh * ow * kh * kw * ci * co) / 1e9;
    const k = kernels(layer, x, filter, dy);
    const row: LayerFigures = {
      layer: layer.name,
      gmac,
      wasm_forward: time(k.forward, reps, true),
      wasm_filter: time(k.filter, reps, true),
      wasm_input: time(k.input, reps, true),
      wasm_legacy_input: legacyBackpropInput && !opts['no-legacy'] ? time(k.legacyInput, 1, false) : null,
      cpu_filter: null,
      cpu_input: null,
    };
    if (!opts['no-cpu']) {
      await tf.setBackend('cpu');
      const [xc, fc, dyc] = [x, filter, dy].map((t) => tf.tensor(t.dataSync(), t.shape) as tf.Tensor4D);
      const kc = kernels(layer, xc, fc, dyc);
      row.cpu_filter = time(kc.filter, cpuReps, false);
      row.cpu_input = time(kc.input, cpuReps, false);
      tf.dispose([xc, fc, dyc]);
      await tf.setBackend('wasm');
    }
    tf.dispose([x, filter, dy]);
    rows.push(row);
    const f = (t: Timing | null) => (t ? `${t.min.toFixed(1)} / ${t.median.toFixed(1)}` : '-');
    log(`\n${layer.name}  (${gmac.toFixed(2)} GMAC per pass)`);
    log(`  wasm forward conv2d          ${f(row.wasm_forward)} ms`);
    log(`  wasm backprop filter (ours)  ${f(row.wasm_filter)} ms    cpu ${f(row.cpu_filter)} ms`);
    log(`  wasm backprop input  (ours)  ${f(row.wasm_input)} ms    cpu ${f(row.cpu_input)} ms    wasm legacy ${f(row.wasm_legacy_input)} ms`);
  }
  const meta = { threads: wasmThreadsInUse(), reps, cpuReps, timing: 'min / median ms' };
  if (opts.json) console.log(JSON.stringify({ ...meta, rows }, null, 2));
  else log(`\nwasm threads: ${meta.threads}; ${reps} reps (cpu ${cpuReps}); figures are min / median ms`);
}

runCli(main);

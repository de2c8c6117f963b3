/**
 * Rewrites a truncated Keras layers model (the MobileNetV2 / InceptionV3 teachers) as a tfjs graph model
 * whose convolutions are fused: every Conv2D / DepthwiseConv2D absorbs the BatchNormalization after it
 * (folded into its kernel and a bias), the ReLU / ReLU6 after that (`_FusedConv2D` /
 * `FusedDepthwiseConv2dNative` with BiasAdd + Relu[6], run by tf.fused.* in one pass), and a ZeroPadding2D
 * in front of a VALID convolution (explicit padding). The layers model ran each of those as its own op, one
 * more pass over memory each.
 *
 * Folding is exact algebra (y = γ·(W∗x + b − μ)/√(σ² + ε) + β = (W·s)∗x + (b − μ)·s + β with s = γ/√(σ² + ε));
 * only float rounding differs, so the folded weights are stored as float32 (re-quantizing them to uint8
 * would move the taps by far more than that rounding). A layer is only absorbed when it has a single
 * consumer and is not a tap, so every tap keeps its name and its value.
 */
import * as tf from '@tensorflow/tfjs';

interface KerasLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: unknown[];
}

interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, unknown>;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const ints = (xs: number[]) => ({ list: { i: xs.map(String) } });
const FLOAT = { type: 'DT_FLOAT' };

function inboundNames(layer: KerasLayer): string[] {
  return layer.inbound_nodes.flatMap((node) => (node as unknown[][]).map((ref) => ref[0] as string));
}

function pair(v: unknown): [number, number] {
  return Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v), Number(v)];
}

/** The activation a layer applies, as a fused-op name, or null for linear; throws on anything else. */
function activationOf(layer: KerasLayer): 'Relu' | 'Relu6' | null {
  const c = layer.config;
  if (layer.class_name === 'ReLU') {
    if ((c.negative_slope ?? 0) !== 0 || (c.threshold ?? 0) !== 0) throw new Error(`fuse: ReLU ${layer.name} with slope/threshold is not supported`);
    if (c.max_value == null) return 'Relu';
    if (Number(c.max_value) === 6) return 'Relu6';
    throw new Error(`fuse: ReLU ${layer.name} with max_value ${String(c.max_value)} is not supported`);
  }
  const a = c.activation ?? 'linear';
  if (a === 'linear') return null;
  if (a === 'relu') return 'Relu';
  if (a === 'relu6') return 'Relu6';
  throw new Error(`fuse: activation "${String(a)}" of ${layer.name} is not supported`);
}

export interface FuseStats {
  fusedConvs: number;
  foldedBatchNorms: number;
  fusedActivations: number;
  foldedPaddings: number;
}

/**
 * @param artifacts a layers model (as truncateTeacher makes it)
 * @param keep layer names that must stay addressable (the taps): never absorbed into a neighbour
 */
export function fuseLayersModel(artifacts: tf.io.ModelArtifacts, keep: Set<string>): { artifacts: tf.io.ModelArtifacts; stats: FuseStats } {
  const topo = artifacts.modelTopology as { model_config: { config: { layers: KerasLayer[] } } };
  const layers = topo.model_config.config.layers;
  const consumers = new Map<string, KerasLayer[]>();
  for (const l of layers) for (const n of inboundNames(l)) consumers.set(n, [...(consumers.get(n) ?? []), l]);
  const soleConsumer = (name: string): KerasLayer | null => {
    const c = consumers.get(name) ?? [];
    return c.length === 1 && !keep.has(name) ? c[0] : null;
  };

  // Dequantized float32 values of every weight, by name (tfjs applies the uint8 min/scale).
  const weights = tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);
  const value = (name: string) => {
    const t = weights[name];
    if (!t) throw new Error(`fuse: weight ${name} missing`);
    return t.dataSync() as Float32Array;
  };

  const nodes: GraphNode[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: (Float32Array | Int32Array)[] = [];
  // Const nodes take their values from the weights manifest, by node name.
  const constant = (name: string, data: Float32Array | Int32Array, shape: number[]) => {
    const int = data instanceof Int32Array;
    const dtype = int ? 'DT_INT32' : 'DT_FLOAT';
    nodes.push({ name, op: 'Const', attr: { value: { tensor: { dtype, tensorShape: { dim: shape.map((s) => ({ size: String(s) })) } } }, dtype: { type: dtype } } });
    specs.push({ name, shape, dtype: int ? 'int32' : 'float32' });
    buffers.push(data);
    return name;
  };

  const stats: FuseStats = { fusedConvs: 0, foldedBatchNorms: 0, fusedActivations: 0, foldedPaddings: 0 };
  /** Which graph node carries a layer's output. */
  const ref = new Map<string, string>();
  /** ZeroPadding2D layers folded into their consumer: input ref + [[top, bottom], [left, right]]. */
  const pads = new Map<string, { input: string; pad: [[number, number], [number, number]] }>();
  const absorbed = new Set<string>();
  const refOf = (name: string) => {
    const r = ref.get(name);
    if (r == null) throw new Error(`fuse: layer ${name} is used before it is defined`);
    return r;
  };

  for (const layer of layers) {
    if (absorbed.has(layer.name)) continue;
    const c = layer.config;
    const inputs = inboundNames(layer);
    switch (layer.class_name) {
      case 'InputLayer': {
        const shape = c.batch_input_shape as (number | null)[];
        nodes.push({ name: layer.name, op: 'Placeholder', attr: { dtype: FLOAT, shape: { shape: { dim: shape.map((s) => ({ size: String(s ?? -1) })) } } } });
        ref.set(layer.name, layer.name);
        break;
      }
      case 'ZeroPadding2D': {
        const users = consumers.get(layer.name) ?? [];
        const foldable = !keep.has(layer.name) && users.length > 0 &&
          users.every((u) => (u.class_name === 'Conv2D' || u.class_name === 'DepthwiseConv2D') && u.config.padding === 'valid');
        if (!foldable) throw new Error(`fuse: ZeroPadding2D ${layer.name} is not followed by VALID convolutions only`);
        const p = c.padding as [[number, number], [number, number]];
        pads.set(layer.name, { input: refOf(inputs[0]), pad: [[p[0][0], p[0][1]], [p[1][0], p[1][1]]] });
        break;
      }
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const depthwise = layer.class_name === 'DepthwiseConv2D';
        const kernelName = `${layer.name}/${depthwise ? 'depthwise_kernel' : 'kernel'}`;
        const kernelSpec = artifacts.weightSpecs!.find((s) => s.name === kernelName)!;
        const kernel = Float32Array.from(value(kernelName));
        const shape = kernelSpec.shape;
        const cout = depthwise ? shape[2] * shape[3] : shape[3];
        const bias = c.use_bias ? Float32Array.from(value(`${layer.name}/bias`)) : new Float32Array(cout);
        let last = layer;
        let act = activationOf(layer);
        // conv → BatchNormalization: fold the BN's affine map into kernel and bias.
        const bn = act == null ? soleConsumer(layer.name) : null;
        if (bn && bn.class_name === 'BatchNormalization') {
          const n = bn.name;
          const eps = Number(bn.config.epsilon ?? 1e-3);
          const mean = value(`${n}/moving_mean`);
          const variance = value(`${n}/moving_variance`);
          const gamma = bn.config.scale === false ? null : value(`${n}/gamma`);
          const beta = bn.config.center === false ? null : value(`${n}/beta`);
          const scale = new Float32Array(cout);
          for (let o = 0; o < cout; o++) {
            scale[o] = (gamma ? gamma[o] : 1) / Math.sqrt(variance[o] + eps);
            bias[o] = (bias[o] - mean[o]) * scale[o] + (beta ? beta[o] : 0);
          }
          // Output channel of both kernel layouts ([kh,kw,cin,cout], depthwise [kh,kw,cin,mult]) is the
          // flat index modulo cout.
          for (let i = 0; i < kernel.length; i++) kernel[i] *= scale[i % cout];
          absorbed.add(n);
          last = bn;
          stats.foldedBatchNorms++;
        }
        // … → ReLU / Activation: fused as the convolution's activation.
        const next = act == null ? soleConsumer(last.name) : null;
        if (next && (next.class_name === 'ReLU' || next.class_name === 'Activation')) {
          const a = activationOf(next);
          if (a != null) {
            act = a;
            absorbed.add(next.name);
            last = next;
            stats.fusedActivations++;
          }
        }
        const padded = pads.get(inputs[0]);
        const strides = pair(c.strides);
        const dilations = pair(c.dilation_rate ?? 1);
        const attr: Record<string, unknown> = {
          T: FLOAT,
          data_format: { s: b64('NHWC') },
          strides: ints([1, strides[0], strides[1], 1]),
          dilations: ints([1, dilations[0], dilations[1], 1]),
          padding: { s: b64(padded ? 'EXPLICIT' : String(c.padding).toUpperCase()) },
          explicit_paddings: padded ? ints([0, 0, ...padded.pad[0], ...padded.pad[1], 0, 0]) : { list: {} },
          fused_ops: { list: { s: (act ? ['BiasAdd', act] : ['BiasAdd']).map(b64) } },
          num_args: { i: '1' },
          epsilon: { f: 0 },
        };
        if (padded) stats.foldedPaddings++;
        const w = constant(`${layer.name}/fused_kernel`, kernel, shape);
        const b = constant(`${layer.name}/fused_bias`, bias, [cout]);
        nodes.push({ name: last.name, op: depthwise ? 'FusedDepthwiseConv2dNative' : '_FusedConv2D', input: [padded ? padded.input : refOf(inputs[0]), w, b], attr });
        ref.set(last.name, last.name);
        stats.fusedConvs++;
        break;
      }
      case 'ReLU':
      case 'Activation': {
        const a = activationOf(layer);
        if (a == null) ref.set(layer.name, refOf(inputs[0]));
        else {
          nodes.push({ name: layer.name, op: a, input: [refOf(inputs[0])], attr: { T: FLOAT } });
          ref.set(layer.name, layer.name);
        }
        break;
      }
      case 'Add':
        nodes.push({ name: layer.name, op: inputs.length === 2 ? 'AddV2' : 'AddN', input: inputs.map(refOf), attr: { T: FLOAT } });
        ref.set(layer.name, layer.name);
        break;
      case 'Concatenate': {
        const axis = Number(c.axis ?? -1);
        const axisNode = constant(`${layer.name}/axis`, Int32Array.of(axis === -1 ? 3 : axis), []);
        nodes.push({ name: layer.name, op: 'ConcatV2', input: [...inputs.map(refOf), axisNode], attr: { T: FLOAT, N: { i: String(inputs.length) } } });
        ref.set(layer.name, layer.name);
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        const k = pair(c.pool_size);
        const s = pair(c.strides ?? c.pool_size);
        nodes.push({
          name: layer.name,
          op: layer.class_name === 'MaxPooling2D' ? 'MaxPool' : 'AvgPool',
          input: [refOf(inputs[0])],
          attr: { T: FLOAT, ksize: ints([1, k[0], k[1], 1]), strides: ints([1, s[0], s[1], 1]), padding: { s: b64(String(c.padding).toUpperCase()) }, data_format: { s: b64('NHWC') } },
        });
        ref.set(layer.name, layer.name);
        break;
      }
      default:
        throw new Error(`fuse: layer ${layer.name} of class ${layer.class_name} is not supported`);
    }
  }
  // A kept name must name a node of the graph (taps are selected by node name).
  for (const k of keep) if (!nodes.some((n) => n.name === k)) throw new Error(`fuse: tap ${k} has no node of its own`);
  tf.dispose(weights);

  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const data = new Uint8Array(total);
  let o = 0;
  for (const b of buffers) {
    data.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), o);
    o += b.byteLength;
  }
  return {
    artifacts: { modelTopology: { node: nodes, versions: { producer: 1 } }, format: 'graph-model', generatedBy: artifacts.generatedBy, convertedBy: `${artifacts.convertedBy ?? '?'}, fused (BN folded, bias+activation and padding in the conv)`, weightSpecs: specs, weightData: data.buffer },
    stats,
  };
}

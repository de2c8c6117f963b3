/**
 * Building blocks of the student (OCBE + decoder), written on raw tfjs ops with explicitly named
 * variables. Raw ops instead of tf.layers keep three things under our control: batch-norm statistics
 * (batch stats while training, running stats at inference), the 2×2 stride-2 transposed convolution
 * (a matMul, whose gradient every backend has) and a weight layout that serialises to a plain
 * tfjs weights manifest.
 */
import * as tf from '@tensorflow/tfjs';
import { trainingBatchNorm } from './batch-norm-train';
import { SeededRandom } from './random';

/** Named parameters. Trainable ones get gradients; BN running statistics are non-trainable. */
export class ParameterStore {
  readonly variables = new Map<string, tf.Variable>();
  private readonly rng: SeededRandom;
  private readonly derivedCache = new Map<string, { deps: object[]; tensors: tf.Tensor[] }>();

  constructor(seed: number) {
    this.rng = new SeededRandom(seed);
  }

  /** He-normal init (fan-in), the usual choice in front of ReLU. */
  heNormal(name: string, shape: number[], fanIn: number): tf.Variable {
    const std = Math.sqrt(2 / fanIn);
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = this.rng.normal() * std;
    return this.add(name, tf.tensor(values, shape), true);
  }

  constant(name: string, shape: number[], value: number, trainable: boolean): tf.Variable {
    return this.add(name, tf.fill(shape, value), trainable);
  }

  private add(name: string, init: tf.Tensor, trainable: boolean): tf.Variable {
    if (this.variables.has(name)) throw new Error(`duplicate parameter name ${name}`);
    // Variable names are global in tfjs; a per-store prefix lets several students live side by side.
    const v = tf.variable(init, trainable, `${name}#${uniqueSuffix()}`);
    init.dispose();
    this.variables.set(name, v);
    return v;
  }

  get(name: string): tf.Variable {
    const v = this.variables.get(name);
    if (!v) throw new Error(`unknown parameter ${name}`);
    return v;
  }

  trainable(): tf.Variable[] {
    return [...this.variables.values()].filter((v) => v.trainable);
  }

  countTrainable(): number {
    return this.trainable().reduce((n, v) => n + v.size, 0);
  }

  /**
   * Tensors computed from some variables (the BN-folded inference weights), recomputed only when one of
   * them changed. Variable.assign (optimizers, weight loading, running-stat updates) gives a variable a new
   * dataId, so comparing dataIds is an exact change test. The tensors belong to the store.
   */
  derived(key: string, deps: tf.Variable[], make: () => tf.Tensor[]): tf.Tensor[] {
    const ids = deps.map((d) => d.dataId);
    const hit = this.derivedCache.get(key);
    if (hit && hit.deps.length === ids.length && hit.deps.every((id, i) => id === ids[i])) return hit.tensors;
    if (hit) tf.dispose(hit.tensors);
    const tensors = tf.tidy(make).map((t) => tf.keep(t));
    this.derivedCache.set(key, { deps: ids, tensors });
    return tensors;
  }

  dispose(): void {
    for (const c of this.derivedCache.values()) tf.dispose(c.tensors);
    this.derivedCache.clear();
    for (const v of this.variables.values()) v.dispose();
    this.variables.clear();
  }
}

let suffixCounter = 0;
function uniqueSuffix(): string {
  suffixCounter += 1;
  return `${suffixCounter}`;
}

/** Batch statistics seen during a training forward pass, applied to the running stats after the step. */
export interface BatchStat {
  name: string;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  count: number;
}

export interface ForwardContext {
  training: boolean;
  /**
   * Inference only: run BN as its own op instead of folded into the conv weights (the reference the folded
   * path is tested against). Training always runs real BN on batch statistics.
   */
  unfused?: boolean;
  /** Filled in training mode; the caller owns (and disposes) the tensors. */
  batchStats: BatchStat[];
}

export const BN_MOMENTUM = 0.1;
export const BN_EPSILON = 1e-5;

export class Conv2d {
  private readonly w: tf.Variable;

  constructor(
    store: ParameterStore,
    readonly name: string,
    cin: number,
    cout: number,
    readonly kernel: number,
    readonly stride: number,
  ) {
    this.w = store.heNormal(`${name}/kernel`, [kernel, kernel, cin, cout], kernel * kernel * cin);
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.conv2d(x, this.w as tf.Tensor4D, this.stride, 'same');
  }

  /** The folded weights for `bn`, made now (see BatchNorm.fold). */
  prepareFolded(bn: BatchNorm): void {
    bn.fold(this.w, 1);
  }

  /** Inference: the convolution with `bn` folded in, bias and activation fused into the same op. */
  applyFolded(x: tf.Tensor4D, bn: BatchNorm, activation: 'relu' | 'linear'): tf.Tensor4D {
    const [filter, bias] = bn.fold(this.w, 1);
    return tf.fused.conv2d({ x, filter: filter as tf.Tensor4D, strides: this.stride, pad: 'same', bias, activation });
  }
}

/**
 * Transposed convolution with kernel 2 and stride 2. Its output windows do not overlap, so it is
 * exactly one matMul ([N·H·W, Cin] × [Cin, 2·2·Cout]) followed by a pixel shuffle — fast forward and
 * backward on every backend (wasm's own Conv2DBackpropInput is a slow scalar loop).
 * Weight layout [Cin, 2, 2, Cout] flattened to [Cin, 4·Cout].
 */
export class ConvTranspose2x2 {
  private readonly w: tf.Variable;

  constructor(
    store: ParameterStore,
    readonly name: string,
    cin: number,
    readonly cout: number,
  ) {
    this.w = store.heNormal(`${name}/kernel`, [cin, 4 * cout], cin);
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    const [n, h, w, cin] = x.shape;
    return this.shuffle(tf.matMul(tf.reshape(x, [n * h * w, cin]) as tf.Tensor2D, this.w as tf.Tensor2D), n, h, w);
  }

  prepareFolded(bn: BatchNorm): void {
    bn.fold(this.w, 4);
  }

  /** Inference: `bn` folded into the matMul's weights and bias, activation fused (it commutes with the shuffle). */
  applyFolded(x: tf.Tensor4D, bn: BatchNorm, activation: 'relu' | 'linear'): tf.Tensor4D {
    const [n, h, w, cin] = x.shape;
    const [b, bias] = bn.fold(this.w, 4);
    return this.shuffle(tf.fused.matMul({ a: tf.reshape(x, [n * h * w, cin]) as tf.Tensor2D, b: b as tf.Tensor2D, bias, activation }) as tf.Tensor2D, n, h, w);
  }

  private shuffle(y: tf.Tensor2D, n: number, h: number, w: number): tf.Tensor4D {
    const blocks = tf.reshape(y, [n, h, w, 2, 2, this.cout]);
    return tf.reshape(tf.transpose(blocks, [0, 1, 3, 2, 4, 5]), [n, 2 * h, 2 * w, this.cout]);
  }
}

export class BatchNorm {
  private readonly gamma: tf.Variable;
  private readonly beta: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;

  constructor(
    private readonly store: ParameterStore,
    readonly name: string,
    channels: number,
  ) {
    this.gamma = store.constant(`${name}/gamma`, [channels], 1, true);
    this.beta = store.constant(`${name}/beta`, [channels], 0, true);
    this.runningMean = store.constant(`${name}/moving_mean`, [channels], 0, false);
    this.runningVar = store.constant(`${name}/moving_variance`, [channels], 1, false);
  }

  apply(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    if (!ctx.training) {
      return tf.batchNorm(x, this.runningMean as tf.Tensor1D, this.runningVar as tf.Tensor1D,
        this.beta as tf.Tensor1D, this.gamma as tf.Tensor1D, BN_EPSILON);
    }
    // Batch statistics with a closed-form gradient (batch-norm-train.ts: fewer passes than autograd).
    const { y, mean, variance } = trainingBatchNorm(x, this.gamma as tf.Tensor1D, this.beta as tf.Tensor1D, BN_EPSILON);
    ctx.batchStats.push({ name: this.name, mean, variance, count: x.shape[0] * x.shape[1] * x.shape[2] });
    return y;
  }

  /**
   * [kernel·s, β − μ·s] with s = γ/√(σ² + ε) from the running statistics: the preceding linear op's weights
   * with this BN folded in (inference only). The output channel is the kernel's last axis, repeated
   * `repeat` times (the transposed conv's [Cin, 2·2·Cout] layout). Cached until a variable changes; the
   * layers make it once at construction, so inference never changes the tensor count.
   */
  fold(kernel: tf.Variable, repeat: number): [tf.Tensor, tf.Tensor1D] {
    const deps = [kernel, this.gamma, this.beta, this.runningMean, this.runningVar];
    const [k, b] = this.store.derived(`${this.name}/folded`, deps, () => {
      const scale = tf.mul(this.gamma, tf.rsqrt(tf.add(this.runningVar, BN_EPSILON)));
      const shift = tf.sub(this.beta, tf.mul(this.runningMean, scale));
      return [tf.mul(kernel, tf.tile(scale, [repeat])), tf.tile(shift, [repeat])];
    });
    return [k, b as tf.Tensor1D];
  }

  /** PyTorch's rule: running = (1 − m)·running + m·batch, with the unbiased batch variance. */
  updateRunningStats(stat: BatchStat): void {
    tf.tidy(() => {
      const unbiased = stat.count > 1 ? tf.mul(stat.variance, stat.count / (stat.count - 1)) : stat.variance;
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - BN_MOMENTUM), tf.mul(stat.mean, BN_MOMENTUM)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - BN_MOMENTUM), tf.mul(unbiased, BN_MOMENTUM)));
    });
  }
}

/** conv → BN → ReLU, the unit MFF is made of. */
export class ConvBnRelu {
  private readonly conv: Conv2d;
  private readonly bn: BatchNorm;

  constructor(store: ParameterStore, name: string, cin: number, cout: number, kernel: number, stride: number, bns: Map<string, BatchNorm>) {
    this.conv = new Conv2d(store, `${name}/conv`, cin, cout, kernel, stride);
    this.bn = registerBn(bns, new BatchNorm(store, `${name}/bn`, cout));
    this.conv.prepareFolded(this.bn);
  }

  apply(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    if (!ctx.training && !ctx.unfused) return this.conv.applyFolded(x, this.bn, 'relu');
    return tf.relu(this.bn.apply(this.conv.apply(x), ctx));
  }
}

export function registerBn(bns: Map<string, BatchNorm>, bn: BatchNorm): BatchNorm {
  bns.set(bn.name, bn);
  return bn;
}

/**
 * ResNet basic block (two 3×3 convs) with a projection shortcut when shape changes. With
 * `stride: 2` it is the OCE's downsampling stage; with `upsample: true` it is the decoder's mirror
 * of it (the first conv and the shortcut become 2×2 stride-2 transposed convs), as in the paper.
 */
export class ResidualBlock {
  private readonly first: Conv2d | ConvTranspose2x2;
  private readonly bn1: BatchNorm;
  private readonly second: Conv2d;
  private readonly bn2: BatchNorm;
  private readonly shortcut: Conv2d | ConvTranspose2x2 | null;
  private readonly bnShortcut: BatchNorm | null;

  constructor(
    store: ParameterStore,
    name: string,
    cin: number,
    cout: number,
    mode: { kind: 'down'; stride: 1 | 2 } | { kind: 'up' },
    bns: Map<string, BatchNorm>,
  ) {
    if (mode.kind === 'up') {
      this.first = new ConvTranspose2x2(store, `${name}/upconv1`, cin, cout);
      this.shortcut = new ConvTranspose2x2(store, `${name}/shortcut`, cin, cout);
    } else {
      this.first = new Conv2d(store, `${name}/conv1`, cin, cout, 3, mode.stride);
      this.shortcut = mode.stride !== 1 || cin !== cout ? new Conv2d(store, `${name}/shortcut`, cin, cout, 1, mode.stride) : null;
    }
    this.bn1 = registerBn(bns, new BatchNorm(store, `${name}/bn1`, cout));
    this.second = new Conv2d(store, `${name}/conv2`, cout, cout, 3, 1);
    this.bn2 = registerBn(bns, new BatchNorm(store, `${name}/bn2`, cout));
    this.bnShortcut = this.shortcut ? registerBn(bns, new BatchNorm(store, `${name}/bn_shortcut`, cout)) : null;
    this.first.prepareFolded(this.bn1);
    this.second.prepareFolded(this.bn2);
    if (this.shortcut && this.bnShortcut) this.shortcut.prepareFolded(this.bnShortcut);
  }

  apply(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    if (!ctx.training && !ctx.unfused) {
      const h = this.first.applyFolded(x, this.bn1, 'relu');
      const y = this.second.applyFolded(h, this.bn2, 'linear');
      const identity = this.shortcut && this.bnShortcut ? this.shortcut.applyFolded(x, this.bnShortcut, 'linear') : x;
      return tf.relu(tf.add(y, identity));
    }
    const h = tf.relu(this.bn1.apply(this.first.apply(x), ctx));
    const y = this.bn2.apply(this.second.apply(h), ctx);
    const identity = this.shortcut && this.bnShortcut ? this.bnShortcut.apply(this.shortcut.apply(x), ctx) : x;
    return tf.relu(tf.add(y, identity));
  }
}

/** Bilinear resize to a target grid when a teacher's grids are not exact powers of two apart. */
export function matchGrid(x: tf.Tensor4D, h: number, w: number): tf.Tensor4D {
  if (x.shape[1] === h && x.shape[2] === w) return x;
  return tf.image.resizeBilinear(x, [h, w], false, true);
}

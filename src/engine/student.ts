/**
 * The trainable half of reverse distillation: OCBE (multi-scale feature fusion + one-class
 * embedding) and the student decoder D that reconstructs the teacher's three taps from the embedding.
 */
import * as tf from '@tensorflow/tfjs';
import {
  BatchNorm, BatchStat, Conv2d, ConvBnRelu, ForwardContext, ParameterStore, ResidualBlock, matchGrid,
} from './components';

export interface StudentConfig {
  /** Channels of the teacher taps, shallow (stride 4) to deep (stride 16). */
  tapChannels: [number, number, number];
  /** Working widths of the decoder stages / MFF at strides 4, 8, 16. */
  widths: [number, number, number];
  /** Channels of the one-class embedding at stride 32. */
  embedChannels: number;
  /** Residual blocks per decoder stage (the first one upsamples). */
  decoderBlocks: number;
}

/** Default size, chosen by the speed/AUROC measurements in the README. */
export const DEFAULT_WIDTHS: [number, number, number] = [48, 96, 192];
export const DEFAULT_EMBED_CHANNELS = 256;

export function defaultStudentConfig(tapChannels: [number, number, number]): StudentConfig {
  return { tapChannels, widths: [...DEFAULT_WIDTHS], embedChannels: DEFAULT_EMBED_CHANNELS, decoderBlocks: 1 };
}

export function validateStudentConfig(c: StudentConfig): void {
  const all = [...c.tapChannels, ...c.widths, c.embedChannels];
  if (all.some((v) => !Number.isInteger(v) || v < 1 || v > 4096)) {
    throw new Error(`student config: channel counts must be integers in [1, 4096], got ${JSON.stringify(c)}`);
  }
  if (!Number.isInteger(c.decoderBlocks) || c.decoderBlocks < 1 || c.decoderBlocks > 4) {
    throw new Error(`student config: decoderBlocks must be 1..4, got ${c.decoderBlocks}`);
  }
}

/** Multi-scale feature fusion + one-class embedding: three taps → one compact code at stride 32. */
class Ocbe {
  private readonly shallowDown1: ConvBnRelu;
  private readonly shallowDown2: ConvBnRelu;
  private readonly middleDown: ConvBnRelu;
  private readonly embed: ResidualBlock;

  constructor(store: ParameterStore, c: StudentConfig, bns: Map<string, BatchNorm>) {
    const [c1, c2, c3] = c.tapChannels;
    const [, w2, w3] = c.widths;
    this.shallowDown1 = new ConvBnRelu(store, 'ocbe/mff/shallow_down1', c1, w2, 3, 2, bns);
    this.shallowDown2 = new ConvBnRelu(store, 'ocbe/mff/shallow_down2', w2, w3, 3, 2, bns);
    this.middleDown = new ConvBnRelu(store, 'ocbe/mff/middle_down', c2, w3, 3, 2, bns);
    this.embed = new ResidualBlock(store, 'ocbe/oce', 2 * w3 + c3, c.embedChannels, { kind: 'down', stride: 2 }, bns);
  }

  apply(taps: tf.Tensor4D[], ctx: ForwardContext): tf.Tensor4D {
    const [t1, t2, t3] = taps;
    const [, h3, w3] = t3.shape;
    const a1 = matchGrid(this.shallowDown2.apply(this.shallowDown1.apply(t1, ctx), ctx), h3, w3);
    const a2 = matchGrid(this.middleDown.apply(t2, ctx), h3, w3);
    return this.embed.apply(tf.concat([a1, a2, t3], 3), ctx);
  }
}

/** Mirror of the teacher: three upsampling stages, each projected to its tap's channel count. */
class Decoder {
  private readonly stages: ResidualBlock[][] = [];
  private readonly projections: Conv2d[] = [];

  constructor(store: ParameterStore, c: StudentConfig, bns: Map<string, BatchNorm>) {
    let cin = c.embedChannels;
    // Build deep → shallow: stage index 2 produces the stride-16 tap, 0 the stride-4 tap.
    for (let k = 2; k >= 0; k--) {
      const width = c.widths[k];
      const blocks = [new ResidualBlock(store, `decoder/stage${k + 1}/block0`, cin, width, { kind: 'up' }, bns)];
      for (let b = 1; b < c.decoderBlocks; b++) {
        blocks.push(new ResidualBlock(store, `decoder/stage${k + 1}/block${b}`, width, width, { kind: 'down', stride: 1 }, bns));
      }
      this.stages[k] = blocks;
      // A linear 1×1 projection lets a narrow stage match a wide tap, and lets the output take
      // negative values where the tap is not post-ReLU.
      this.projections[k] = new Conv2d(store, `decoder/stage${k + 1}/project`, width, c.tapChannels[k], 1, 1);
      cin = width;
    }
  }

  apply(embedding: tf.Tensor4D, tapShapes: [number, number][], ctx: ForwardContext): tf.Tensor4D[] {
    const outs: tf.Tensor4D[] = [];
    let h = embedding;
    for (let k = 2; k >= 0; k--) {
      for (const block of this.stages[k]) h = block.apply(h, ctx);
      h = matchGrid(h, tapShapes[k][0], tapShapes[k][1]);
      outs[k] = this.projections[k].apply(h);
    }
    return outs;
  }
}

export class Student {
  readonly store: ParameterStore;
  private readonly bns = new Map<string, BatchNorm>();
  private readonly ocbe: Ocbe;
  private readonly decoder: Decoder;

  constructor(
    readonly config: StudentConfig,
    seed = 0,
  ) {
    validateStudentConfig(config);
    this.store = new ParameterStore(seed);
    this.ocbe = new Ocbe(this.store, config, this.bns);
    this.decoder = new Decoder(this.store, config, this.bns);
  }

  /** Reconstructs the teacher taps. In training mode BN uses batch statistics and records them in ctx. */
  forward(taps: tf.Tensor4D[], ctx: ForwardContext = { training: false, batchStats: [] }): tf.Tensor4D[] {
    if (taps.length !== 3) throw new Error(`student expects 3 teacher taps, got ${taps.length}`);
    taps.forEach((t, k) => {
      if (t.shape[3] !== this.config.tapChannels[k]) {
        throw new Error(`teacher tap ${k + 1} has ${t.shape[3]} channels, the student was built for ${this.config.tapChannels[k]}`);
      }
    });
    const embedding = this.ocbe.apply(taps, ctx);
    return this.decoder.apply(embedding, taps.map((t) => [t.shape[1], t.shape[2]] as [number, number]), ctx);
  }

  /** Inference: reconstruction of the taps with running BN statistics. */
  predict(taps: tf.Tensor4D[]): tf.Tensor4D[] {
    return tf.tidy(() => this.forward(taps));
  }

  applyBatchStats(stats: BatchStat[]): void {
    for (const s of stats) {
      const bn = this.bns.get(s.name);
      if (!bn) throw new Error(`no batch norm named ${s.name}`);
      bn.updateRunningStats(s);
    }
  }

  parameterCount(): number {
    return this.store.countTrainable();
  }

  dispose(): void {
    this.store.dispose();
  }
}

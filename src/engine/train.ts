/**
 * The training loop, shared by the Node CLI and the browser worker: Adam on Σ_k (1 − cos) between the
 * frozen teacher's taps and the student's reconstruction. Deterministic for a given seed (seeded init
 * and shuffling), resumable from a checkpoint, and it refuses to apply a non-finite step.
 */
import * as tf from '@tensorflow/tfjs';

/** tfjs does not re-export this type from its top-level package. */
export type NamedTensor = { name: string; tensor: tf.Tensor };
import { BatchStat } from './components';
import { FeatureBatchSource, yieldToEventLoop } from './feature-cache';
import { LossForm, reverseDistillationLoss } from './loss';
import { SeededRandom } from './random';
import { Student } from './student';

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  beta1: number;
  beta2: number;
  seed: number;
  lossForm: LossForm;
  /**
   * Total optimisation steps, when the run is sized in steps rather than epochs (the browser's presets):
   * the run ends after this many steps, mid-epoch if need be (that epoch's mean covers the steps done).
   * `epochs` must then be at least ⌈maxSteps / stepsPerEpoch⌉ (epochsForSteps). Absent: epochs only (the CLI).
   */
  maxSteps?: number;
}

/** Batches per epoch for `count` samples at batch size `batchSize` (a trailing single sample joins the last batch). */
export function stepsPerEpoch(count: number, batchSize: number): number {
  const bs = Math.min(batchSize, count);
  const n = Math.ceil(count / bs);
  return n > 1 && count % bs === 1 ? n - 1 : n;
}

/** Epochs that hold `steps` optimisation steps (the last one possibly partial). */
export function epochsForSteps(steps: number, count: number, batchSize: number): number {
  return Math.max(1, Math.ceil(steps / stepsPerEpoch(count, batchSize)));
}

/** The paper's / official code's settings (batch 16; we default to 8 for CPU memory and speed). */
export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  epochs: 20,
  batchSize: 8,
  learningRate: 0.005,
  beta1: 0.5,
  beta2: 0.999,
  seed: 0,
  lossForm: 'flattened',
};

export function validateTrainConfig(c: TrainConfig): void {
  const fail = (what: string) => {
    throw new Error(`training option ${what}`);
  };
  if (!Number.isInteger(c.epochs) || c.epochs < 1 || c.epochs > 10000) fail(`epochs must be an integer 1..10000, got ${c.epochs}`);
  if (!Number.isInteger(c.batchSize) || c.batchSize < 1 || c.batchSize > 256) fail(`batch must be an integer 1..256, got ${c.batchSize}`);
  if (!(c.learningRate > 0 && c.learningRate < 1)) fail(`lr must be in (0, 1), got ${c.learningRate}`);
  if (!(c.beta1 >= 0 && c.beta1 < 1) || !(c.beta2 >= 0 && c.beta2 < 1)) fail('betas must be in [0, 1)');
  if (!Number.isInteger(c.seed) || c.seed < 0) fail(`seed must be a non-negative integer, got ${c.seed}`);
  if (c.maxSteps !== undefined && (!Number.isInteger(c.maxSteps) || c.maxSteps < 1 || c.maxSteps > 1_000_000)) fail(`steps must be an integer 1..1000000, got ${c.maxSteps}`);
  if (c.lossForm !== 'flattened' && c.lossForm !== 'per-position') fail(`loss must be "flattened" or "per-position", got ${c.lossForm}`);
}

export interface StepInfo {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  loss: number;
}

export interface EpochInfo {
  epoch: number;
  meanLoss: number;
}

export interface TrainCallbacks {
  onStep?(info: StepInfo): void | Promise<void>;
  /** Called after each completed epoch — the place to write a checkpoint. */
  onEpochEnd?(info: EpochInfo): void | Promise<void>;
  /** Polled between steps; returning true stops after the current step. */
  shouldStop?(): boolean;
}

export class TrainingDivergedError extends Error {
  constructor(
    readonly epoch: number,
    readonly step: number,
    readonly loss: number,
  ) {
    super(`training diverged: loss became ${loss} at epoch ${epoch + 1}, step ${step + 1}; the weights of the last completed epoch are kept`);
    this.name = 'TrainingDivergedError';
  }
}

/** Everything needed to continue a run exactly where it stopped. */
export interface TrainerState {
  /** Epochs completed. */
  epoch: number;
  rngState: number;
  losses: number[];
}

/**
 * Adam's ε, the same on every backend. Left to tfjs it is the backend's epsilon(), and tfjs's WebGL backend
 * reports 16-bit precision (ε = 1e-4) exactly when float32 render targets are enabled — on WebGL the
 * updates of small-gradient weights came out ~1000× damped and training followed another path than on
 * wasm/cpu/WebGPU (ε = 1e-7; measured in headless Chromium). A device that really renders only float16
 * keeps 1e-4: 1e-7 would round to zero there.
 */
export function adamEpsilon(): number {
  const realHalfFloatWebgl = tf.getBackend() === 'webgl' && !tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED');
  return realHalfFloatWebgl ? 1e-4 : 1e-7;
}

export class Trainer {
  readonly optimizer: tf.AdamOptimizer;
  private readonly rng: SeededRandom;
  state: TrainerState;

  constructor(
    readonly student: Student,
    readonly source: FeatureBatchSource,
    readonly config: TrainConfig,
  ) {
    validateTrainConfig(config);
    if (source.count < 1) throw new Error('training needs at least one image');
    this.optimizer = tf.train.adam(config.learningRate, config.beta1, config.beta2, adamEpsilon());
    this.rng = new SeededRandom(config.seed * 7919 + 17);
    this.state = { epoch: 0, rngState: this.rng.getState(), losses: [] };
  }

  /** Batches of one epoch; a trailing batch of a single sample is merged away (BN needs ≥ 2). */
  private epochBatches(): number[][] {
    const order = this.rng.permutation(this.source.count);
    const bs = Math.min(this.config.batchSize, order.length);
    const batches: number[][] = [];
    for (let i = 0; i < order.length; i += bs) batches.push(order.slice(i, i + bs));
    if (batches.length > 1 && batches[batches.length - 1].length === 1) batches[batches.length - 2].push(...batches.pop()!);
    return batches;
  }

  /** One optimisation step; returns the loss. Throws TrainingDivergedError before applying a bad step. */
  step(indices: number[], where: { epoch: number; step: number } = { epoch: 0, step: 0 }): number {
    const taps = this.source.batch(indices);
    const batchStats: BatchStat[] = [];
    try {
      const vars = this.student.store.trainable();
      const { value, grads } = tf.variableGrads(() => {
        const recon = this.student.forward(taps, { training: true, batchStats });
        return reverseDistillationLoss(taps, recon, this.config.lossForm);
      }, vars);
      const loss = value.dataSync()[0];
      const gradNormFinite = tf.tidy(() => Number.isFinite(tf.addN(Object.values(grads).map((g) => tf.sum(tf.abs(g)))).dataSync()[0]));
      if (!Number.isFinite(loss) || !gradNormFinite) {
        tf.dispose([value, ...Object.values(grads)]);
        throw new TrainingDivergedError(where.epoch, where.step, loss);
      }
      this.optimizer.applyGradients(grads as Parameters<tf.AdamOptimizer["applyGradients"]>[0]);
      this.student.applyBatchStats(batchStats);
      tf.dispose([value, ...Object.values(grads)]);
      return loss;
    } finally {
      tf.dispose(taps);
      for (const s of batchStats) tf.dispose([s.mean, s.variance]);
    }
  }

  /** Runs the remaining epochs. Resolves with the per-epoch mean losses of the whole run. */
  async run(callbacks: TrainCallbacks = {}): Promise<number[]> {
    this.rng.setState(this.state.rngState);
    const maxSteps = this.config.maxSteps ?? Number.POSITIVE_INFINITY;
    const perEpoch = stepsPerEpoch(this.source.count, this.config.batchSize);
    for (let epoch = this.state.epoch; epoch < this.config.epochs; epoch++) {
      const batches = this.epochBatches();
      // Sized in steps: the last epoch stops early once the run's steps are done.
      const stepsHere = Math.min(batches.length, maxSteps - epoch * perEpoch);
      if (stepsHere <= 0) break;
      let sum = 0;
      let seen = 0;
      for (let s = 0; s < stepsHere; s++) {
        if (callbacks.shouldStop?.()) return this.state.losses;
        const loss = this.step(batches[s], { epoch, step: s });
        sum += loss * batches[s].length;
        seen += batches[s].length;
        await callbacks.onStep?.({ epoch, step: s, stepsPerEpoch: batches.length, loss });
        await yieldToEventLoop();
      }
      this.state = { epoch: epoch + 1, rngState: this.rng.getState(), losses: [...this.state.losses, sum / seen] };
      await callbacks.onEpochEnd?.({ epoch, meanLoss: sum / seen });
    }
    return this.state.losses;
  }

  /**
   * Adam's iteration count and moments (in the order of the trainable variables, which is how Adam
   * matches them up again). Copies: the caller disposes them.
   */
  async optimizerState(): Promise<NamedTensor[]> {
    const weights = await this.optimizer.getWeights();
    // getWeights() returns a fresh iterations scalar first, then the live moment variables.
    return weights.map((w, i) => ({ name: w.name, tensor: i === 0 ? w.tensor : tf.clone(w.tensor) }));
  }

  async restoreOptimizerState(weights: NamedTensor[]): Promise<void> {
    await this.optimizer.setWeights(weights);
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

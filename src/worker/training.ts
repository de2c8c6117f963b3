/**
 * Training requests in the worker: fine-tunes the active model on normal images (fine-tune.ts),
 * posting 'train-progress' after every step and 'train-done' at the end. On success the trained model
 * becomes the active one (same teacher; the previous student is disposed) with origin 'memory', or
 * 'library' when `options.saveAs` names it. Cancelled or diverged runs, and runs stopped by a lost GPU
 * device (which then switches backend), leave the loaded model as it was.
 */
import type * as tf from '@tensorflow/tfjs';
import { ReverseDistillationPipeline } from '../engine/pipeline';
import { studentToArtifacts } from '../engine/weights-io';
import type { ActiveModel, MemorySource } from './active-model';
import type { BackendService } from './backends';
import { InferenceError, classifyError, isDeviceLost, messageOf, toWorkerError } from './errors';
import { fineTune, type FineTuneOutcome } from './fine-tune';
import type { LibraryService } from './library-service';
import { checkModelName } from './model-library';
import type { WorkerEvent } from './protocol';
import type { SerialQueue } from './serial-queue';
import { measureTrainStep } from './step-probe';
import type { StepTiming, TrainRequestOptions, TrainResult } from './training-types';
import type { LibraryModelInfo, LoadedModelInfo, PixelsMessage, WorkerError } from './types';

export class TrainingService {
  /** Cancel flags of the training requests queued or running. */
  private readonly tokens = new Set<{ cancel: boolean }>();

  constructor(
    private readonly queue: SerialQueue,
    private readonly backends: BackendService,
    private readonly active: ActiveModel,
    private readonly library: LibraryService,
    private readonly emit: (event: WorkerEvent) => void,
  ) {}

  /** Queues a training run; its end is also posted as 'train-done' (with status 'failed' when it rejects). */
  train(images: PixelsMessage[], options: TrainRequestOptions): Promise<TrainResult> {
    const token = { cancel: false };
    this.tokens.add(token);
    const run = this.queue.run(async () => {
      try {
        return await this.run(images, options, token);
      } finally {
        this.tokens.delete(token);
      }
    });
    run
      .then(
        (result) => this.emit({ type: 'train-done', result }),
        (e: unknown) => this.emit({ type: 'train-done', result: { status: 'failed', error: toWorkerError(e) } }),
      )
      .catch(() => undefined); // a failing listener must not become an unhandled rejection
    return run;
  }

  /** Times one step of the loaded model's student (queued like training: it needs the backend to itself). */
  measureStep(batchSize: number): Promise<StepTiming> {
    return this.queue.run(async () => {
      await this.backends.ensureInit();
      await this.backends.recoverIfLost();
      const m = this.active.current;
      if (!m) throw new InferenceError('model', 'load a model first: the step is timed on the loaded model');
      try {
        const t = await measureTrainStep(m.pipeline.teacher, m.pipeline.student.config, m.info.meta, batchSize);
        return { backend: this.backends.backend!, ...t };
      } catch (e) {
        throw classifyError(e, 'backend');
      }
    });
  }

  /** Stops the running and any queued training at the next step. Not queued: takes effect at once. */
  cancel(): boolean {
    for (const t of this.tokens) t.cancel = true;
    return this.tokens.size > 0;
  }

  private async run(images: PixelsMessage[], options: TrainRequestOptions, token: { cancel: boolean }): Promise<TrainResult> {
    await this.backends.ensureInit();
    await this.backends.recoverIfLost();
    const m = this.active.current;
    if (!m) throw new InferenceError('model', 'load a model first: training starts from the loaded model (its teacher, student size and map settings)');
    if (options && typeof options === 'object' && options.saveAs !== undefined) checkModelName(options.saveAs);
    const backend = this.backends.backend!;
    const lostHere = () => this.backends.lostReason(backend) !== null;
    let outcome: FineTuneOutcome;
    try {
      outcome = await fineTune({
        teacher: m.pipeline.teacher,
        base: { id: m.info.id, student: m.pipeline.student, meta: m.info.meta },
        images,
        options,
        backend,
        onProgress: (p) => this.emit(p),
        shouldStop: () => token.cancel || lostHere(),
      });
    } catch (e) {
      if (!lostHere() && !isDeviceLost(e)) throw classifyError(e, 'backend');
      outcome = { status: 'cancelled', message: messageOf(e), warnings: [], epochLosses: [], elapsedMs: 0 };
    }
    if (lostHere() || (outcome.status === 'cancelled' && !token.cancel)) {
      if (outcome.status === 'done') {
        outcome.student.dispose();
        outcome.evidence?.dispose();
      }
      const reason = this.backends.lostReason(backend) ?? (outcome.status === 'done' ? 'the GPU device was lost' : outcome.message);
      if (!lostHere()) this.backends.markLost(reason, backend);
      await this.backends.recoverIfLost();
      throw new InferenceError('backend', `${reason}: training stopped; the model loaded before training is kept (now on ${this.backends.backend ?? 'no backend'}) — start training again`);
    }
    if (outcome.status !== 'done') return outcome;

    const { student, evidence, meta, calibration: c } = outcome;
    let artifacts: tf.io.ModelArtifacts;
    try {
      artifacts = await studentToArtifacts(student, evidence ? await evidence.bankEntry() : undefined);
    } catch (e) {
      student.dispose();
      evidence?.dispose();
      throw classifyError(e, 'backend');
    }
    const pipeline = ReverseDistillationPipeline.fromMeta(m.pipeline.teacher, student, meta);
    const name = options.saveAs !== undefined ? checkModelName(options.saveAs) : meta.dataset.name;
    const id = `trained-${Date.now().toString(36)}`;
    const source: MemorySource = { kind: 'memory', artifacts, meta, origin: 'memory', name };
    const info: LoadedModelInfo = { id, meta, teacher: `${meta.teacher.id}/${meta.teacher.tapSet}`, inputSize: meta.inputSize, loadMs: 0, origin: 'memory', name };
    // Swap in: same teacher, the old student goes.
    this.active.replaceStudent({ request: { modelId: id, source, teacherRoot: m.request.teacherRoot }, info, pipeline, evidence, teacherKey: m.teacherKey });

    let saved: LibraryModelInfo | null = null;
    let saveError: WorkerError | undefined;
    if (options.saveAs !== undefined) {
      try {
        saved = await this.library.saveActive(name);
      } catch (e) {
        saveError = toWorkerError(e);
      }
    }
    return {
      status: 'done',
      model: { ...this.active.current!.info },
      calibration: { heldOut: c.heldOut, training: c.training, threshold: c.threshold, rule: c.rule, optimistic: c.optimistic },
      warnings: outcome.warnings,
      epochLosses: outcome.epochLosses,
      elapsedMs: outcome.elapsedMs,
      saved,
      ...(saveError ? { saveError } : {}),
    };
  }
}

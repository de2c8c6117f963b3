/**
 * Frozen pretrained teacher for reverse distillation: a converted CNN (see cli/convert-teacher.ts) that
 * maps an NHWC image batch in [0,1] to three feature maps (shallow → deep, nominal strides 4/8/16).
 * tfjs only; runs unchanged in Node (wasm), a Web Worker or the main thread.
 */
import * as tf from '@tensorflow/tfjs';
import { TEACHER_FORMAT_VERSION, tapShapesFor, type TapMeta, type TeacherMeta } from './teacher-specs';

export type { TeacherMeta, TapMeta } from './teacher-specs';

type Runner = (x: tf.Tensor4D) => tf.Tensor[];

export class Teacher {
  readonly meta: TeacherMeta;
  readonly tapSet: string;
  readonly taps: readonly TapMeta[];
  private readonly run: Runner;
  private readonly model: tf.LayersModel | tf.GraphModel;
  private disposed = false;

  private constructor(meta: TeacherMeta, tapSet: string, model: tf.LayersModel | tf.GraphModel, run: Runner) {
    this.meta = meta;
    this.tapSet = tapSet;
    this.taps = meta.tapSets[tapSet];
    this.model = model;
    this.run = run;
  }

  /**
   * @param handlerOrUrl URL of model.json (browser) or an IOHandler (e.g. cli/lib/file-io fileSystemHandler).
   * @param tapSet one of meta.tapSets' keys; default meta.defaultTapSet.
   */
  static async load(handlerOrUrl: string | tf.io.IOHandler, meta: TeacherMeta, tapSet: string = meta.defaultTapSet): Promise<Teacher> {
    if (meta.formatVersion !== TEACHER_FORMAT_VERSION) throw new Error(`Teacher: unsupported meta formatVersion ${String(meta.formatVersion)}`);
    const taps = meta.tapSets[tapSet];
    if (!taps || taps.length === 0) {
      throw new Error(`Teacher ${meta.id}: unknown tap set "${tapSet}" (have ${Object.keys(meta.tapSets).join(', ')})`);
    }
    const names = taps.map((t) => t.name);

    if (meta.format === 'layers') {
      const model = await tf.loadLayersModel(handlerOrUrl);
      model.trainable = false; // never let an optimizer pick up teacher weights
      // Select the taps by their symbolic tensor names; execute() runs only the needed sub-graph and
      // does not check the input's spatial size.
      const outNames = names.map((n) => {
        const out = model.getLayer(n).output;
        if (Array.isArray(out)) throw new Error(`Teacher ${meta.id}: layer ${n} has multiple outputs`);
        return out.name;
      });
      // tidy(): LayersModel.execute leaves some intermediates alive; only the taps survive.
      return new Teacher(meta, tapSet, model, (x) =>
        tf.tidy(() => {
          const r = model.execute(x, outNames);
          return Array.isArray(r) ? r : [r];
        }),
      );
    }

    // Graph model: execute() prunes to the requested nodes (and throws on unknown node names).
    const model = await tf.loadGraphModel(handlerOrUrl);
    return new Teacher(meta, tapSet, model, (x) =>
      tf.tidy(() => {
        const r = model.execute(x, names);
        return Array.isArray(r) ? r : [r];
      }),
    );
  }

  /**
   * Three tap feature maps, shallow → deep. x: [N,H,W,3] float in [0,1]. The caller owns the returned
   * tensors; intermediates are released. Meant for inference: the weights are non-trainable constants.
   */
  features(x: tf.Tensor4D): tf.Tensor4D[] {
    if (this.disposed) throw new Error('Teacher: used after dispose()');
    if (x.rank !== 4 || x.shape[3] !== 3) throw new Error(`Teacher.features: expected [N,H,W,3], got [${x.shape.join(',')}]`);
    const input = x.dtype === 'float32' ? x : tf.cast(x, 'float32');
    try {
      return this.run(input) as tf.Tensor4D[];
    } finally {
      if (input !== x) input.dispose();
    }
  }

  /** [h, w, c] of each tap for a size×size input (or size×width). */
  tapShapes(size: number, width: number = size): [number, number, number][] {
    return tapShapesFor(this.taps, size, width);
  }

  /** Channel counts of the taps, shallow → deep. */
  get channels(): number[] {
    return this.taps.map((t) => t.channels);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
  }
}

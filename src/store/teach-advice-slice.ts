/**
 * What the Teach panel says before a run: how long it will take (one training step timed on the worker's
 * backend for the loaded model, times the run's steps) and whether the added photos are the loaded
 * model's product at all — scored with it, most of them outside its normal range (outsideNormalRange)
 * means a new product, and the panel proposes fresh weights at the fresh learning rate.
 * Both are refreshed on demand and keyed on what they depend on, so a repeat call costs nothing.
 */
import { isNewProduct, outsideNormalRange } from '../metrics/normal-calibration';
import type { StepTiming } from '../worker/protocol';
import { describeFailure } from './failures';
import type { SliceCreator } from './runtime';
import type { InspectorState } from './state';
import { runBatchSize } from './train-presets';
import { PRESET_LEARNING_RATE } from './train-setup-slice';
import type { TrainImageItem } from './types';
import { modelView } from './viewer-slice';

/** The added photos scored with the loaded model. */
export interface ProductCheck {
  /** Model and photos it was made for. */
  key: string;
  status: 'checking' | 'done' | 'failed';
  /** Photos outside the model's normal range, of `total` scored. */
  outside: number;
  total: number;
  /** Most photos lie outside: propose training a new product from fresh weights. */
  newProduct: boolean;
}

export interface TeachAdviceSlice {
  /** One training step timed for the active model on the worker's backend (null before / when it failed). */
  stepTiming: StepTiming | null;
  stepTimingKey: string | null;
  productCheck: ProductCheck | null;
  /** Scores the ready photos with the loaded model and times a step, when either is out of date. */
  refreshTeachAdvice(): Promise<void>;
  /** Takes the proposal: fresh weights at the fresh learning rate. */
  acceptNewProduct(): void;
  /**
   * A run just trained on `images` photos with steps of `stepMs` on the active backend: that is the timing
   * for the next estimate too (no probe right after a run, when the worker's time is the user's).
   */
  recordRunStep(stepMs: number, images: number): void;
}

function readyImages(s: Pick<InspectorState, 'trainImages'>): TrainImageItem[] {
  return s.trainImages.filter((i) => i.status === 'ready' && i.image);
}

/**
 * What a step's cost depends on: the student's size, the teacher's taps, the input size, the backend and the
 * batch — not which weights (a model trained here has the same step as its base: no second timing).
 */
function timingKey(s: InspectorState, images: number): string | null {
  if (s.activeModelId === null || !s.backend || !s.meta) return null;
  const { student, teacher, inputSize } = s.meta;
  return `${JSON.stringify(student)}|${teacher.id}/${teacher.tapSet}|${inputSize}|${s.backend.backend}|${runBatchSize(images)}`;
}

/**
 * Time a run will take, ms: the timed step × steps (scaled to the run's batch), plus teacher features of
 * every photo and scoring them for the threshold (about one feature pass each). Null until a step is timed.
 */
export function selectTrainEstimateMs(s: InspectorState): number | null {
  const n = readyImages(s).length;
  const t = s.stepTiming;
  if (n === 0 || !t || s.stepTimingKey !== timingKey(s, n)) return null;
  const perStep = (t.stepMs * runBatchSize(n)) / Math.max(t.batchSize, runBatchSize(n));
  return s.trainSettings.steps * perStep + 2 * n * t.featureMs;
}

export const createTeachAdviceSlice: SliceCreator<TeachAdviceSlice> = (set, get, rt) => {
  // One refresh at a time; a call during one runs after it (the inputs may have changed meanwhile).
  let chain: Promise<void> = Promise.resolve();
  // Map medians by model and photo: photos added one by one are scored once each, not once per addition.
  const medians = new Map<string, number>();

  const checkProduct = async () => {
    const s = get();
    const images = readyImages(s);
    const threshold = s.meta?.calibration?.threshold;
    if (s.modelStatus !== 'ready' || s.activeModelId === null || images.length === 0 || threshold === undefined) {
      if (s.productCheck) set({ productCheck: null });
      return;
    }
    const key = `${s.activeModelId}|${images.map((i) => i.id).join(',')}`;
    if (s.productCheck?.key === key) return;
    set({ productCheck: { key, status: 'checking', outside: 0, total: images.length, newProduct: false } });
    const { meta } = s;
    const found: number[] = [];
    try {
      for (const item of images) {
        const cacheKey = `${s.activeModelId}|${item.id}`;
        let median = medians.get(cacheKey);
        if (median === undefined) {
          const p = item.image!.pixels;
          const res = await rt.services.client.infer({ width: p.width, height: p.height, rgba: new Uint8ClampedArray(p.rgba) }, [modelView(meta)]);
          median = res.smoothed[0].median;
          medians.set(cacheKey, median);
        }
        found.push(median);
        if (get().productCheck?.key !== key) return; // the photos or the model changed meanwhile
      }
    } catch (e) {
      set({ productCheck: { key, status: 'failed', outside: 0, total: images.length, newProduct: false } });
      rt.errors.push(`The photos could not be checked against the model: ${describeFailure(e).message}`);
      return;
    }
    const outside = found.filter((m) => outsideNormalRange(m, threshold)).length;
    set({ productCheck: { key, status: 'done', outside, total: found.length, newProduct: isNewProduct(found, threshold) } });
  };

  const timeStep = async () => {
    const s = get();
    const n = readyImages(s).length;
    const key = timingKey(s, n);
    // Never queued behind a run (a run started since the refresh began): its own steps time it.
    if (s.modelStatus !== 'ready' || n === 0 || key === null || s.stepTimingKey === key || s.trainStatus === 'running') return;
    try {
      const timing = await rt.services.client.measureTrainStep(runBatchSize(n));
      set({ stepTiming: timing, stepTimingKey: key });
    } catch {
      // Only an estimate: the panel shows none (a real failure shows up when training starts).
      set({ stepTiming: null, stepTimingKey: null });
    }
  };

  return {
    stepTiming: null,
    stepTimingKey: null,
    productCheck: null,

    refreshTeachAdvice: () => {
      if (get().trainStatus === 'running') return Promise.resolve();
      const run = async (): Promise<void> => {
        await checkProduct();
        await timeStep();
      };
      chain = chain.then(run, run);
      return rt.track(chain);
    },

    acceptNewProduct: () => get().setTrainSettings({ start: 'fresh', learningRate: PRESET_LEARNING_RATE.fresh }),

    recordRunStep: (stepMs, images) => {
      const s = get();
      const key = timingKey(s, images);
      if (!Number.isFinite(stepMs) || key === null || !s.backend) return;
      set({ stepTiming: { backend: s.backend.backend, batchSize: runBatchSize(images), stepMs, featureMs: s.stepTiming?.featureMs ?? 0 }, stepTimingKey: key });
    },
  };
};

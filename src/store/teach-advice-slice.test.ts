import { describe, expect, it } from 'vitest';
import { isNotYourProduct, selectSelectedItem } from './selectors';
import { selectTrainEstimateMs } from './teach-advice-slice';
import { addAndWait, file, setup, started } from './test-support';
import { PRESET_LEARNING_RATE, TRAIN_PRESETS } from './train-setup-slice';

describe('inspector store: advice before a run', () => {
  it('photos of another product are scored with the loaded model and a new product is proposed; accepting it trains fresh', async () => {
    const h = setup();
    await started(h);
    const st = () => h.store.getState();
    // Level 100 raises the whole map by 1.0: its median is far above the fabric model's threshold (0.45).
    await st().addTrainFiles(Array.from({ length: 4 }, (_, i) => file(`wood_${i}.png`, `10,2,2,100`)));
    await st().whenIdle();
    await st().refreshTeachAdvice();
    expect(st().productCheck).toMatchObject({ status: 'done', outside: 4, total: 4, newProduct: true });
    expect(st().trainSettings.start).toBe('current');
    st().acceptNewProduct();
    expect(st().trainSettings).toMatchObject({ start: 'fresh', learningRate: PRESET_LEARNING_RATE.fresh });
    await st().startTraining();
    expect(h.client.trainCalls.at(-1)?.options).toMatchObject({ start: 'fresh', learningRate: PRESET_LEARNING_RATE.fresh, steps: TRAIN_PRESETS.standard.steps });
  });

  it('photos of the model\'s own product propose nothing; a repeat refresh does not score them again', async () => {
    const h = setup();
    await started(h);
    const st = () => h.store.getState();
    await st().addTrainFiles([file('a.png', '40,2,2'), file('b.png', '60,3,3'), file('c.png', '20,1,1,100')]);
    await st().whenIdle();
    await st().refreshTeachAdvice();
    expect(st().productCheck).toMatchObject({ status: 'done', outside: 1, total: 3, newProduct: false });
    const calls = h.client.inferCount;
    await st().refreshTeachAdvice();
    expect(h.client.inferCount).toBe(calls);
    // One more photo: only it is scored.
    await st().addTrainFiles([file('d.png', '30,2,2')]);
    await st().whenIdle();
    await st().refreshTeachAdvice();
    expect(h.client.inferCount).toBe(calls + 1);
    expect(st().productCheck).toMatchObject({ status: 'done', outside: 1, total: 4, newProduct: false });
  });

  it('times one step at the run\'s batch size and estimates the run from it', async () => {
    const h = setup();
    await started(h);
    const st = () => h.store.getState();
    expect(selectTrainEstimateMs(st())).toBeNull();
    await st().addTrainFiles(Array.from({ length: 6 }, (_, i) => file(`n_${i}.png`, `${10 + i},2,2`)));
    await st().whenIdle();
    await st().refreshTeachAdvice();
    // 6 photos: 2 held out, 4 trained on → batch 4; the fake times 1000 ms a step and 50 ms of features an image.
    expect(h.client.stepTimings).toEqual([4]);
    expect(selectTrainEstimateMs(st())).toBe(TRAIN_PRESETS.standard.steps * 1000 + 2 * 6 * 50);
    st().setTrainSettings({ steps: 10 });
    expect(selectTrainEstimateMs(st())).toBe(10 * 1000 + 2 * 6 * 50);
    await st().refreshTeachAdvice();
    expect(h.client.stepTimings).toEqual([4]);
    // After a run, its own step time (the fake's 500 ms) is the timing; the model just trained has the same
    // size, so nothing is timed again.
    await st().startTraining();
    await st().whenIdle();
    expect(st().activeModelId).not.toBe('fabric');
    await st().refreshTeachAdvice();
    expect(h.client.stepTimings).toEqual([4]);
    expect(selectTrainEstimateMs(st())).toBe(10 * 500 + 2 * 6 * 50);
  });
});

describe('inspector store: not your product', () => {
  it('an inspected image whose map lies far above the calibrated range is flagged; a defect is not', async () => {
    const h = setup();
    await started(h);
    const st = () => h.store.getState();
    // A local defect: its score is well above the threshold (0.67 vs 0.45), the median of its map is not.
    await addAndWait(h, file('hole.png', '60,8,8'));
    expect(st().items[0].score!).toBeGreaterThan(1.4 * st().threshold);
    expect(isNotYourProduct(selectSelectedItem(st()), st())).toBe(false);
    await addAndWait(h, file('wood.png', '10,2,2,100'));
    st().select(st().items[1].id);
    expect(isNotYourProduct(selectSelectedItem(st()), st())).toBe(true);
    // Maps of another model do not count.
    expect(isNotYourProduct(st().items[1], { ...st(), activeModelId: 'wood' })).toBe(false);
  });
});

describe('inspector store: cancel', () => {
  it('returns the panel to idle at once; the run the worker drops later changes nothing, and a new run can start', async () => {
    const h = setup();
    await started(h);
    const st = () => h.store.getState();
    await st().addTrainFiles(Array.from({ length: 3 }, (_, i) => file(`n_${i}.png`, `${10 + i},2,2`)));
    await st().whenIdle();
    h.client.trainGate.closed = true;
    const running = st().startTraining();
    await expect.poll(() => st().lossHistory.steps.length).toBe(1);
    expect(st().trainStartedAt).not.toBeNull();
    const cancelled = st().cancelTraining();
    // Before the worker has answered anything:
    expect(st().trainStatus).toBe('cancelled');
    expect(st().trainOutcome?.message).toMatch(/cancelled/);
    await cancelled;
    expect(st().trainStatus).toBe('cancelled');
    h.client.trainGate.open();
    await running;
    expect(st().trainStatus).toBe('cancelled');
    expect(st().trainCancelling).toBe(false);
    expect(st().activeModelId).toBe('fabric');
    st().setTrainSettings({ steps: 2 });
    await st().startTraining();
    await st().whenIdle();
    expect(st().trainStatus).toBe('done');
    expect(st().lossHistory.steps).toEqual([1, 2]);
  });
});

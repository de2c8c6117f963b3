import { describe, expect, it } from 'vitest';
import type { TrainProgress } from '../worker/protocol';
import { addAndWait, file, pickerIds, setup, started, withTrainImages } from './test-support';
import { appendLoss, EMPTY_LOSS_HISTORY, fineTunedTitle, selectTrainBlocker, trainFraction } from './training-slice';
import type { StoreServices } from './services';
import { runBatchSize, TRAINING_DEFAULTS } from './train-presets';
import { DEFAULT_TRAIN_SETTINGS, selectAugmentation } from './train-setup-slice';

describe('inspector store: fine-tuning', () => {
  it('refuses to start without images or with bad settings, and says why', async () => {
    const h = setup();
    await started(h);
    const st = () => h.store.getState();
    await st().startTraining();
    expect(st().trainStatus).toBe('failed');
    expect(st().trainOutcome?.message).toMatch(/at least one normal image/);
    await withTrainImages(h, 2);
    st().setTrainSettings({ learningRate: 1e30 });
    await st().startTraining();
    expect(st().trainOutcome?.message).toMatch(/learning rate/);
    st().setTrainSettings({ learningRate: 0.005, steps: 2.5 });
    await st().startTraining();
    expect(st().trainOutcome?.message).toMatch(/Steps must be a whole number/);
    expect(h.client.trainCalls).toEqual([]);
  });

  it("augmentation 'auto' follows the photos' placement spread (aligned: off, moving: on); on / off override it", async () => {
    // 16×16 photos with a bright 4×4 part: at one place (brightness varies) or at a place given by the name.
    const decode: StoreServices['decode'] = async (blob, name) => {
      const [x, y, level] = (await blob.text()).split(',').map(Number);
      const rgba = new Uint8ClampedArray(16 * 16 * 4);
      for (let i = 0; i < 256; i++) {
        const inside = i % 16 >= x && i % 16 < x + 4 && Math.floor(i / 16) >= y && Math.floor(i / 16) < y + 4;
        rgba.set([inside ? level : 20, inside ? level : 20, inside ? level : 20, 255], i * 4);
      }
      return { name, width: 16, height: 16, originalWidth: 16, originalHeight: 16, pixels: { width: 16, height: 16, rgba }, thumbnail: name };
    };
    const h = setup({ services: { decode } });
    await started(h);
    const st = () => h.store.getState();
    expect(st().trainSettings.augment).toBe(TRAINING_DEFAULTS.augment);
    expect(TRAINING_DEFAULTS.augment).toBe('auto');
    await st().addTrainFiles([file('a.png', '6,6,200')]);
    await st().whenIdle();
    expect(selectAugmentation(st())).toEqual({ augment: false, spread: null, by: 'too-few' });
    await st().addTrainFiles([file('b.png', '6,6,180'), file('c.png', '6,6,220')]);
    await st().whenIdle();
    const aligned = selectAugmentation(st());
    expect(aligned).toMatchObject({ augment: false, by: 'spread' });
    expect(aligned.spread!).toBeLessThan(TRAINING_DEFAULTS.augmentSpreadCut);
    expect(selectAugmentation(st())).toBe(aligned); // one object per photo list: a stable selector result
    st().setTrainSettings({ steps: 1 });
    await st().startTraining();
    expect(h.client.trainCalls.at(-1)?.options.augment).toBe(false);

    await st().addTrainFiles([file('d.png', '0,11,200'), file('e.png', '12,0,200'), file('f.png', '1,1,200')]);
    await st().whenIdle();
    const moving = selectAugmentation(st());
    expect(moving).toMatchObject({ augment: true, by: 'spread' });
    expect(moving.spread!).toBeGreaterThan(TRAINING_DEFAULTS.augmentSpreadCut);
    await st().startTraining();
    expect(h.client.trainCalls.at(-1)?.options.augment).toBe(true);

    st().setTrainSettings({ augment: 'off' });
    expect(selectAugmentation(st())).toEqual({ augment: false, spread: moving.spread, by: 'choice' });
    await st().startTraining();
    expect(h.client.trainCalls.at(-1)?.options.augment).toBe(false);
  });

  it('progress fills the loss history; done switches the active model and threshold and re-scores the listed images', async () => {
    const h = setup();
    await started(h);
    await addAndWait(h, file('a.png', '100,8,8'), file('b.png', '50,2,2'));
    const before = h.store.getState().items.map((i) => i.score!);
    const calls = h.client.inferCount;
    await withTrainImages(h, 6);

    h.client.trainGate.closed = true;
    h.store.getState().setTrainSettings({ steps: 6, start: 'fresh', augment: 'on' });
    const running = h.store.getState().startTraining();
    await expect.poll(() => h.store.getState().lossHistory.steps.length).toBe(1);
    let s = h.store.getState();
    expect(s.trainStatus).toBe('running');
    expect(s.trainProgress).toMatchObject({ phase: 'training', epoch: 1, step: 1 });
    expect(s.lossHistory).toMatchObject({ steps: [1], losses: [1 / 3], epochMeans: [], stepsPerEpoch: 2 });
    expect(h.client.trainCalls[0]).toEqual({ images: 6, options: { start: 'fresh', steps: 6, learningRate: 0.005, batchSize: 4, augment: true, profile: 'fast', mapSigma: 8 } });
    // The batch: TRAINING_DEFAULTS.batchSize (4), or the photos trained on when fewer (none held out below 5).
    expect([1, 3, 4, 5, 6, 30].map(runBatchSize)).toEqual([1, 3, 4, 4, 4, 4]);
    // A new product's map σ is TRAINING_DEFAULTS.freshMapSigma (8), not the loaded model's.
    expect(TRAINING_DEFAULTS.freshMapSigma).toBe(8);
    // The model picker is locked while training runs.
    await s.selectModel('wood');
    expect(h.store.getState().activeModelId).toBe('fabric');
    expect(h.store.getState().errors.at(-1)?.message).toMatch(/training run is going on/);
    h.client.trainGate.open();
    await running;
    await h.store.getState().whenIdle();

    s = h.store.getState();
    expect(s.trainStatus).toBe('done');
    expect(s.lossHistory.steps).toEqual([1, 2, 3, 4, 5, 6]);
    expect(s.lossHistory.epochMeans).toHaveLength(3);
    expect(s.lossHistory.epochMeans[2]).toBeLessThan(s.lossHistory.epochMeans[0]);
    expect(s.trainProgress?.phase).toBe('calibrating');
    expect(s.trainOutcome).toMatchObject({ status: 'done', saved: null, calibration: { heldOut: [0.2, 0.25], optimistic: false } });
    // The trained model is active with its calibrated threshold and map defaults…
    expect(s.activeModelId).toBe('trained-1');
    expect(s.modelStatus).toBe('ready');
    expect(s.threshold).toBe(0.3);
    expect(s.thresholdSource).toBe('calibration');
    expect(s.sigma).toBe(3);
    expect(pickerIds(h)).toEqual(['fabric:shipped', 'wood:shipped', 'trained-1:user:unsaved']);
    // …named after its base model and inheriting its gallery…
    expect(s.models.find((m) => m.id === 'trained-1')).toMatchObject({ title: 'Woven fabric · fine-tuned', path: 'models/students/fabric' });
    // …and the listed images were run again with it.
    expect(h.client.inferCount).toBe(calls + 2);
    expect(s.items.every((i) => i.status === 'done' && i.modelId === 'trained-1')).toBe(true);
    s.items.forEach((i, k) => expect(i.score).not.toBeCloseTo(before[k], 3));
    expect(s.errors.filter((e) => /training/.test(e.message))).toEqual([]);

    expect(s.trainOutcome?.message).toMatch(/not saved yet/);
    // Saving afterwards: the same model gets the library id, nothing is re-run.
    const info = await s.saveActiveModel('  Line 2  ');
    s = h.store.getState();
    expect(info?.name).toBe('Line 2');
    // The Teach tab's outcome line follows the save.
    expect(s.trainOutcome?.message).toBe('Trained and saved as "Line 2".');
    expect(s.activeModelId).toBe(info!.id);
    expect(s.modelInfo).toMatchObject({ id: info!.id, origin: 'library', name: 'Line 2' });
    expect(pickerIds(h)).toEqual(['fabric:shipped', 'wood:shipped', `${info!.id}:user`]);
    expect(s.items.every((i) => i.modelId === info!.id)).toBe(true);
    expect(h.client.inferCount).toBe(calls + 2);
    expect(s.library.map((m) => m.name)).toEqual(['Line 2']);
    expect(s.libraryNotice).toMatch(/Saved "Line 2"/);
    expect(h.persistCalls).toBe(1);
  });

  it('cancel keeps the previous model, its threshold and the listed scores', async () => {
    const h = setup();
    await started(h);
    await addAndWait(h, file('a.png', '100,8,8'));
    const score = h.store.getState().items[0].score;
    const calls = h.client.inferCount;
    await withTrainImages(h, 3);
    h.store.getState().setThreshold(0.77);
    h.client.trainGate.closed = true;
    const running = h.store.getState().startTraining();
    await expect.poll(() => h.store.getState().lossHistory.steps.length).toBe(1);
    await h.store.getState().cancelTraining();
    expect(h.store.getState().trainCancelling).toBe(true);
    h.client.trainGate.open();
    await running;
    const s = h.store.getState();
    expect(s.trainStatus).toBe('cancelled');
    expect(s.trainCancelling).toBe(false);
    expect(s.trainOutcome?.message).toBe('Training cancelled; the model loaded before training is kept.');
    expect(s.activeModelId).toBe('fabric');
    expect(s.threshold).toBe(0.77);
    expect(s.items[0].score).toBe(score);
    expect(h.client.inferCount).toBe(calls);
    expect(pickerIds(h)).toEqual(['fabric:shipped', 'wood:shipped']);
    // The images stay for another try.
    expect(s.trainImages).toHaveLength(3);
  });

  it('a diverged or failed run shows its message and leaves the previous model active', async () => {
    const h = setup();
    await started(h);
    await withTrainImages(h, 1);
    h.client.trainFailure = 'diverge';
    await h.store.getState().startTraining();
    let s = h.store.getState();
    expect(s.trainStatus).toBe('diverged');
    expect(s.trainOutcome?.message).toMatch(/^Training diverged at epoch 2 step 1 .*try a lower learning rate\.$/);
    expect(s.trainOutcome?.warnings[0]).toMatch(/^1 image/);
    expect(s.activeModelId).toBe('fabric');

    h.client.trainFailure = Object.assign(new Error('GPU allocation failed'), { kind: 'out-of-memory' });
    await h.store.getState().startTraining();
    s = h.store.getState();
    expect(s.trainStatus).toBe('failed');
    expect(s.trainOutcome?.message).toMatch(/ran out of memory: GPU allocation failed.*previous model is still active/);
    expect(s.errors.at(-1)?.message).toBe(s.trainOutcome?.message);
    expect(s.activeModelId).toBe('fabric');
    expect(s.modelStatus).toBe('ready');
  });

  it('saves right away under the name entered before training; a full storage is reported and the model stays active', async () => {
    const h = setup();
    await started(h);
    await withTrainImages(h, 5);
    h.store.getState().setTrainSettings({ name: 'Fabric line 2' });
    await h.store.getState().startTraining();
    await h.store.getState().whenIdle();
    let s = h.store.getState();
    expect(h.client.trainCalls[0].options.saveAs).toBe('Fabric line 2');
    expect(s.trainOutcome?.saved?.name).toBe('Fabric line 2');
    expect(s.activeModelId).toBe('lib1');
    expect(pickerIds(h)).toEqual(['fabric:shipped', 'wood:shipped', 'lib1:user']);
    expect(s.models.find((m) => m.id === 'lib1')).toMatchObject({ title: 'Fabric line 2', source: { kind: 'indexeddb', id: 'lib1' } });
    expect(h.persistCalls).toBe(1);

    h.client.storageFull = true;
    h.store.getState().setTrainSettings({ name: 'Second' });
    await h.store.getState().startTraining();
    await h.store.getState().whenIdle();
    s = h.store.getState();
    expect(s.trainStatus).toBe('done');
    expect(s.trainOutcome?.saveError).toMatch(/"Second" could not be saved \(browser storage\): not enough browser storage/);
    expect(s.errors.at(-1)?.message).toBe(s.trainOutcome?.saveError);
    expect(s.activeModelId).toBe('trained-2');
    expect(pickerIds(h)).toEqual(['fabric:shipped', 'wood:shipped', 'trained-2:user:unsaved', 'lib1:user']);
    // Saving again once there is room.
    h.client.storageFull = false;
    expect((await s.saveActiveModel('Second'))?.id).toBe('lib2');
    expect(pickerIds(h)).toEqual(['fabric:shipped', 'wood:shipped', 'lib2:user', 'lib1:user']);
    expect(h.persistCalls).toBe(1);
  });

  it('an unsaved model goes from the picker when another model is chosen', async () => {
    const h = setup();
    await started(h);
    await withTrainImages(h, 2);
    await h.store.getState().startTraining();
    await h.store.getState().whenIdle();
    expect(pickerIds(h)).toContain('trained-1:user:unsaved');
    await h.store.getState().selectModel('wood');
    await h.store.getState().whenIdle();
    expect(pickerIds(h)).toEqual(['fabric:shipped', 'wood:shipped']);
    expect(h.store.getState().activeModelId).toBe('wood');
  });
});

describe('training helpers', () => {
  const p = (over: Partial<TrainProgress>): TrainProgress => ({
    type: 'train-progress', phase: 'training', epoch: 1, epochs: 2, totalSteps: 6, step: 1, stepsPerEpoch: 3, loss: 0.5, epochLosses: [], elapsedMs: 0, etaMs: Number.NaN, stepMs: Number.NaN, ...over,
  });

  it('builds the loss curve from progress events (global steps, epoch means, repeats ignored)', () => {
    let h = appendLoss(EMPTY_LOSS_HISTORY, p({ phase: 'features', step: 4, loss: Number.NaN }));
    expect(h).toBe(EMPTY_LOSS_HISTORY);
    h = appendLoss(h, p({ step: 1, loss: 0.9 }));
    h = appendLoss(h, p({ step: 2, loss: 0.8 }));
    h = appendLoss(h, p({ step: 3, loss: 0.7, epochLosses: [0.8] }));
    expect(appendLoss(h, p({ step: 3, loss: 0.7, epochLosses: [0.8] }))).toBe(h);
    h = appendLoss(h, p({ epoch: 2, step: 1, loss: 0.6, epochLosses: [0.8] }));
    expect(h).toEqual({ steps: [1, 2, 3, 4], losses: [0.9, 0.8, 0.7, 0.6], epochMeans: [0.8], stepsPerEpoch: 3 });
  });

  it('a model fine-tuned again carries one " · fine-tuned"', () => {
    expect(fineTunedTitle('Woven fabric')).toBe('Woven fabric · fine-tuned');
    expect(fineTunedTitle('Woven fabric · fine-tuned')).toBe('Woven fabric · fine-tuned');
    expect(fineTunedTitle('Woven fabric · fine-tuned · fine-tuned')).toBe('Woven fabric · fine-tuned');
    expect(fineTunedTitle(undefined)).toBe('model · fine-tuned');
  });

  it('says what is missing before a run can start', () => {
    const ready = { id: 't1', name: 'a.png', image: { name: 'a.png' } as never, gray: null, status: 'ready' as const, error: null };
    const trainSettings = DEFAULT_TRAIN_SETTINGS;
    expect(selectTrainBlocker({ modelStatus: 'loading', activeModelId: 'fabric', trainImages: [ready], trainSettings })).toMatch(/Load a model first/);
    expect(selectTrainBlocker({ modelStatus: 'ready', activeModelId: 'fabric', trainImages: [], trainSettings })).toMatch(/Add at least one normal image/);
    expect(selectTrainBlocker({ modelStatus: 'ready', activeModelId: 'fabric', trainImages: [{ ...ready, image: null, status: 'decoding' }], trainSettings })).toMatch(/still being read/);
    expect(selectTrainBlocker({ modelStatus: 'ready', activeModelId: 'fabric', trainImages: [ready], trainSettings })).toBeNull();
    // the accurate profile holds every 5th photo out for its divisors
    const accurate = { ...trainSettings, profile: 'accurate' as const };
    const four = Array.from({ length: 4 }, (_, i) => ({ ...ready, id: `t${i}` }));
    expect(selectTrainBlocker({ modelStatus: 'ready', activeModelId: 'fabric', trainImages: four, trainSettings: accurate })).toMatch(/accurate profile needs at least 5 normal images.*4 added/);
    expect(selectTrainBlocker({ modelStatus: 'ready', activeModelId: 'fabric', trainImages: [...four, { ...ready, id: 't9' }], trainSettings: accurate })).toBeNull();
  });

  it('progress fraction over the three phases', () => {
    expect(trainFraction(null)).toBe(0);
    expect(trainFraction(p({ phase: 'features', step: 5, stepsPerEpoch: 10 }))).toBeCloseTo(0.05);
    expect(trainFraction(p({ epoch: 2, step: 3 }))).toBeCloseTo(0.9);
    expect(trainFraction(p({ epoch: 1, step: 3 }))).toBeCloseTo(0.5);
    expect(trainFraction(p({ phase: 'calibrating', step: 10, stepsPerEpoch: 10 }))).toBeCloseTo(1);
  });
});

import { describe, expect, it } from 'vitest';
import { file, setup, started } from './test-support';
import { checkTrainSettings, DEFAULT_TRAIN_SETTINGS, PRESET_LEARNING_RATE, presetOf, TRAIN_PRESETS } from './train-setup-slice';

describe('inspector store: fine-tuning setup', () => {
  it('adds, removes and clears training images; presets and custom settings', async () => {
    const h = setup();
    await started(h);
    await h.store.getState().addTrainFiles([file('a.png', '10,1,1'), file('broken.png', 'bad:truncated'), file('b.png', '12,1,1')]);
    await h.store.getState().whenIdle();
    const st = () => h.store.getState();
    expect(st().trainImages.map((i) => [i.name, i.status])).toEqual([
      ['a.png', 'ready'],
      ['broken.png', 'error'],
      ['b.png', 'ready'],
    ]);
    expect(st().trainImages[0].image?.thumbnail).toBe('thumb:a.png');
    expect(st().errors.map((e) => e.message)).toEqual(['broken.png is not an image (truncated)']);
    st().removeTrainImage(st().trainImages[0].id);
    expect(st().trainImages.map((i) => i.name)).toEqual(['broken.png', 'b.png']);
    expect(h.released).toEqual(['a.png']);
    st().clearTrainImages();
    expect(st().trainImages).toEqual([]);
    expect(h.released).toEqual(['a.png', 'b.png']);

    // A photo removed while it is still being decoded is released once decoded, and never listed.
    const adding = st().addTrainFiles([file('c.png', '14,1,1'), file('d.png', '16,1,1')]);
    st().removeTrainImage(st().trainImages[1].id);
    await adding;
    expect(st().trainImages.map((i) => [i.name, i.status])).toEqual([['c.png', 'ready']]);
    expect(st().trainImages[0].gray).toHaveLength(32 * 32);
    expect(h.released).toEqual(['a.png', 'b.png', 'd.png']);
    st().clearTrainImages();

    expect(st().trainSettings).toMatchObject({ start: 'current', steps: TRAIN_PRESETS.standard.steps, learningRate: 0.001, augment: 'auto', name: '' });
    expect(presetOf(st().trainSettings)).toBe('standard');
    st().applyTrainPreset('thorough');
    expect(st().trainSettings.steps).toBe(TRAIN_PRESETS.thorough.steps);
    expect(presetOf(st().trainSettings)).toBe('thorough');
    // Fresh weights take the CLI's learning rate; back to the current model, its smaller one.
    st().setTrainSettings({ start: 'fresh' });
    expect(st().trainSettings.learningRate).toBe(PRESET_LEARNING_RATE.fresh);
    expect(presetOf(st().trainSettings)).toBe('thorough');
    st().setTrainSettings({ start: 'current' });
    expect(st().trainSettings.learningRate).toBe(PRESET_LEARNING_RATE.current);
    // A typed learning rate is kept across start points.
    st().setTrainSettings({ learningRate: 0.002 });
    expect(presetOf(st().trainSettings)).toBe('custom');
    st().setTrainSettings({ start: 'fresh' });
    expect(st().trainSettings.learningRate).toBe(0.002);
    st().applyTrainPreset('quick');
    expect(st().trainSettings).toMatchObject({ start: 'fresh', steps: TRAIN_PRESETS.quick.steps, learningRate: 0.005 });
    st().setTrainSettings({ steps: 7, augment: 'on' });
    expect(presetOf(st().trainSettings)).toBe('custom');
  });

});

describe('training helpers', () => {
  it('settings checks and bundle file names: settings', () => {
    expect(checkTrainSettings(DEFAULT_TRAIN_SETTINGS)).toBeNull();
    expect(checkTrainSettings({ ...DEFAULT_TRAIN_SETTINGS, steps: 0 })).toMatch(/Steps/);
    expect(checkTrainSettings({ ...DEFAULT_TRAIN_SETTINGS, learningRate: 0 })).toMatch(/learning rate/);
    expect(checkTrainSettings({ ...DEFAULT_TRAIN_SETTINGS, learningRate: Number.NaN })).toMatch(/learning rate/);
  });
});

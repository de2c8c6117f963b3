import { describe, expect, it } from 'vitest';
import { meta, setup, started } from './test-support';

describe('inspector store: start-up', () => {
  it('inits the preferred backend, reads both indices and loads the first model with its map defaults', async () => {
    const h = setup();
    await started(h, { preferredBackend: 'wasm' });
    const s = h.store.getState();
    expect(h.client.inits).toEqual(['wasm']);
    expect(s.backend?.backend).toBe('wasm');
    expect(s.models.map((m) => [m.id, m.origin, m.source.url])).toEqual([
      ['fabric', 'shipped', '/app/models/students/fabric'],
      ['wood', 'shipped', '/app/models/students/wood'],
    ]);
    expect(h.client.loads).toEqual(['fabric@/app/models/students/fabric|/app/models/teacher']);
    expect(s.activeModelId).toBe('fabric');
    expect(s.modelStatus).toBe('ready');
    expect(s.scales).toEqual([false, true, true]);
    expect(s.sigma).toBe(4);
    expect(s.threshold).toBe(0.45);
    expect(s.thresholdSource).toBe('calibration');
    expect(s.samples[0].samples).toHaveLength(2);
    expect(s.errors).toEqual([]);
  });

  it('loads the model named by ?model= and notes an unknown one', async () => {
    const h = setup();
    await started(h, { preferredModelId: 'wood' });
    expect(h.store.getState().activeModelId).toBe('wood');
    expect(h.store.getState().scales).toEqual([true, true, true]);
    expect(h.store.getState().sigma).toBe(2);

    const h2 = setup();
    await started(h2, { preferredModelId: 'nope' });
    expect(h2.store.getState().activeModelId).toBe('fabric');
    expect(h2.store.getState().notes.join(' ')).toMatch(/"nope" is not in the model list/);
  });

  it('start() runs once', async () => {
    const h = setup();
    const a = h.store.getState().start();
    const b = h.store.getState().start();
    expect(a).toBe(b);
    await h.store.getState().whenIdle();
    expect(h.client.inits).toHaveLength(1);
    expect(h.client.loads).toHaveLength(1);
  });

  it('says clearly when the model index is missing; a missing sample index is not an error', async () => {
    const h = setup({ files: {} });
    await started(h);
    const s = h.store.getState();
    expect(s.modelsStatus).toBe('error');
    expect(s.modelsError).toContain('models/students/index.json not found');
    expect(s.errors.map((e) => e.message)).toEqual([s.modelsError]);
    expect(s.modelStatus).toBe('none');
    expect(s.samplesStatus).toBe('error');
    expect(s.samplesError).toContain('samples/index.json not found');
    expect(h.client.loads).toEqual([]);
  });

  it('reports a malformed index and a model that cannot be loaded', async () => {
    const h = setup({ files: { '/app/models/students/index.json': { version: 1, models: [{ title: 'no id' }] } } });
    await started(h);
    expect(h.store.getState().modelsError).toMatch(/entry 1 needs an "id" and a "path"/);

    const h2 = setup();
    h2.client.missingModels.add('fabric');
    await started(h2);
    const s = h2.store.getState();
    expect(s.modelStatus).toBe('error');
    expect(s.modelError).toMatch(/Woven fabric.*could not be loaded.*model\.json not found/);
    expect(s.errors).toHaveLength(1);
    // Choosing another model works and clears the old error.
    await s.selectModel('wood');
    await h2.store.getState().whenIdle();
    expect(h2.store.getState().modelStatus).toBe('ready');
    expect(h2.store.getState().errors).toEqual([]);
  });

  it('uses a fallback threshold, marked as such, when the model has no calibration', async () => {
    const h = setup();
    h.client.metas.fabric = meta({ scales: [2, 3], threshold: null });
    await started(h);
    expect(h.store.getState().thresholdSource).toBe('fallback');
    expect(h.store.getState().threshold).toBeCloseTo(0.6);
  });

  it('appends models from other sources without losing the shipped ones', async () => {
    const h = setup();
    await started(h);
    h.store.getState().addModels([{ id: 'mine', title: 'My model', source: { kind: 'url', url: 'blob:x' }, origin: 'user' }]);
    expect(h.store.getState().models.map((m) => `${m.id}:${m.origin}`)).toEqual(['fabric:shipped', 'wood:shipped', 'mine:user']);
  });
});

describe('inspector store: engine events', () => {
  it('shows a backend fallback as a note and switches the badge', async () => {
    const h = setup();
    await started(h, { preferredBackend: 'webgpu' });
    h.client.emit({ type: 'backend-changed', info: { backend: 'webgl', notes: [] }, reason: 'WebGPU device lost' });
    expect(h.store.getState().backend?.backend).toBe('webgl');
    expect(h.store.getState().notes).toContain('WebGPU device lost — switched to WebGL');
    h.store.getState().dispose();
    h.client.emit({ type: 'backend-changed', info: { backend: 'wasm', notes: [] }, reason: 'again' });
    expect(h.store.getState().backend?.backend).toBe('webgl');
  });
});

describe('inspector store: backend choice cache', () => {
  it('keeps a measured choice and hands it to the next start; a forced backend neither reads nor writes it', async () => {
    let kept: import('../worker/protocol').BackendChoice | null = null;
    const cache = { load: () => kept, save: (c: NonNullable<typeof kept>) => void (kept = c) };
    const choice = { backend: 'wasm' as const, how: 'measured' as const, reason: 'wasm — WebGL here is a software renderer, 12× slower', measuredMs: { wasm: 200, webgl: 2400 }, key: 'ua | webgl=SwiftShader | w' };
    const first = setup({ services: { backendChoiceCache: cache } });
    first.client.measuredChoice = choice;
    await started(first);
    expect(first.client.initCached).toEqual([null]);
    expect(kept).toEqual(choice);
    expect(first.store.getState().backend?.choice?.reason).toMatch(/software renderer, 12× slower/);

    const second = setup({ services: { backendChoiceCache: cache } });
    second.client.measuredChoice = choice;
    await started(second);
    expect(second.client.initCached).toEqual([choice]);
    expect(second.store.getState().backend).toMatchObject({ backend: 'wasm', choice: { how: 'cached' } });

    const forced = setup({ services: { backendChoiceCache: { load: () => { throw new Error('not read when forced'); }, save: () => { throw new Error('not written when forced'); } } } });
    await started(forced, { preferredBackend: 'webgl' });
    expect(forced.client.initCached).toEqual([null]);
    expect(forced.store.getState().backend?.backend).toBe('webgl');
  });
});

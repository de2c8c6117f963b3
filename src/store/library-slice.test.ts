import { describe, expect, it } from 'vitest';
import type { ModelMeta } from '../engine/model-meta';
import type { LibraryModelInfo } from '../worker/protocol';
import { file, meta, pickerIds, setup, SIZE, started, type Harness } from './test-support';

describe('inspector store: model library and bundles', () => {
  function seedLibrary(h: Harness) {
    // Two saved models from an earlier session: lib-old (from fabric) and lib-new (from lib-old).
    const a = meta({ threshold: 0.5 });
    a.fineTune = { baseModel: 'fabric', start: 'current', augment: false, images: 10, heldOut: 2 };
    const b = meta({ threshold: 0.6 });
    b.fineTune = { baseModel: 'lib-old', start: 'current', augment: false, images: 10, heldOut: 2 };
    h.client.metas['lib-old'] = a;
    h.client.metas['lib-new'] = b;
    const info = (id: string, name: string, m: ModelMeta): LibraryModelInfo => ({
      id,
      source: { kind: 'indexeddb', id, url: `indexeddb://rd4ad-user/${id}` },
      name,
      origin: 'trained',
      createdAt: '2026-01-01T00:00:00Z',
      savedAt: '2026-01-01T00:00:00Z',
      bytes: 1000,
      teacher: 'mobilenet_v2/expand',
      inputSize: SIZE,
      threshold: m.calibration!.threshold,
      optimistic: false,
      meta: m,
    });
    h.client.library = [info('lib-new', 'Newer', b), info('lib-old', 'Older', a)];
  }

  it('lists saved models at start after the shipped ones, and ?model= can name one', async () => {
    const h = setup();
    seedLibrary(h);
    await started(h, { preferredModelId: 'lib-new' });
    const s = h.store.getState();
    expect(h.client.listCalls).toBe(1);
    expect(pickerIds(h)).toEqual(['fabric:shipped', 'wood:shipped', 'lib-new:user', 'lib-old:user']);
    expect(s.models.find((m) => m.id === 'lib-new')).toMatchObject({ title: 'Newer', path: 'models/students/fabric' });
    expect(s.libraryStorage).toEqual({ usage: 2000, quota: 1e9 });
    expect(s.activeModelId).toBe('lib-new');
    expect(h.client.loads[0]).toBe('lib-new@indexeddb://rd4ad-user/lib-new|/app/models/teacher');
    expect(s.threshold).toBe(0.6);
  });

  it('the default model is the first shipped one even when the library answers first', async () => {
    const h = setup();
    seedLibrary(h);
    await started(h);
    expect(h.store.getState().activeModelId).toBe('fabric');
  });

  it('rename and delete update the picker; deleting the active model keeps it loaded, unsaved', async () => {
    const h = setup();
    seedLibrary(h);
    await started(h, { preferredModelId: 'lib-old' });
    const st = () => h.store.getState();
    expect(await st().renameLibraryModel('lib-new', 'Renamed')).toBe(true);
    expect(st().models.find((m) => m.id === 'lib-new')?.title).toBe('Renamed');
    expect(st().libraryNotice).toBe('Renamed to "Renamed".');
    expect(await st().renameLibraryModel('lib-new', '   ')).toBe(false);
    expect(await st().renameLibraryModel('nope', 'x')).toBe(false);
    expect(st().errors.at(-1)?.message).toBe('Renaming failed: no model "nope" in the library');

    expect(await st().deleteLibraryModel('lib-new')).toBe(true);
    expect(pickerIds(h)).toEqual(['fabric:shipped', 'wood:shipped', 'lib-old:user']);
    expect(await st().deleteLibraryModel('lib-old')).toBe(true);
    expect(pickerIds(h)).toEqual(['fabric:shipped', 'wood:shipped', 'lib-old:user:unsaved']);
    expect(st().activeModelId).toBe('lib-old');
    expect(st().modelInfo?.origin).toBe('memory');
    expect(st().library).toEqual([]);
  });

  it('exports the active model as a download', async () => {
    const h = setup();
    await started(h);
    expect(await h.store.getState().exportModel()).toBe(true);
    expect(h.saved.map((f) => [f.fileName, f.type])).toEqual([['fabric.zip', 'application/zip']]);
    expect(h.store.getState().libraryNotice).toBe('Exported fabric.zip.');
  });

  it('dropped bundle files are imported (images are still inspected); a mismatched bundle is refused with the reason', async () => {
    const h = setup();
    await started(h);
    const good = JSON.stringify({ meta: meta() });
    const other = meta();
    other.teacher = { ...other.teacher, id: 'inception_v3' };
    const bad = JSON.stringify({ meta: other });
    await h.store.getState().openFiles([{ blob: new Blob([good]), name: 'Shared line.zip' }, file('photo.png', '80,3,3')]);
    await h.store.getState().whenIdle();
    let s = h.store.getState();
    expect(s.items.map((i) => [i.name, i.status])).toEqual([['photo.png', 'done']]);
    expect(pickerIds(h)).toEqual(['fabric:shipped', 'wood:shipped', 'lib1:user']);
    expect(s.models.find((m) => m.id === 'lib1')?.title).toBe('Shared line');
    expect(s.libraryNotice).toMatch(/Imported "Shared line"/);
    await s.selectModel('lib1');
    await h.store.getState().whenIdle();
    expect(h.store.getState().modelStatus).toBe('ready');

    await h.store.getState().openFiles([{ blob: new Blob([bad]), name: 'other.zip' }]);
    s = h.store.getState();
    expect(s.errors.at(-1)?.message).toBe('Import of other.zip failed: this bundle was trained on teacher inception_v3/expand; this app runs mobilenet_v2/expand');
    expect(pickerIds(h)).toEqual(['fabric:shipped', 'wood:shipped', 'lib1:user']);
    expect(s.libraryBusy).toBe(false);

    // A bundle exported by the app carries its name in meta.json; a second import of it is told apart.
    const named = JSON.stringify({ meta: { ...meta(), name: 'Line 2' } });
    await h.store.getState().importBundle([{ blob: new Blob([named]), name: 'download.zip' }]);
    expect(h.store.getState().libraryNotice).toBe('Imported "Line 2": choose it under "Your models" in the model list.');
    await h.store.getState().importBundle([{ blob: new Blob([named]), name: 'download.zip' }]);
    s = h.store.getState();
    expect(s.library.map((m) => m.name)).toEqual(expect.arrayContaining(['Line 2', 'Line 2 (2)']));
    expect(s.libraryNotice).toBe('Imported "Line 2 (2)" (a model named "Line 2" is already in your models): choose it under "Your models" in the model list.');

    h.client.storageFull = true;
    await h.store.getState().importBundle([{ blob: new Blob([good]), name: 'again.zip' }]);
    expect(h.store.getState().errors.at(-1)?.message).toMatch(/^Import of again\.zip failed — browser storage: not enough browser storage/);
  });
});

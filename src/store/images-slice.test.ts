import { describe, expect, it } from 'vitest';
import { MapSmoother } from '../data/map-render';
import { isBundleFileName } from './images-slice';
import { modelView } from './viewer-slice';
import { selectListRows, selectSelectedItem, selectSortedItems } from './selectors';
import { addAndWait, file, names, setup, started } from './test-support';

describe('inspector store: images', () => {
  it('infers each image once, one at a time, sorts by score and selects the first new image', async () => {
    const h = setup();
    await started(h);
    await addAndWait(h, file('low.png', '20,3,3'), file('high.png', '200,8,8'), file('mid.png', '90,12,4'));
    const s = h.store.getState();
    expect(h.client.inferCount).toBe(3);
    expect(h.client.maxInFlight).toBe(1);
    expect(names(h)).toEqual(['high.png', 'mid.png', 'low.png']);
    const scores = selectSortedItems(s).map((i) => i.score as number);
    expect(scores[0]).toBeGreaterThan(scores[1]);
    expect(scores[1]).toBeGreaterThan(scores[2]);
    expect(selectSelectedItem(s)?.name).toBe('low.png');
    expect(s.lastTimings?.teacherMs).toBe(10);
    expect(s.items.every((i) => i.status === 'done' && i.modelId === 'fabric')).toBe(true);
  });

  it('keeps pending images at the bottom and queues images added before the model is ready', async () => {
    const h = setup();
    h.client.gate.closed = true;
    const starting = h.store.getState().start();
    await h.store.getState().addFiles([file('a.png', '50,1,1')]);
    expect(h.store.getState().items[0].status).toBe('queued');
    await starting;
    h.client.gate.open();
    await h.store.getState().whenIdle();
    expect(h.store.getState().items[0].status).toBe('done');

    h.client.gate.closed = true;
    const adding = h.store.getState().addFiles([file('b.png', '10,1,1'), file('c.png', '99,1,1')]);
    await adding;
    const rows = selectListRows(h.store.getState());
    expect(rows.map((r) => [r.item.name, r.verdict])).toEqual([
      ['a.png', 'anomaly'],
      ['b.png', 'pending'],
      ['c.png', 'pending'],
    ]);
    h.client.gate.open();
    await h.store.getState().whenIdle();
    expect(names(h)).toEqual(['c.png', 'a.png', 'b.png']);
  });

  it('list rows keep their identity while their image and verdict stay (one result re-renders one row)', async () => {
    const h = setup();
    await started(h);
    await addAndWait(h, file('a.png', '200,8,8'), file('b.png', '60,2,2'));
    const before = selectListRows(h.store.getState());
    h.client.gate.closed = true;
    const adding = h.store.getState().addFiles([file('c.png', '99,1,1')]);
    await adding;
    const during = selectListRows(h.store.getState());
    expect(during).toHaveLength(3);
    expect(during.slice(0, 2)).toEqual(before);
    during.slice(0, 2).forEach((row, k) => expect(row).toBe(before[k]));
    h.client.gate.open();
    await h.store.getState().whenIdle();
    const after = selectListRows(h.store.getState());
    for (const row of before) expect(after.find((r) => r.item.id === row.item.id)).toBe(row);
    // A threshold between the two scores changes one verdict: only that row is new.
    const [hi, lo] = before.map((r) => r.item.score!);
    h.store.getState().setThreshold((hi + lo) / 2);
    const moved = selectListRows(h.store.getState());
    const changed = moved.filter((r) => !after.includes(r)).map((r) => r.item.name);
    expect(changed).toEqual([before[1].item.name]);
  });

  it('the worker smooths the current view (and the model\'s own when it differs): on arrival the store blurs nothing', async () => {
    const h = setup();
    await started(h);
    await addAndWait(h, file('a.png', '200,8,8'));
    const own = modelView(h.store.getState().meta);
    expect(h.client.viewRequests.at(-1)).toEqual([own]);
    // The item's smoother hands back the worker's maps themselves, for the score and the median.
    const a = h.store.getState().items[0];
    const [mine] = h.client.smoothedReplies.at(-1)!;
    expect(a.smoother!.smoothView(own)).toBe(mine);
    expect([a.score, a.mapMedian]).toEqual([mine.score, mine.median]);

    // With another σ on screen, both views are asked for.
    h.store.getState().setSigma(1);
    await h.store.getState().whenIdle();
    await addAndWait(h, file('b.png', '60,2,2'));
    const shown = { ...own, sigma: 1 };
    expect(h.client.viewRequests.at(-1)).toEqual([shown, own]);
    const b = h.store.getState().items.find((i) => i.name === 'b.png')!;
    const [now, model] = h.client.smoothedReplies.at(-1)!;
    expect(b.smoother!.smoothView(shown)).toBe(now);
    expect(b.smoother!.smoothView(own)).toBe(model);
    expect([b.score, b.mapMedian]).toEqual([now.score, model.median]);
  });

  it('σ changes re-score every image from the cached maps without calling infer again', async () => {
    const h = setup();
    await started(h);
    await addAndWait(h, file('a.png', '200,8,8'), file('b.png', '60,2,2'), file('c.png', '120,5,5'));
    const before = Object.fromEntries(h.store.getState().items.map((i) => [i.name, i.score]));
    const calls = h.client.inferCount;

    h.store.getState().setSigma(1);
    // The selected image is re-scored at once, the others in the background.
    const sel = selectSelectedItem(h.store.getState())!;
    expect(sel.scoreKey).toBe('011|1|sum');
    await h.store.getState().whenIdle();

    const s = h.store.getState();
    expect(h.client.inferCount).toBe(calls);
    for (const item of s.items) {
      expect(item.scoreKey).toBe('011|1|sum');
      expect(item.score).not.toBe(before[item.name]);
      const expected = new MapSmoother(item.maps!).smooth([false, true, true], 1).score;
      expect(item.score).toBeCloseTo(expected, 6);
    }
    // Less blur keeps more of the peak.
    expect(s.items[0].score!).toBeGreaterThan(before['a.png']!);

    h.store.getState().nudgeSigma(0.25);
    expect(h.store.getState().sigma).toBe(1.25);
    h.store.getState().setSigma(99);
    expect(h.store.getState().sigma).toBe(8);
    h.store.getState().setSigma(-3);
    expect(h.store.getState().sigma).toBe(0);
    h.store.getState().setSigma(1.1);
    expect(h.store.getState().sigma).toBe(1);
    await h.store.getState().whenIdle();
    expect(h.client.inferCount).toBe(calls);
  });

  it('a threshold change updates the verdicts of all images', async () => {
    const h = setup();
    await started(h);
    await addAndWait(h, file('a.png', '200,8,8'), file('b.png', '60,2,2'), file('c.png', '120,5,5'), file('d.png', '5,1,1'));
    const scores = selectSortedItems(h.store.getState()).map((i) => i.score!);
    const verdicts = () => selectListRows(h.store.getState()).map((r) => r.verdict);

    h.store.getState().setThreshold((scores[1] + scores[2]) / 2);
    expect(verdicts()).toEqual(['anomaly', 'anomaly', 'ok', 'ok']);
    expect(h.store.getState().thresholdSource).toBe('user');
    h.store.getState().setThreshold(scores[0] + 1);
    expect(verdicts()).toEqual(['ok', 'ok', 'ok', 'ok']);
    h.store.getState().setThreshold(0);
    expect(verdicts()).toEqual(['anomaly', 'anomaly', 'anomaly', 'anomaly']);
    h.store.getState().setThreshold(Number.NaN);
    expect(h.store.getState().threshold).toBe(0);
    h.store.getState().resetThreshold();
    expect(h.store.getState().threshold).toBe(0.45);
    expect(h.store.getState().thresholdSource).toBe('calibration');
  });

  it('scale toggles re-score without inference and never turn off the last scale', async () => {
    const h = setup();
    await started(h);
    await addAndWait(h, file('a.png', '200,8,8'), file('b.png', '60,2,2'));
    const calls = h.client.inferCount;
    const st = () => h.store.getState();
    expect(st().toggleScale(0)).toBe(true);
    expect(st().scales).toEqual([true, true, true]);
    expect(st().toggleScale(1)).toBe(true);
    expect(st().toggleScale(2)).toBe(true);
    expect(st().scales).toEqual([true, false, false]);
    expect(st().toggleScale(0)).toBe(false);
    expect(st().scales).toEqual([true, false, false]);
    expect(st().setScales([false, false, false])).toBe(false);
    await st().whenIdle();
    for (const item of st().items) {
      expect(item.score).toBeCloseTo(new MapSmoother(item.maps!).smooth([true, false, false], 4).score, 6);
    }
    expect(h.client.inferCount).toBe(calls);
  });

  it('records a decode error with the file name and still processes the next image', async () => {
    const h = setup();
    await started(h);
    await addAndWait(h, file('broken.png', 'bad:truncated'), file('fine.png', '5,4,4'));
    const s = h.store.getState();
    const broken = s.items.find((i) => i.name === 'broken.png')!;
    expect(broken.status).toBe('error');
    expect(broken.error).toContain('broken.png');
    expect(s.items.find((i) => i.name === 'fine.png')!.status).toBe('done');
    expect(selectSelectedItem(s)?.name).toBe('fine.png');
    expect(s.errors.map((e) => e.message)).toEqual(['broken.png is not an image (truncated)']);
    expect(selectListRows(s).map((r) => r.verdict)).toEqual(['ok', 'error']);

    // The error stays for its own batch, goes with the next success of a later batch, or on dismiss.
    await addAndWait(h, file('next.png', '30,4,4'));
    expect(h.store.getState().errors).toEqual([]);
    await addAndWait(h, file('x.gif', 'bad:unsupported'));
    expect(h.store.getState().errors).toHaveLength(1);
    h.store.getState().dismissError(h.store.getState().errors[0].id);
    expect(h.store.getState().errors).toEqual([]);
  });

  it('records inference failures (out of memory) and goes on with the queue; a backend failure is retried once', async () => {
    const h = setup();
    await started(h);
    h.client.failNext = (p) => (p.rgba[0] === 255 ? Object.assign(new Error('GPU allocation failed'), { kind: 'out-of-memory' }) : null);
    await addAndWait(h, file('huge.png', '255,1,1'), file('ok.png', '40,1,1'));
    let s = h.store.getState();
    expect(s.items[0].status).toBe('error');
    expect(s.items[0].error).toBe('huge.png: out of memory — GPU allocation failed');
    expect(s.items[1].status).toBe('done');
    expect(s.errors.map((e) => e.message)).toEqual(['huge.png: out of memory — GPU allocation failed']);

    let failures = 0;
    h.client.failNext = () => (failures++ < 1 ? Object.assign(new Error('device lost'), { kind: 'backend' }) : null);
    await addAndWait(h, file('retry.png', '70,1,1'));
    s = h.store.getState();
    expect(s.items[2].status).toBe('done');
    expect(failures).toBe(2);

    h.client.failNext = () => Object.assign(new Error('device lost'), { kind: 'backend' });
    await addAndWait(h, file('dead.png', '70,1,1'));
    expect(h.store.getState().items[3].status).toBe('error');
    expect(h.store.getState().items[3].error).toBe('dead.png: device lost');
  });

  it('a model switch re-runs the listed images with the new model and discards results of the old one', async () => {
    const h = setup();
    await started(h);
    await addAndWait(h, file('a.png', '100,8,8'), file('b.png', '50,2,2'));
    const fabricScores = h.store.getState().items.map((i) => i.score!);
    expect(h.client.inferCount).toBe(2);

    // One more image is in flight with the old model when the user switches.
    h.client.gate.closed = true;
    await h.store.getState().addFiles([file('c.png', '70,3,3')]);
    expect(h.store.getState().items[2].status).toBe('running');
    const switching = h.store.getState().selectModel('wood');
    expect(h.store.getState().items.map((i) => i.status)).toEqual(['queued', 'queued', 'queued']);
    expect(selectListRows(h.store.getState()).every((r) => r.verdict === 'pending')).toBe(true);
    await switching;
    h.client.gate.open();
    await h.store.getState().whenIdle();

    const s = h.store.getState();
    expect(s.activeModelId).toBe('wood');
    expect(s.sigma).toBe(2);
    expect(s.items.every((i) => i.status === 'done' && i.modelId === 'wood')).toBe(true);
    expect(h.client.inferCount).toBe(2 + 1 + 3);
    // wood's fake doubles the bump: the scores are the new model's.
    const again = s.items.map((i) => new MapSmoother(i.maps!).smooth([true, true, true], 2).score);
    s.items.forEach((i, k) => expect(i.score).toBeCloseTo(again[k], 6));
    expect(s.items[0].score).not.toBeCloseTo(fabricScores[0], 3);
  });

  it('moves the selection in the displayed order and keeps a selection after removal', async () => {
    const h = setup();
    await started(h);
    await addAndWait(h, file('low.png', '20,3,3'), file('high.png', '200,8,8'), file('mid.png', '90,12,4'));
    const st = () => h.store.getState();
    st().select(st().items.find((i) => i.name === 'high.png')!.id);
    st().moveSelection(1);
    expect(selectSelectedItem(st())?.name).toBe('mid.png');
    st().moveSelection(1);
    st().moveSelection(1);
    expect(selectSelectedItem(st())?.name).toBe('low.png');
    st().moveSelection(-1);
    expect(selectSelectedItem(st())?.name).toBe('mid.png');
    st().removeImage(st().selectedId!);
    expect(selectSelectedItem(st())?.name).toBe('low.png');
    expect(h.released).toEqual(['mid.png']);
    st().select('no-such-id');
    expect(selectSelectedItem(st())?.name).toBe('low.png');
    st().clearImages();
    expect(st().items).toEqual([]);
    expect(st().selectedId).toBeNull();
  });

  it('adds a gallery sample by fetching it', async () => {
    const h = setup();
    h.files['/app/samples/fabric/hole_003.png'] = '150,6,6';
    await started(h);
    await h.store.getState().addSample('samples/fabric/hole_003.png');
    await h.store.getState().whenIdle();
    expect(h.store.getState().items.map((i) => [i.name, i.status])).toEqual([['hole_003.png', 'done']]);
    await h.store.getState().addSample('samples/fabric/missing.png');
    expect(h.store.getState().errors[0].message).toMatch(/samples\/fabric\/missing\.png: the sample could not be loaded/);
  });

  it('keeps the original pixels although the worker takes its copy', async () => {
    const h = setup();
    await started(h);
    await addAndWait(h, file('a.png', '100,8,8'));
    const px = h.store.getState().items[0].image!.pixels.rgba;
    expect(px.length).toBe(8 * 8 * 4);
    expect(px[0]).toBe(100);
  });
});

describe('training helpers', () => {
  it('settings checks and bundle file names: bundle file names', () => {
    expect(['a.ZIP', 'model.json', 'weights.bin'].map(isBundleFileName)).toEqual([true, true, true]);
    expect(['a.png', 'zip.jpg', 'json'].map(isBundleFileName)).toEqual([false, false, false]);
  });
});

import { describe, expect, it } from 'vitest';
import { MapSmoother } from '../data/map-render';
import { auroc, perRegionOverlap } from '../metrics';
import { evaluationCsv, evaluationJson, thresholdChoices } from './evaluation-report';
import type { FolderFile } from './evaluation-slice';
import { inspectedCsv } from './batch-report';
import { FakeClient, addAndWait, file, meta, setup, SIZE, started, withTrainImages } from './test-support';

/** The fake decoder reads "amp,x,y": amp sets the map's bump height, (x, y) its place; a mask "255" marks pixel 0 of an 8×8 image. */
function folder(): FolderFile[] {
  const f = (path: string, text: string): FolderFile => ({ path, blob: new Blob([text]) });
  return [
    f('cat/train/good/t.png', '1,1,1'),
    f('cat/test/good/a.png', '10,3,3'),
    f('cat/test/good/b.png', '20,9,5'),
    f('cat/test/good/c.png', '15,2,12'),
    f('cat/test/hole/a.png', '120,1,1'),
    f('cat/test/hole/b.png', '90,0,0'),
    f('cat/test/hole/c.png', '60,7,7'),
    f('cat/ground_truth/hole/a_mask.png', '255'),
    f('cat/ground_truth/hole/b_mask.png', '255'),
  ];
}

/** The same metrics computed the CLI's way from the fake maps (smoothed with the store's σ / scales). */
async function exactMetrics(h: ReturnType<typeof setup>, files: FolderFile[]) {
  const s = h.store.getState();
  const client = new FakeClient();
  await client.loadModel(s.activeModelId!, { kind: 'url', url: 'x' }, 't');
  const byPath = new Map(files.map((f) => [f.path, f]));
  const scores: number[] = [];
  const labels: number[] = [];
  const maps: Float32Array[] = [];
  const masks: Uint8Array[] = [];
  for (const p of ['cat/test/good/a.png', 'cat/test/good/b.png', 'cat/test/good/c.png', 'cat/test/hole/a.png', 'cat/test/hole/b.png', 'cat/test/hole/c.png']) {
    const [amp, x, y] = (await byPath.get(p)!.blob.text()).split(',').map(Number);
    const rgba = new Uint8ClampedArray(8 * 8 * 4);
    rgba.set([amp, x, y]);
    const { maps: raw } = await client.infer({ width: 8, height: 8, rgba });
    const sm = new MapSmoother(raw).smooth(s.scales, s.sigma, 'sum');
    scores.push(sm.score);
    labels.push(p.includes('hole') ? 1 : 0);
    if (p.endsWith('hole/c.png')) continue; // no mask: image metrics only
    const mask = new Uint8Array(SIZE * SIZE);
    if (p.includes('hole')) mask[0] = mask[1] = mask[SIZE] = mask[SIZE + 1] = 1; // pixel 0 of 8×8, nearest to 16×16
    maps.push(sm.values.slice());
    masks.push(mask);
  }
  const all = new Float32Array(maps.length * SIZE * SIZE);
  const lab = new Uint8Array(all.length);
  maps.forEach((m, i) => (all.set(m, i * SIZE * SIZE), lab.set(masks[i], i * SIZE * SIZE)));
  return { imageAuroc: auroc(scores, labels), pixelAuroc: auroc(all, lab), pro: perRegionOverlap(maps, masks, SIZE, SIZE).pro };
}

describe('inspector store: evaluation', () => {
  it('evaluates an MVTec-layout folder with the CLI metrics (streamed) and reports rows, curves and exports', async () => {
    const h = setup();
    await started(h);
    const files = folder();
    await h.store.getState().evaluateFolder(files);
    await h.store.getState().whenIdle();
    const s = h.store.getState();
    expect(s.evalError).toBeNull();
    expect(s.evalStatus).toBe('done');
    expect(s.evalProgress).toMatchObject({ done: 6, total: 6, etaMs: 0 });
    const r = s.evalResult!;
    expect(r.rows.map((x) => [x.path, x.label, x.hasMask])).toEqual([
      ['cat/test/good/a.png', 0, false],
      ['cat/test/good/b.png', 0, false],
      ['cat/test/good/c.png', 0, false],
      ['cat/test/hole/a.png', 1, true],
      ['cat/test/hole/b.png', 1, true],
      ['cat/test/hole/c.png', 1, false],
    ]);
    expect(r.nPixelImages).toBe(5);
    expect(r.nAnomalousWithoutMask).toBe(1);
    const ref = await exactMetrics(h, files);
    expect(r.imageAuroc).toBe(ref.imageAuroc);
    expect(Math.abs(r.pixelAuroc!.value - ref.pixelAuroc)).toBeLessThanOrEqual(Math.max(1e-9, r.pixelAuroc!.errorBound));
    expect(Math.abs(r.pro!.value - ref.pro)).toBeLessThanOrEqual(Math.max(1e-9, r.pro!.errorBound));
    expect(r.settings).toMatchObject({ modelId: 'fabric', sigma: s.sigma, threshold: s.threshold });
    // the fake client only saw the test images (6) — train/ is not evaluated
    expect(h.client.inferCount).toBe(6);

    const json = JSON.parse(JSON.stringify(evaluationJson(r, s.threshold, 0.05)));
    expect(json).toMatchObject({ image_auroc: ref.imageAuroc, n_images: 6, n_good: 3, n_anomalous: 3, n_pixel_images: 5 });
    expect(json.images).toHaveLength(6);
    expect(json.defects.map((d: { defect: string; count: number }) => [d.defect, d.count])).toEqual([['good', 3], ['hole', 3]]);
    const csv = evaluationCsv(r, s.threshold).trim().split('\n');
    expect(csv).toHaveLength(7);
    expect(csv[0]).toBe('path,defect,label,score,verdict,threshold,mask,regions,region_list');
    const noGood = thresholdChoices(r, s.threshold, 0).find((c) => c.id === 'no-good-flagged')!;
    expect(noGood.confusion.fp).toBe(0);
  });

  it('labels plain good/ and defect/ folders (image metrics only), and refuses a folder without both', async () => {
    const h = setup();
    await started(h);
    const f = (path: string, text: string): FolderFile => ({ path, blob: new Blob([text]) });
    await h.store.getState().evaluateFolder([f('lot/good/a.png', '10,1,1'), f('lot/defect/b.png', '150,3,3')]);
    await h.store.getState().whenIdle();
    expect(h.store.getState().evalResult).toMatchObject({ imageAuroc: 1, pixelAuroc: null, pro: null, nAnomalousWithoutMask: 1 });
    await h.store.getState().evaluateFolder([f('lot/good/a.png', '10,1,1')]);
    expect(h.store.getState()).toMatchObject({ evalStatus: 'error' });
    expect(h.store.getState().evalError).toMatch(/both good and defective/);
  });

  it('cancel stops between images; choosing another model stops it too', async () => {
    const h = setup();
    await started(h);
    h.client.gate.closed = true;
    const running = h.store.getState().evaluateFolder(folder());
    await new Promise((r) => setTimeout(r, 5));
    expect(h.store.getState().evalStatus).toBe('running');
    h.store.getState().cancelEvaluation();
    h.client.gate.open();
    await running;
    expect(h.store.getState().evalStatus).toBe('cancelled');
    expect(h.client.inferCount).toBe(1);

    h.client.gate.closed = true;
    const again = h.store.getState().evaluateFolder(folder());
    await new Promise((r) => setTimeout(r, 5));
    void h.store.getState().selectModel('wood');
    h.client.gate.open();
    await again;
    await h.store.getState().whenIdle();
    expect(h.store.getState().evalStatus).toBe('error');
    expect(h.store.getState().evalError).toMatch(/another model/);
  });

  it('applying a threshold: the session only for a shipped model; stored with a library model (statistics kept)', async () => {
    const h = setup();
    await started(h);
    await h.store.getState().evaluateFolder(folder());
    await h.store.getState().whenIdle();
    await h.store.getState().applyModelThreshold(0.77, 'No good image flagged');
    await h.store.getState().whenIdle();
    expect(h.store.getState()).toMatchObject({ threshold: 0.77, thresholdSource: 'user' });
    expect(h.store.getState().evalNotice).toMatch(/for this session/);

    await h.store.getState().importBundle([{ blob: new Blob([JSON.stringify({ meta: meta({ threshold: 0.45 }) })]), name: 'Line 3.zip' }]);
    await h.store.getState().selectModel('lib1');
    await h.store.getState().whenIdle();
    await h.store.getState().applyModelThreshold(0.61, 'F1-optimal');
    await h.store.getState().whenIdle();
    const s = h.store.getState();
    expect(s.errors).toEqual([]);
    expect(s).toMatchObject({ threshold: 0.61, thresholdSource: 'calibration' });
    expect(s.meta?.calibration).toMatchObject({ threshold: 0.61, n: 10, mean: 0.3 });
    expect(s.meta?.calibration?.rule).toMatch(/^F1-optimal, from an evaluation of 6 labelled images/);
    expect(h.client.library.find((m) => m.id === 'lib1')?.threshold).toBe(0.61);
    expect(s.library.find((m) => m.id === 'lib1')?.threshold).toBe(0.61);
    // the model's default threshold is now the stored one
    s.setThreshold(0.1);
    s.resetThreshold();
    expect(h.store.getState().threshold).toBe(0.61);
  });

  it('applying a threshold to a trained, unsaved model keeps it with the model; saving stores it', async () => {
    const h = setup();
    await started(h);
    await withTrainImages(h, 6);
    await h.store.getState().startTraining();
    await h.store.getState().whenIdle();
    expect(h.store.getState().activeModelId).toBe('trained-1');
    await h.store.getState().evaluateFolder(folder());
    await h.store.getState().whenIdle();
    await h.store.getState().applyModelThreshold(0.52, 'F1-optimal');
    await h.store.getState().whenIdle();
    expect(h.store.getState().evalNotice).toMatch(/when you save it/);
    expect(h.store.getState().meta?.calibration?.threshold).toBe(0.52);
    const saved = await h.store.getState().saveActiveModel('Line 4');
    await h.store.getState().whenIdle();
    expect(saved).not.toBeNull();
    expect(h.client.library.find((m) => m.name === 'Line 4')?.meta.calibration?.threshold).toBe(0.52);
  });

  it('the inspected batch as CSV: file, score, verdict, regions and the settings', async () => {
    const h = setup();
    await started(h);
    await addAndWait(h, file('low.png', '10,3,3'), file('high.png', '200,8,8'));
    const s = h.store.getState();
    const csv = (await inspectedCsv(s, { now: () => 0, yieldToUi: async () => undefined }, new Date('2026-12-02T00:00:00Z'))).trim().split('\n');
    expect(csv[0]).toBe('file,score,verdict,regions,region_list,model,threshold,sigma,scales,date,source,captured_at');
    expect(csv).toHaveLength(3);
    const high = csv[1].split(',');
    expect(high[0]).toBe('high.png');
    expect(high[2]).toBe('anomaly');
    expect(Number(high[3])).toBeGreaterThanOrEqual(1);
    expect(csv[2]).toMatch(/^low\.png,[\d.e-]+,ok,0,,Woven fabric,0\.45,4,2 3,2026-12-02T00:00:00\.000Z,file,$/);
    await s.exportInspectedCsv();
    expect(h.saved.map((f) => f.fileName)).toEqual(['inspected-images.csv']);
  });
});

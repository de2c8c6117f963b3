/**
 * The Evaluate tab on the wasm backend in headless Chromium: a small generated fabric category (MVTec
 * layout, exact masks, written here with the project's generator) is given to the tab's directory input
 * after the shipped fabric bundle was imported as a user would; the three metrics on screen and in the
 * JSON export match `npm run eval` (spawned on the same folder and bundle) within 1e-3; the page stays
 * responsive; applying "no good image flagged" leaves no good image flagged; a generated defect's region
 * in the inspector matches its mask; the exports (JSON, CSV, PNG plots, the inspected batch's CSV) parse
 * and hold what the screen shows.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import type { RgbImage } from '../src/data/image';
import { categoryInfo, renderSample } from '../src/data/synthetic';
import { REPO_ROOT, launchChromium, openApp, type InstrumentedPage } from '../harness/browser';
import { downloadText, evaluateFolder, importAndUseBundle, openTab } from '../harness/evaluate-app';
import { downloadOf, screenshot, waitForIdle } from './app-helpers';

const CATEGORY = 'fabric';
const MODEL_DIR = path.join(REPO_ROOT, 'public/models/students', CATEGORY);
const SEED = 5;
const GOOD = 8;
const PER_DEFECT = 4;

function rgbPng(image: RgbImage): Buffer {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}

function grayPng(mask: Uint8Array, width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  png.data = Buffer.from(new Uint8Array(mask.length * 3).map((_, i) => mask[(i / 3) | 0]));
  return PNG.sync.write(png, { colorType: 0, inputColorType: 2, inputHasAlpha: false });
}

interface Written {
  root: string;
  /** REGION_SAMPLE's file, mask area and mask bounding box. */
  regionSample: { file: string; area: number; box: [number, number, number, number] };
}

/**
 * The defect whose region is compared with its mask: a large stain. Regions follow the threshold and the
 * map's blur (σ 4 on stride-8/16 maps): a soft-edged stain's region at an image threshold covers its mask,
 * whereas the strong response of holes and cuts spreads 4–7× beyond theirs (measured on these images).
 */
const REGION_SAMPLE = { kind: 'stain', index: 3 };

/** An MVTec-layout category: 2 train images (the CLI wants train/good), GOOD good and PER_DEFECT per defect kind in test/, masks. */
function writeCategory(): Written {
  const root = path.join(mkdtempSync(path.join(os.tmpdir(), 'rd-eval-')), CATEGORY);
  const put = (rel: string, bytes: Buffer) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), bytes);
  };
  for (let i = 0; i < 2; i++) put(`train/good/${String(i).padStart(3, '0')}.png`, rgbPng(renderSample({ category: CATEGORY, split: 'train', label: 'good', index: i, seed: SEED }).image));
  for (let i = 0; i < GOOD; i++) put(`test/good/${String(i).padStart(3, '0')}.png`, rgbPng(renderSample({ category: CATEGORY, split: 'test', label: 'good', index: i, seed: SEED }).image));
  let regionSample: Written['regionSample'] = { file: '', area: 0, box: [0, 0, 0, 0] };
  if (PER_DEFECT <= REGION_SAMPLE.index) throw new Error('REGION_SAMPLE is not written');
  for (const kind of categoryInfo(CATEGORY).defectKinds) {
    for (let i = 0; i < PER_DEFECT; i++) {
      const s = renderSample({ category: CATEGORY, split: 'test', label: kind, index: i, seed: SEED });
      const stem = String(i).padStart(3, '0');
      put(`test/${kind}/${stem}.png`, rgbPng(s.image));
      put(`ground_truth/${kind}/${stem}_mask.png`, grayPng(s.mask!, s.image.width, s.image.height));
      let area = 0;
      const box: [number, number, number, number] = [Infinity, Infinity, -1, -1];
      s.mask!.forEach((v, p) => {
        if (!v) return;
        area++;
        const x = p % s.image.width;
        const y = (p / s.image.width) | 0;
        box[0] = Math.min(box[0], x);
        box[1] = Math.min(box[1], y);
        box[2] = Math.max(box[2], x);
        box[3] = Math.max(box[3], y);
      });
      if (kind === REGION_SAMPLE.kind && i === REGION_SAMPLE.index) regionSample = { file: path.join(root, `test/${kind}/${stem}.png`), area, box };
    }
  }
  return { root, regionSample };
}

interface CliReport {
  image_auroc: number;
  pixel_auroc: number;
  pro: number;
  n_images: number;
}

async function cliEval(root: string): Promise<CliReport> {
  const { stdout } = await promisify(execFile)('npx', ['tsx', 'cli/eval.ts', '--data', root, '--model', MODEL_DIR, '--out', path.join(root, '..', 'cli-out'), '--json', '--quiet'], {
    cwd: REPO_ROOT,
    maxBuffer: 1 << 24,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as CliReport;
}

/** One CSV line's fields (quoted fields may hold commas and doubled quotes). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = '';
      i++;
      while (i < line.length && !(line[i] === '"' && line[i + 1] !== '"')) {
        v += line[i] === '"' ? (i++, '"') : line[i];
        i++;
      }
      out.push(v);
      i += 2;
    } else {
      const j = line.indexOf(',', i);
      const end = j < 0 ? line.length : j;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

async function screenMetric(page: Page, testId: string): Promise<number> {
  return Number(await page.getByTestId(testId).getAttribute('data-value'));
}

describe('evaluate a labelled folder in the browser', () => {
  let browser: Browser;
  let app: InstrumentedPage;
  let page: Page;
  let data: Written;
  let cli: CliReport;
  let json: Record<string, unknown> & CliReport & { images: { path: string; score: number; verdict: string }[]; threshold: number };

  beforeAll(async () => {
    data = writeCategory();
    // Before the browser starts: the two would share the cores, and the long-task check measures the page.
    cli = await cliEval(data.root);
    browser = await launchChromium();
    app = await openApp(browser, inject('baseUrl'), '?backend=wasm');
    page = app.page;
  });

  afterAll(async () => {
    await browser?.close();
    if (data) rmSync(path.dirname(data.root), { recursive: true, force: true });
  });

  it('matches npm run eval within 1e-3 on all three metrics, on screen and in the JSON export, and stays responsive', async () => {
    await importAndUseBundle(page, MODEL_DIR);
    await app.resetLongTasks();
    const t0 = Date.now();
    await evaluateFolder(page, data.root);
    const wall = Date.now() - t0;
    const long = await app.longTasks();
    const ref = cli;
    const shown = {
      image_auroc: await screenMetric(page, 'eval-image-auroc'),
      pixel_auroc: await screenMetric(page, 'eval-pixel-auroc'),
      pro: await screenMetric(page, 'eval-pro-value'),
    };
    json = JSON.parse((await downloadText(page, 'eval-export-json')).text) as typeof json;
    console.log(`browser ${JSON.stringify(shown)} (${wall} ms) vs CLI ${JSON.stringify({ image_auroc: ref.image_auroc, pixel_auroc: ref.pixel_auroc, pro: ref.pro })}; ` +
      `error bounds ${String(json.pixel_auroc_error_bound)} / ${String(json.pro_error_bound)}; main-thread long tasks ${JSON.stringify(long.map(Math.round))}`);
    for (const k of ['image_auroc', 'pixel_auroc', 'pro'] as const) {
      expect(Math.abs(shown[k] - ref[k])).toBeLessThan(1e-3);
      expect(json[k]).toBe(shown[k]);
    }
    expect(json.n_images).toBe(ref.n_images);
    expect(json.n_images).toBe(GOOD + 3 * PER_DEFECT);
    // The app's own work per image is a few ms of smoothing and histograms between awaits; on a machine whose
    // cores other processes share, a task is sometimes stretched past 50 ms: allow one in ten images, no more.
    expect(long.length).toBeLessThanOrEqual(Math.ceil(json.n_images / 10));
    await screenshot(page, 'evaluate-tab');
  });

  it('"no good image flagged" leaves zero good images flagged', async () => {
    const choice = page.locator('[data-testid="eval-threshold-table"] tr[data-choice="no-good-flagged"]');
    const t = Number(await choice.getAttribute('data-threshold'));
    const goodScores = json.images.filter((r) => r.path.includes('/test/good/')).map((r) => r.score);
    expect(t).toBe(Math.max(...goodScores));
    await page.getByTestId('eval-apply-no-good-flagged').click();
    await expect.poll(() => page.evaluate(() => (window as unknown as { __rdInspector: { store: { getState(): { threshold: number } } } }).__rdInspector.store.getState().threshold)).toBe(t);
    // The imported bundle lives in "Your models": its saved copy keeps the threshold.
    await expect.poll(() => page.getByTestId('eval-notice').textContent(), { timeout: 30_000 }).toMatch(/stored with/);
    const current = page.locator('[data-testid="eval-threshold-table"] tr[data-choice="current"]');
    expect(await current.getAttribute('data-fp')).toBe('0');
    expect(Number(await page.locator('[data-testid="eval-defect-table"] tr[data-defect="good"] td[data-passed]').getAttribute('data-passed'))).toBe(1);
  });

  it('exports parse and hold what the screen shows', async () => {
    const csv = (await downloadText(page, 'eval-export-csv')).text.trim().split('\n');
    expect(csv[0]).toBe('path,defect,label,score,verdict,threshold,mask,regions,region_list');
    expect(csv).toHaveLength(json.n_images + 1);
    const again = JSON.parse((await downloadText(page, 'eval-export-json')).text) as typeof json;
    const t = again.threshold;
    const rows = csv.slice(1).map(csvFields);
    rows.forEach((r) => expect(r).toHaveLength(9));
    rows.forEach((r, i) => {
      expect(r[0]).toBe(again.images[i].path);
      expect(Number(r[3])).toBe(again.images[i].score);
      expect(r[4]).toBe(again.images[i].score > t ? 'anomaly' : 'ok');
    });
    expect(rows.filter((r) => r[1] === 'good' && r[4] === 'anomaly')).toHaveLength(0);
    expect(again.image_auroc).toBe(json.image_auroc);
    for (const id of ['eval-roc', 'eval-pro', 'eval-histogram']) {
      const png = await downloadOf(page, () => page.getByTestId(`${id}-png`).click());
      const img = PNG.sync.read(png.bytes);
      expect(img.width).toBeGreaterThan(200);
      expect(png.name).toMatch(/\.png$/);
    }
  });

  it("a generated defect's region in the inspector matches its mask (area, box), and the batch CSV lists it", async () => {
    await openTab(page, 'inspect');
    await page.getByTestId('file-input').setInputFiles(data.regionSample.file);
    await waitForIdle(page);
    const name = path.basename(data.regionSample.file);
    await page.locator(`[data-testid="image-list-item"][data-name="${name}"]`).click();
    const first = page.locator('[data-testid="region-item"]').first();
    await first.waitFor();
    const r = {
      area: Number(await first.getAttribute('data-area')),
      box: await Promise.all(['data-x0', 'data-y0', 'data-x1', 'data-y1'].map(async (a) => Number(await first.getAttribute(a)))),
    };
    console.log(`region ${JSON.stringify(r)} vs mask area ${data.regionSample.area}, box ${JSON.stringify(data.regionSample.box)}`);
    r.box.forEach((v, k) => expect(Math.abs(v - data.regionSample.box[k])).toBeLessThanOrEqual(5));
    expect(Math.abs(r.area / data.regionSample.area - 1)).toBeLessThan(0.15);
    await screenshot(page, 'evaluate-viewer-regions');

    const batch = (await downloadText(page, 'export-inspected-csv')).text.trim().split('\n');
    expect(batch[0]).toBe('file,score,verdict,regions,region_list,model,threshold,sigma,scales,date,source,captured_at');
    const row = csvFields(batch.find((l) => l.startsWith(`${name},`))!);
    expect(row).toHaveLength(12);
    expect(row.slice(10)).toEqual(['file', '']);
    expect(Number(row[3])).toBe(Number(await page.getByTestId('region-list').getAttribute('data-count')));
    expect(row[4]).toContain(`${r.area}px`);
    const threshold = await page.evaluate(() => (window as unknown as { __rdInspector: { store: { getState(): { threshold: number } } } }).__rdInspector.store.getState().threshold);
    expect(Number(row[6])).toBe(threshold);
    expect(row[2]).toBe(Number(row[1]) > threshold ? 'anomaly' : 'ok');
    expect(app.foreignRequests).toEqual([]);
  });
});

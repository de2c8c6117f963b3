/**
 * npm run bench:teach -- --data <MVTec-layout category> [--images N] [--backend auto|wasm|webgl|webgpu] [--json]
 *
 * Teaching a new product through the real app, measured: builds and serves the app, opens it in headless
 * Chromium, adds N evenly spaced photos of train/good in the Teach tab and trains with the choices a user
 * gets by default (the preset the panel opens with; the new-product proposal taken when the panel makes
 * it), then drops every test image at once on the Inspect tab, as a user would, and scores the app's own
 * maps with the project's metrics. Masks of another size are resized (nearest) to the map size, as the
 * eval CLI does; defective images without a mask count for the image metrics only.
 *
 * Keys of --json: image_auroc, pixel_auroc, pro, hot_in_mask (share of masked defective images whose
 * hottest point lies in the mask), good_flagged / defect_passed (at the calibrated threshold), train_s
 * (wall time of training), backend — exactly these keys; what the augmentation setting ('auto' by default)
 * decided is logged on stderr. Fractions in [0, 1]; a metric without data is null.
 */
import type { Page } from 'playwright-core';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, SWIFTSHADER_WEBGPU_FLAGS, buildApp, launchChromium, openApp, startPreview } from '../harness/browser';
import { resizeNearestMask } from '../src/data/image';
import type { InspectorState } from '../src/store';
import { auroc, pooledPixelMetrics } from '../src/metrics';
import { UserError, choiceOption, formatSeconds, intOption, parseCliArgs, runCli } from './lib/cli-support';
import { evenlySpaced, scanMvtecCategory, type MvtecTestItem } from './lib/dataset';
import { readMask } from './lib/image-io';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Own output folder, so this build never replaces the dist/ an e2e run may be serving. */
const OUT_DIR = path.join(ROOT, '.cache', 'bench-teach-dist');
const BACKENDS = ['auto', 'wasm', 'webgl', 'webgpu'] as const;

const USAGE = `usage: npm run bench:teach -- --data DIR [options]
  --data DIR        an MVTec-layout category (train/good, test/<kind>, ground_truth/<kind>; any image size, gray or RGB)
  --images N        photos of train/good to teach, evenly spaced over the sorted names (default 10)
  --backend B       ${BACKENDS.join(' | ')} (default auto: the app's own choice)
  --timeout MIN     for the whole run (default 60)
  --json            one JSON object on stdout (progress stays on stderr)`;

export interface TeachReport {
  image_auroc: number;
  pixel_auroc: number | null;
  pro: number | null;
  hot_in_mask: number | null;
  good_flagged: number;
  defect_passed: number;
  train_s: number;
  backend: string;
}

const MIME: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg' };

function fileFor(p: string, name = path.basename(p)) {
  return { name, mimeType: MIME[path.extname(p).toLowerCase()] ?? 'application/octet-stream', buffer: readFileSync(p) };
}

/** The test image's name in the app's list: unique across defect folders (they reuse 000.png …). */
function listName(item: MvtecTestItem): string {
  return `${item.defect}__${path.basename(item.path)}`;
}

/** The store the app exposes on the page for tests and debugging (src/main.tsx). */
interface AppHook {
  __rdInspector: { store: { getState(): InspectorState } };
}

interface PageMap {
  score: number;
  size: number;
  /** Float32 map, base64. */
  map: string;
}

/** The smoothed map the viewer shows (model defaults: σ, fused scales) and its score, of the listed image `name`. */
function readMap(page: Page, name: string): Promise<PageMap | null> {
  return page.evaluate((n) => {
    const s = (window as unknown as AppHook).__rdInspector.store.getState();
    const item = s.items.find((i) => i.name === n);
    if (!item?.smoother) return null;
    const sm = item.smoother.smooth(s.scales, s.sigma, s.meta?.map?.fusion ?? 'sum');
    const bytes = new Uint8Array(sm.values.buffer, sm.values.byteOffset, sm.values.byteLength);
    let bin = '';
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return { score: sm.score, size: sm.size, map: btoa(bin) };
  }, name);
}

async function teach(page: Page, photos: string[], log: (s: string) => void): Promise<{ trainS: number; newProduct: boolean; augmented: boolean }> {
  await page.getByTestId('tab-teach').click();
  await page.getByTestId('train-file-input').setInputFiles(photos.map((p) => fileFor(p)));
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="train-image"][data-status="ready"]').length === n, photos.length, { timeout: 120_000 });
  // The panel scores all the photos with the loaded model and times a step; wait for both.
  await page.locator(`[data-testid="teach-advice"][data-check="done"][data-checked="${photos.length}"]`).waitFor({ timeout: 300_000 });
  await page.getByTestId('train-estimate').and(page.locator('[data-ms]:not([data-ms=""])')).waitFor({ timeout: 300_000 });
  let newProduct = false;
  if (await page.getByTestId('new-product-accept').isVisible()) {
    newProduct = true;
    log('the panel proposes a new product: accepted (fresh weights)');
    await page.getByTestId('new-product-accept').click();
  }
  log(`estimate: ${await page.getByTestId('train-estimate').textContent()}`);
  const decision = page.getByTestId('train-augment-decision');
  const augmented = (await decision.getAttribute('data-augment')) === 'true';
  log(`augmentation: ${await decision.textContent()}`);
  const t0 = performance.now();
  await page.getByTestId('train-start').click();
  await page.locator('[data-testid="train-status"]:not([data-status="running"])').waitFor({ timeout: 0 });
  const status = await page.getByTestId('train-status').getAttribute('data-status');
  if (status !== 'done') throw new UserError(`training ended "${status}": ${await page.getByTestId('train-status').textContent()}`, 1);
  return { trainS: (performance.now() - t0) / 1000, newProduct, augmented };
}

async function main(): Promise<void> {
  const { values: a } = parseCliArgs(process.argv.slice(2), {
    data: { type: 'string' }, images: { type: 'string' }, backend: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' },
  }, USAGE);
  if (a.help) {
    console.log(USAGE);
    return;
  }
  if (!a.data) throw new UserError(`--data is required\n\n${USAGE}`);
  const category = scanMvtecCategory(path.resolve(a.data), { requireTest: true });
  const n = intOption(a.images, 'images', 10, 1, 100);
  const backend = choiceOption(a.backend, 'backend', 'auto', BACKENDS);
  const timeoutMs = intOption(a.timeout, 'timeout', 60, 1, 24 * 60) * 60_000;
  if (!existsSync(CHROMIUM)) throw new UserError(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  if (!category.test.some((t) => t.label === 0) || !category.test.some((t) => t.label === 1)) throw new UserError(`${category.root}/test needs both good and anomalous images`);
  const photos = evenlySpaced(category.train, n);
  const log = (s: string) => process.stderr.write(s + '\n');

  log(`building into ${path.relative(ROOT, OUT_DIR)} …`);
  await buildApp({ outDir: OUT_DIR, pages: ['index.html'] });
  const server = await startPreview(OUT_DIR);
  const browser = await launchChromium(backend === 'webgpu' ? SWIFTSHADER_WEBGPU_FLAGS : []);
  const deadline = setTimeout(() => void browser.close(), timeoutMs);
  try {
    const app = await openApp(browser, server.baseUrl, backend === 'auto' ? '' : `?backend=${backend}`);
    const { page } = app;
    await page.getByTestId('model-status').filter({ hasText: /ready/i }).waitFor({ timeout: 300_000 });
    const running = (await page.getByTestId('backend-badge').textContent())?.trim() ?? '?';
    log(`${category.name}: teaching ${photos.length} of ${category.train.length} photos on ${running} (${await page.getByTestId('backend-reason').textContent().catch(() => 'forced')})`);
    const { trainS, newProduct, augmented } = await teach(page, photos, log);
    log(`trained in ${formatSeconds(trainS)}${newProduct ? ' (new product, fresh weights)' : ''}`);

    await page.getByTestId('tab-inspect').click();
    const before = await page.getByTestId('image-list-item').count();
    await page.getByTestId('file-input').setInputFiles(category.test.map((t) => fileFor(t.path, listName(t))));
    await page.waitForFunction(
      (want) => {
        const items = [...document.querySelectorAll('[data-testid="image-list-item"]')];
        return items.length >= want && items.every((e) => e.getAttribute('data-verdict') !== 'pending');
      },
      before + category.test.length,
      { timeout: 0, polling: 500 },
    );
    const { threshold, finalBackend } = await page.evaluate(() => {
      const s = (window as unknown as AppHook).__rdInspector.store.getState();
      return { threshold: s.threshold, finalBackend: s.backend?.backend ?? '?' };
    });

    const scores: number[] = [];
    const labels: number[] = [];
    const pixelMaps: Float32Array[] = [];
    const pixelMasks: Uint8Array[] = [];
    let hot = 0;
    let masked = 0;
    let size = 0;
    for (const item of category.test) {
      const m = await readMap(page, listName(item));
      if (!m) throw new UserError(`${listName(item)}: the app has no map for it (see the page's error banner)`, 1);
      const buf = Buffer.from(m.map, 'base64');
      const map = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4).slice();
      size = m.size;
      scores.push(m.score);
      labels.push(item.label);
      if (item.label === 1 && !item.maskPath) continue;
      let mask: Uint8Array = new Uint8Array(size * size);
      if (item.maskPath) {
        const raw = await readMask(item.maskPath);
        mask = raw.width === size && raw.height === size ? raw.data : resizeNearestMask(raw.data, raw.width, raw.height, size, size);
      }
      pixelMaps.push(map);
      pixelMasks.push(mask);
      if (item.label === 1 && mask.some((v) => v !== 0)) {
        masked++;
        let arg = 0;
        for (let i = 1; i < map.length; i++) if (map[i] > map[arg]) arg = i;
        if (mask[arg] !== 0) hot++;
      }
    }
    let pixelAuroc: number | null = null;
    let pro: number | null = null;
    if (masked > 0) {
      ({ pixelAuroc, pro } = pooledPixelMetrics(pixelMaps, pixelMasks, size));
    }
    // The app's verdict rule (src/store/selectors.ts scoreVerdict): anomalous above the threshold.
    const good = scores.filter((_, i) => labels[i] === 0);
    const bad = scores.filter((_, i) => labels[i] === 1);
    const report: TeachReport = {
      image_auroc: auroc(scores, labels),
      pixel_auroc: pixelAuroc,
      pro,
      hot_in_mask: masked > 0 ? hot / masked : null,
      good_flagged: good.filter((s) => s > threshold).length / good.length,
      defect_passed: bad.filter((s) => s <= threshold).length / bad.length,
      train_s: trainS,
      backend: finalBackend,
    };
    if (app.consoleErrors.length) log(`console errors: ${app.consoleErrors.join(' | ')}`);
    if (a.json) {
      process.stdout.write(JSON.stringify(report) + '\n');
    } else {
      const f = (v: number | null) => (v === null ? 'n/a' : v.toFixed(3));
      console.log(`${category.name}, ${photos.length} photos, ${report.backend}: image AUROC ${f(report.image_auroc)}, pixel AUROC ${f(report.pixel_auroc)}, PRO ${f(report.pro)}, ` +
        `hottest point in mask ${f(report.hot_in_mask)} (${hot}/${masked}); at threshold ${threshold.toFixed(4)}: good flagged ${f(report.good_flagged)}, defects passed ${f(report.defect_passed)}; ` +
        `training ${formatSeconds(trainS)}${augmented ? ', augmented' : ''}`);
    }
  } finally {
    clearTimeout(deadline);
    await browser.close().catch(() => undefined);
    await server.close();
  }
}

runCli(main);

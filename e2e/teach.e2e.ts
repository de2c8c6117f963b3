/**
 * Teaching a new product, in headless Chromium with the app's own backend choice (no ?backend=): the
 * backend measured at start-up (on this machine WebGL is SwiftShader, so wasm must win) and its cached
 * choice on a reload; the fabric model shown a wood image says "not your product" and points to Teach;
 * teaching wood from the fabric model takes the new-product path (the proposal appears, accepted it trains
 * from fresh weights at the fresh learning rate); the unsaved-model guard asks before training again;
 * Cancel returns the panel to idle within 2 s while elapsed time keeps ticking during a step, and the page
 * keeps painting (no main-thread task over 50 ms) while training. The new-product run trains the default
 * preset (200 steps at batch 4) and must localise most wood gallery defects; the other runs are a few steps only.
 * Images: the committed gallery (public/samples/) and the generator's wood train split, rendered here.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import path from 'node:path';
import { renderSample } from '../src/data/synthetic';
import { InstrumentedPage, launchChromium, openApp } from '../harness/browser';
import { maskHitNear, readPublicFile, readPublicPng, readSampleIndex, screenshot, viewerState, rgbPng, waitForIdle, waitForModel, type PngFile } from './app-helpers';

const index = readSampleIndex();
const fabric = index.categories.find((c) => c.id === 'fabric')!;
const wood = index.categories.find((c) => c.id === 'wood')!;
const woodGood = wood.samples.find((s) => s.label === 'good')!;



/** Normal wood photos: the gallery's good ones and `n` of the generator's train split. */
function woodPhotos(n: number): PngFile[] {
  const gallery = wood.samples.filter((s) => s.label === 'good').map((s) => ({ name: path.basename(s.file), mimeType: 'image/png', buffer: readPublicFile(s.file) }));
  const generated = Array.from({ length: n }, (_, i) => {
    const { image } = renderSample({ category: 'wood', split: 'train', label: 'good', index: i, seed: index.seed });
    return { name: `wood_train_${i}.png`, mimeType: 'image/png', buffer: rgbPng(image) };
  });
  return [...gallery, ...generated];
}

interface StoreView {
  backend: { backend: string; choice?: { how: string; key: string; reason: string } } | null;
  meta: { fineTune?: { start: string }; training: { learningRate: number } } | null;
}

function storeView(page: Page): Promise<StoreView> {
  return page.evaluate(() => {
    const s = (window as unknown as { __rdInspector: { store: { getState(): StoreView } } }).__rdInspector.store.getState();
    return { backend: s.backend, meta: s.meta };
  });
}

/** The message of the next dialog, answered with `accept`; rejects when none comes within 10 s. */
function nextDialog(page: Page, accept: boolean): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no dialog was shown')), 10_000);
    page.once('dialog', (d) => {
      clearTimeout(timer);
      resolve(d.message());
      void (accept ? d.accept() : d.dismiss());
    });
  });
}

async function trainStatus(page: Page): Promise<string | null> {
  return page.getByTestId('train-status').getAttribute('data-status');
}

describe('teaching a new product (the app\'s own backend choice)', () => {
  let browser: Browser;
  let app: InstrumentedPage;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    app = await openApp(browser, inject('baseUrl'));
    page = app.page;
    await waitForModel(page);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('the backend is chosen by measurement: with a software WebGL here it is wasm, and a reload uses the cached choice', async () => {
    const first = await storeView(page);
    const choice = first.backend!.choice!;
    console.log(`backend ${first.backend!.backend}: ${choice.reason} (key ${choice.key})`);
    expect(choice.how).toBe('measured');
    expect(await page.getByTestId('backend-badge').textContent()).toBe(first.backend!.backend);
    expect(await page.getByTestId('backend-reason').textContent()).toContain(choice.reason.replace(/^\w+ — /, ''));
    // A software renderer never wins over wasm.
    if (/webgl=[^|]*(swiftshader|llvmpipe)/i.test(choice.key)) expect(first.backend!.backend).not.toBe('webgl');
    // This machine: no WebGPU adapter, WebGL on SwiftShader → wasm, and the badge says why.
    if (/webgpu=none/.test(choice.key) && /webgl=[^|]*swiftshader/i.test(choice.key)) {
      expect(first.backend!.backend).toBe('wasm');
      expect(choice.reason).toMatch(/^wasm — WebGL here is a software renderer, [\d.]+× slower$/);
    }
    await screenshot(page, 'teach-01-badge');
    await page.reload();
    await waitForModel(page);
    const again = await storeView(page);
    expect(again.backend).toMatchObject({ backend: first.backend!.backend, choice: { how: 'cached', key: choice.key } });
    expect(await page.getByTestId('backend-reason').getAttribute('data-how')).toBe('cached');
  });

  it('the fabric model shown a wood image says "not your product" and points to Teach; its own defect does not', async () => {
    expect(await page.getByTestId('model-picker').inputValue()).toBe(fabric.id);
    const defect = fabric.samples.find((s) => s.label === 'defect')!;
    await page.locator(`[data-testid="gallery-item"][data-file="${defect.file}"]`).click();
    await waitForIdle(page);
    await page.locator(`[data-testid="image-list-item"][data-name="${path.basename(defect.file)}"]`).click();
    await page.getByTestId('overlay-canvas').and(page.locator('[data-score]')).waitFor();
    expect(await page.getByTestId('not-your-product').count()).toBe(0);

    const name = `wood-${path.basename(woodGood.file)}`;
    await page.getByTestId('file-input').setInputFiles({ name, mimeType: 'image/png', buffer: readPublicFile(woodGood.file) });
    await page.locator(`[data-testid="image-list-item"][data-name="${name}"]`).waitFor();
    await waitForIdle(page);
    await page.locator(`[data-testid="image-list-item"][data-name="${name}"]`).click();
    await page.getByTestId('not-your-product').waitFor();
    expect(await page.getByTestId('not-your-product').textContent()).toMatch(/Not your product\?.*Woven fabric/);
    await screenshot(page, 'teach-02-not-your-product');
    await page.getByTestId('not-your-product-teach').click();
    await page.getByTestId('train-panel').waitFor();
  });

  it('teaching wood from the fabric model: the panel proposes a new product, and accepted, trains from fresh weights', async () => {
    const photos = woodPhotos(5);
    await page.getByTestId('train-file-input').setInputFiles(photos);
    await expect.poll(() => page.locator('[data-testid="train-image"][data-status="ready"]').count()).toBe(photos.length);
    // Scored as they come in: wait until the check covers every photo.
    await page.locator(`[data-testid="teach-advice"][data-check="done"][data-checked="${photos.length}"]`).waitFor({ timeout: 120_000 });
    await page.getByTestId('new-product').waitFor();
    expect(await page.getByTestId('new-product').textContent()).toMatch(new RegExp(`^${photos.length} of ${photos.length} photos lie far outside`));
    expect(await page.getByTestId('train-start-select').inputValue()).toBe('current');
    await page.getByTestId('new-product-accept').click();
    expect(await page.getByTestId('train-start-select').inputValue()).toBe('fresh');
    expect(Number(await page.getByTestId('train-lr').inputValue())).toBe(0.005);
    // The estimate comes from a step timed here.
    await page.getByTestId('train-estimate').and(page.locator('[data-ms]:not([data-ms=""])')).waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('train-estimate').textContent()).toMatch(/^≈ .+ on \w+ \(one step here: [\d.]+ s at batch \d\)$/);
    await screenshot(page, 'teach-03-proposal');
    // The default preset (what a user gets): Standard, 200 steps at batch 4.
    await page.getByTestId('train-start').click();
    await expect.poll(() => trainStatus(page), { timeout: 400_000, interval: 500 }).toBe('done');
    const after = await storeView(page);
    expect(after.meta?.fineTune?.start).toBe('fresh');
    expect(after.meta?.training.learningRate).toBe(0.005);
  });

  it('the wood model taught so puts the hottest point inside the mask for most wood gallery defects', async () => {
    await page.getByRole('tab', { name: 'Inspect' }).click();
    const defects = wood.samples.filter((s) => s.label !== 'good' && s.mask);
    const named = (s: (typeof defects)[number]) => `taught-${path.basename(s.file)}`;
    await page.getByTestId('file-input').setInputFiles(defects.map((s) => ({ name: named(s), mimeType: 'image/png', buffer: readPublicFile(s.file) })));
    await expect.poll(() => page.getByTestId('image-list-item').filter({ hasText: 'taught-' }).count()).toBe(defects.length);
    await waitForIdle(page);
    const hits: string[] = [];
    for (const s of defects) {
      await page.locator(`[data-testid="image-list-item"][data-name="${named(s)}"]`).click();
      await page.getByTestId('overlay-canvas').and(page.locator('[data-score]')).waitFor();
      const v = await viewerState(page);
      const mask = readPublicPng(s.mask!);
      if (maskHitNear(mask, v.hotX * mask.width, v.hotY * mask.height, 3)) hits.push(path.basename(s.file));
    }
    await screenshot(page, 'teach-03b-taught-wood');
    console.log(`taught wood model: hottest point in the mask for ${hits.length} of ${defects.length} gallery defects (${hits.join(', ')})`);
    expect(hits.length).toBeGreaterThan(defects.length / 2);
    await page.getByRole('tab', { name: 'Teach' }).click();
  });

  it('the unsaved-model guard asks before training again; declined, nothing starts', async () => {
    const asked = nextDialog(page, false);
    await page.getByTestId('train-start').click();
    expect(await asked).toMatch(/is not saved\. Training again discards it\. Continue\?/);
    expect(await trainStatus(page)).toBe('done');
  });

  it('Cancel returns the panel to idle within 2 s; elapsed time advances during a run; the page keeps painting', async () => {
    await page.getByTestId('train-steps').fill('400');
    const asked = nextDialog(page, true);
    await page.getByTestId('train-start').click();
    await asked;
    // From here: the unsaved-model question (window.confirm) blocks the page until it is answered, by
    // design, so its task lasts as long as the test's answer takes — not the app's work. (One full run saw
    // a 55-ms task in this window when it still included the dialog; the rerun saw 0 ms.)
    await app.resetLongTasks();
    await page.locator('[data-testid="train-progress"][data-phase="training"]').waitFor({ timeout: 120_000 });
    const elapsed = () => page.getByTestId('train-elapsed').textContent();
    const e1 = await elapsed();
    await page.waitForTimeout(2100);
    const e2 = await elapsed();
    expect(e2).not.toBe(e1);
    const longest = Math.max(0, ...(await app.longTasks()));
    console.log(`elapsed ${e1} → ${e2}; longest main-thread task while training: ${Math.round(longest)} ms`);
    expect(longest).toBeLessThan(50);
    const t0 = Date.now();
    await page.getByTestId('train-cancel').click();
    await expect.poll(() => trainStatus(page), { timeout: 2000, interval: 50 }).toBe('cancelled');
    const ms = Date.now() - t0;
    console.log(`cancel → idle in ${ms} ms`);
    expect(ms).toBeLessThan(2000);
    expect(await page.getByTestId('train-status').textContent()).toMatch(/cancelled.*kept/i);
    expect(await page.getByTestId('train-start').isEnabled()).toBe(true);
    await screenshot(page, 'teach-04-cancelled');
  });
});

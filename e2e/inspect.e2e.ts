/**
 * The inspection flow on the wasm backend in headless Chromium: default model and gallery on start,
 * drop a defective sample → the hottest point of the fused map lies in its mask, scale toggles and σ
 * change the overlay (σ also the score), threshold → verdicts, a bad file is explained and the next good
 * one works, export, keyboard-only use, no request off localhost, no main-thread task over 50 ms.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import path from 'node:path';
import { PNG } from 'pngjs';
import { InstrumentedPage, launchChromium, openApp } from '../harness/browser';
import { SampleEntry, screenshot, maskHitNear, readPublicPng, readSampleIndex, viewerState, waitForIdle, waitForModel, largestDefect, readPublicFile, downloadOf, dropFiles } from './app-helpers';

const index = readSampleIndex();
const category = index.categories[0];
const defective: SampleEntry = largestDefect(category.samples);
const good = category.samples.find((s) => s.label === 'good')!;

async function listItems(page: Page): Promise<{ name: string; score: number; verdict: string }[]> {
  return page.getByTestId('image-list-item').evaluateAll((els) => els.map((e) => ({
    name: e.getAttribute('data-name') ?? '',
    score: Number(e.getAttribute('data-score')),
    verdict: e.getAttribute('data-verdict') ?? '',
  })));
}

describe(`inspection app on wasm (${category.id})`, () => {
  let browser: Browser;
  let app: InstrumentedPage;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    app = await openApp(browser, inject('baseUrl'), '?backend=wasm');
    page = app.page;
    await waitForModel(page);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('opens with the default model, its gallery and the wasm backend', async () => {
    expect(await page.getByTestId('backend-badge').textContent()).toMatch(/wasm/i);
    // The preview server sends COOP/COEP: the page is cross-origin isolated and wasm runs one thread per core.
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(await page.getByTestId('backend-threads').textContent()).toBe(`· ${Math.min(8, cores)} thread${Math.min(8, cores) === 1 ? '' : 's'}`);
    expect(await page.getByTestId('model-picker').inputValue()).toBe(category.id);
    const options = await page.getByTestId('model-picker').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options).toEqual(expect.arrayContaining(index.categories.map((c) => c.id)));
    expect(await page.getByTestId('gallery-item').count()).toBe(category.samples.length);
    await screenshot(page, '01-start');
  });

  it('a dropped defective sample: the hottest point of the fused map lies in its mask, and the UI never blocks', async () => {
    const name = path.basename(defective.file);
    await dropFiles(page, [{ name, type: 'image/png', bytes: readPublicFile(defective.file) }], () => app.resetLongTasks());
    await page.locator(`[data-testid="image-list-item"][data-name="${name}"]`).waitFor();
    await waitForIdle(page);
    await page.locator(`[data-testid="image-list-item"][data-name="${name}"]`).click();
    const v = await viewerState(page);
    const mask = readPublicPng(defective.mask!);
    expect(v.score).toBeGreaterThan(0);
    expect(maskHitNear(mask, v.hotX * mask.width, v.hotY * mask.height, 3)).toBe(true);
    expect(await page.getByTestId('stage-timings').textContent()).toMatch(/teacher.*student.*maps/is);
    // Longest main-thread task per drop (decode, worker round trip, smoothing, colormap, React render). Our
    // own blocking work would show in every drop; a task stretched by the OS giving both cores to other
    // processes (e.g. the previous test file's browser shutting down) shows in one. So: three drops, and the
    // median drop must stay under 50 ms.
    const worst = [Math.max(0, ...(await app.longTasks()))];
    for (const repeat of ['repeat-1.png', 'repeat-2.png']) {
      await dropFiles(page, [{ name: repeat, type: 'image/png', bytes: readPublicFile(defective.file) }], () => app.resetLongTasks());
      await page.locator(`[data-testid="image-list-item"][data-name="${repeat}"]`).waitFor();
      await waitForIdle(page);
      worst.push(Math.max(0, ...(await app.longTasks())));
    }
    console.log(`longest main-thread task per drop (decode + inference + render), ms: ${JSON.stringify(worst.map(Math.round))}`);
    expect([...worst].sort((a, b) => a - b)[1]).toBeLessThan(50);
    await page.locator(`[data-testid="image-list-item"][data-name="${name}"]`).click();
    await screenshot(page, '02-defect-overlay');
  });

  it('M1/M2/M3 toggles change the rendered overlay (at least one scale stays on)', async () => {
    const states = [await viewerState(page)];
    for (const k of [1, 2, 3]) {
      const box = page.getByTestId(`toggle-m${k}`);
      await box.click();
      states.push(await viewerState(page));
      await box.click();
    }
    const digests = new Set(states.map((s) => s.digest));
    expect(digests.size).toBeGreaterThanOrEqual(3);
    expect((await viewerState(page)).digest).toBe(states[0].digest);
    // turning every scale off is refused: one always stays checked
    for (const k of [1, 2, 3]) {
      const box = page.getByTestId(`toggle-m${k}`);
      if (await box.isChecked()) await box.click();
    }
    const checked = await Promise.all([1, 2, 3].map((k) => page.getByTestId(`toggle-m${k}`).isChecked()));
    expect(checked.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    await screenshot(page, '03-single-scale');
    // restore the model's default selection
    await page.getByTestId('model-picker').selectOption(category.id);
  });

  it('σ re-smooths the cached maps: overlay and score change, no new inference', async () => {
    await waitForIdle(page);
    const slider = page.getByTestId('sigma-slider');
    const sigma0 = Number(await slider.inputValue());
    const before = await viewerState(page);
    const timings = await page.getByTestId('stage-timings').textContent();
    await slider.fill('0');
    const sharp = await viewerState(page);
    await slider.fill('8');
    const smooth = await viewerState(page);
    expect(sharp.digest).not.toBe(smooth.digest);
    expect(sharp.score).toBeGreaterThan(smooth.score); // a wider Gaussian lowers the peak
    expect(Number(await page.getByTestId('score').textContent().then((t) => t?.match(/[\d.]+/)?.[0]))).toBeCloseTo(smooth.score, 3);
    console.log(`σ=8 re-render of the cached maps: ${smooth.renderMs.toFixed(1)} ms`);
    await slider.fill(String(sigma0));
    expect((await viewerState(page)).score).toBeCloseTo(before.score, 6);
    expect(await page.getByTestId('stage-timings').textContent()).toBe(timings);
  });

  it('threshold edits update the verdicts of all listed images live', async () => {
    await page.locator(`[data-testid="gallery-item"][data-file="${good.file}"]`).click();
    await expect.poll(() => page.getByTestId('image-list-item').count()).toBeGreaterThanOrEqual(2);
    await waitForIdle(page);
    const items = await listItems(page);
    const scores = items.map((i) => i.score).sort((a, b) => b - a);
    expect(items.map((i) => i.score)).toEqual(scores); // sorted by score, descending
    const threshold = page.getByTestId('threshold-input');
    await threshold.fill(String(scores[scores.length - 1] / 2));
    await expect.poll(async () => (await listItems(page)).every((i) => i.verdict === 'anomaly')).toBe(true);
    await threshold.fill(String(scores[0] * 2));
    await expect.poll(async () => (await listItems(page)).every((i) => i.verdict === 'ok')).toBe(true);
    await expect.poll(() => page.getByTestId('verdict').getAttribute('data-verdict')).toBe('ok');
  });

  it('a bad file is explained, and the next good file still works', async () => {
    await dropFiles(page, [{ name: 'notes.png', type: 'image/png', bytes: Buffer.from('these are not pixels\n') }]);
    const banner = page.getByTestId('error-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/notes\.png/);
    await screenshot(page, '04-bad-file');
    const truncated = readPublicFile(good.file).subarray(0, 2000);
    await dropFiles(page, [{ name: 'truncated.png', type: 'image/png', bytes: truncated }]);
    await expect.poll(async () => (await page.getByTestId('error-banner').textContent()) ?? '').toMatch(/truncated\.png/);
    const count = (await listItems(page)).filter((i) => i.verdict !== 'error').length;
    await dropFiles(page, [{ name: 'again.png', type: 'image/png', bytes: readPublicFile(defective.file) }]);
    await expect.poll(async () => (await listItems(page)).filter((i) => i.verdict !== 'error').length).toBe(count + 1);
    await waitForIdle(page);
    const again = (await listItems(page)).find((i) => i.name === 'again.png')!;
    expect(again.score).toBeGreaterThan(0);
  });

  it('exports the heatmap and the overlay as PNG files at the image size', async () => {
    for (const id of ['export-heatmap', 'export-overlay']) {
      const download = await downloadOf(page, () => page.getByTestId(id).click());
      expect(download.name).toMatch(/\.png$/);
      const png = PNG.sync.read(download.bytes);
      expect(png.width).toBeGreaterThan(0);
      expect(png.height).toBeGreaterThan(0);
    }
  });

  it('keyboard only: shortcuts toggle scales and σ, Tab reaches the controls, arrows walk the list', async () => {
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    // with M2 on, `1` can always toggle M1 (the last scale on cannot be turned off)
    if (!(await page.getByTestId('toggle-m2').isChecked())) await page.getByTestId('toggle-m2').click();
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    const m1 = await page.getByTestId('toggle-m1').isChecked();
    await page.keyboard.press('1');
    expect(await page.getByTestId('toggle-m1').isChecked()).toBe(!m1);
    await page.keyboard.press('1');
    expect(await page.getByTestId('toggle-m1').isChecked()).toBe(m1);
    const sigma = Number(await page.getByTestId('sigma-slider').inputValue());
    await page.keyboard.press(']');
    expect(Number(await page.getByTestId('sigma-slider').inputValue())).toBe(Math.min(8, sigma + 0.25));
    await page.keyboard.press('[');
    expect(Number(await page.getByTestId('sigma-slider').inputValue())).toBe(sigma);
    // Tab through the page: every main control is reachable
    const reached = new Set<string>();
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press('Tab');
      const id = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.closest('[data-testid]')?.getAttribute('data-testid') ?? '');
      if (id) reached.add(id);
    }
    for (const id of ['model-picker', 'file-input', 'sigma-slider', 'opacity-slider', 'threshold-input', 'toggle-m1', 'toggle-m2', 'toggle-m3', 'export-heatmap', 'colormap-select']) {
      expect(reached, `Tab never reached ${id}`).toContain(id);
    }
    // keyboard on the sigma slider
    await page.getByTestId('sigma-slider').focus();
    const s0 = Number(await page.getByTestId('sigma-slider').inputValue());
    await page.keyboard.press(s0 < 8 ? 'ArrowRight' : 'ArrowLeft');
    expect(Number(await page.getByTestId('sigma-slider').inputValue())).not.toBe(s0);
    // arrows in the image list move the selection
    await page.getByTestId('image-list-item').first().focus();
    await page.keyboard.press('Enter');
    const first = await page.locator('[data-testid="image-list-item"][aria-selected="true"]').getAttribute('data-name');
    await page.keyboard.press('ArrowDown');
    const second = await page.locator('[data-testid="image-list-item"][aria-selected="true"]').getAttribute('data-name');
    expect(second).not.toBe(first);
    await screenshot(page, '05-keyboard');
  });

  it('nothing was requested from anywhere but the local server, and no uncaught page error', () => {
    expect(app.foreignRequests).toEqual([]);
    expect(app.consoleErrors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
  });
});

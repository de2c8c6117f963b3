/**
 * What a new user trips over, checked where only a browser sees it (1440 × 900, wasm): the header stays on
 * one line and the Teach tab's "Start from" select inside its panel with a long model name; a negative or
 * empty threshold is refused visibly and the field returns to the value in force; ↑/↓ move the image
 * selection page-wide (not while a slider has them); refusing to untick the last scale says why; a Train
 * button that cannot start says what is missing.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openApp, type InstrumentedPage } from '../harness/browser';
import { inspectSample, readSampleIndex, screenshot, waitForModel } from './app-helpers';

const category = readSampleIndex().categories[0];
const LONG_NAME = 'Woven fabric line 2 — left camera, after the lens cleaning of the night shift · fine-tuned';

type Box = { x: number; y: number; width: number; height: number };

async function box(page: Page, selector: string): Promise<Box> {
  const b = await page.locator(selector).first().boundingBox();
  if (!b) throw new Error(`${selector} is not displayed`);
  return b;
}

const selectedName = (page: Page) => page.locator('[data-testid="image-list-item"][aria-selected="true"]').getAttribute('data-name');

describe(`walkthrough at 1440 px (${category.id}, wasm)`, () => {
  let browser: Browser;
  let app: InstrumentedPage;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    app = await openApp(browser, inject('baseUrl'), '?backend=wasm');
    page = app.page;
    await page.setViewportSize({ width: 1440, height: 900 });
    await waitForModel(page);
    // A model with a long name, as a user's fine-tuned model has: the picker entry's title is what the page shows.
    await page.evaluate((title) => {
      type Entry = { id: string; title: string };
      type Store = { setState(f: (s: { models: Entry[]; activeModelId: string | null }) => { models: Entry[] }): void };
      const { store } = (window as unknown as { __rdInspector: { store: Store } }).__rdInspector;
      store.setState((s) => ({ models: s.models.map((m) => (m.id === s.activeModelId ? { ...m, title } : m)) }));
    }, LONG_NAME);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('the header is one line with a long model name and the stage timings shown', async () => {
    for (const s of category.samples.filter((x) => x.label === 'good').slice(0, 2)) await inspectSample(page, s.file);
    expect(await page.getByTestId('stage-timings').textContent()).toMatch(/teacher/);
    const parts = await Promise.all(['.app-title', '.header-model', '.header-engine'].map((s) => box(page, s)));
    const header = await box(page, 'header.app-header');
    const tallest = Math.max(...parts.map((p) => p.height));
    for (const p of parts) expect(Math.abs(p.y + p.height / 2 - (parts[0].y + parts[0].height / 2))).toBeLessThan(tallest / 2);
    expect(header.height).toBeLessThan(tallest * 2);
    for (const p of parts) expect(p.x + p.width).toBeLessThanOrEqual(header.x + header.width + 0.5);
    await screenshot(page, 'walk-01-header');
  });

  it('the Teach tab keeps "Start from" inside the Training panel, and a Train button that cannot start says why', async () => {
    await page.getByTestId('tab-teach').click();
    const panel = await box(page, '.train-settings');
    const select = await box(page, '[data-testid="train-start-select"]');
    expect(select.x + select.width).toBeLessThanOrEqual(panel.x + panel.width + 0.5);
    expect(await page.locator('.train-settings').evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    expect(await page.getByTestId('train-start').isDisabled()).toBe(true);
    const blocker = page.getByTestId('train-start-blocker');
    expect(await blocker.textContent()).toMatch(/Add at least one normal image/);
    expect(await page.getByTestId('train-start').getAttribute('aria-describedby')).toBe(await blocker.getAttribute('id'));
    expect(await page.getByTestId('train-images-kept').textContent()).toMatch(/not stored/);
    await screenshot(page, 'walk-02-teach');
    await page.getByTestId('tab-inspect').click();
  });

  it('a negative or empty threshold is refused visibly, and the field then shows the value in force', async () => {
    const input = page.getByTestId('threshold-input');
    const inForce = await input.inputValue();
    const verdicts = () => page.getByTestId('image-list-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-verdict')));
    const before = await verdicts();
    await input.fill('-1');
    expect(await page.getByTestId('threshold-problem').textContent()).toMatch(/cannot be below 0.*In force: /);
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    expect(await verdicts()).toEqual(before);
    await input.fill('');
    expect(await page.getByTestId('threshold-problem').textContent()).toMatch(/Enter a threshold/);
    await input.blur();
    expect(await input.inputValue()).toBe(inForce);
    expect(await page.getByTestId('threshold-problem').count()).toBe(0);
  });

  it('↑/↓ move the image selection from anywhere on the page, but a focused slider keeps its arrows', async () => {
    await page.getByTestId('zoom-fit').focus();
    const first = await selectedName(page);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowDown');
    const moved = await selectedName(page);
    await page.keyboard.press('ArrowUp');
    const back = await selectedName(page);
    expect(new Set([first, moved, back]).size).toBe(2);
    expect(back).not.toBe(moved);
    const slider = page.getByTestId('sigma-slider');
    await slider.focus();
    const sigma = await slider.inputValue();
    await page.keyboard.press('ArrowDown');
    expect(await slider.inputValue()).not.toBe(sigma);
    expect(await selectedName(page)).toBe(back);
  });

  it('unticking the last scale with its key says why it stays on', async () => {
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const on = async () => Promise.all([1, 2, 3].map((k) => page.getByTestId(`toggle-m${k}`).isChecked()));
    const start = await on();
    // Turn scales off with their keys until one is left, then try the last one.
    for (let k = 0; k < 3 && (await on()).filter(Boolean).length > 1; k++) if ((await on())[k]) await page.keyboard.press(String(k + 1));
    const last = (await on()).indexOf(true);
    await page.keyboard.press(String(last + 1));
    expect((await on()).filter(Boolean)).toHaveLength(1);
    expect(await page.getByTestId('scale-hint').textContent()).toMatch(/At least one scale stays on/);
    for (let k = 0; k < 3; k++) if ((await on())[k] !== start[k]) await page.keyboard.press(String(k + 1));
    expect(await on()).toEqual(start);
    expect(await page.getByTestId('scale-hint').textContent()).toBe('');
    expect(app.consoleErrors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
  });
});

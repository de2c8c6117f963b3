/**
 * Live inspection from a camera, with Chromium's fake camera playing a video made from the gallery by
 * cli/make-camera-video.ts (a good part, then the category's largest defect, alternating): the verdict
 * flips on the defect and its hottest point lies in the mask, throughput is shown and the page never
 * blocks, capture (button and key) and auto-capture add the right frames to the image list, the ROI
 * survives a reload, stop releases the camera, an unplugged camera and a denied permission are
 * explained while the rest of the app keeps working, and no request leaves localhost.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchChromium, openApp, REPO_ROOT, type InstrumentedPage } from '../harness/browser';
import { largestDefect, maskHitNear, readPublicPng, readSampleIndex, screenshot, waitForIdle, waitForModel } from './app-helpers';

const index = readSampleIndex();
const category = index.categories[0];
const defective = largestDefect(category.samples);
const good = category.samples.find((s) => s.label === 'good')!;
const SEGMENT_FRAMES = 15; // 1.5 s of each part at 10 fps

interface LiveSample {
  frame: number;
  verdict: string;
  score: number;
  hotX: number;
  hotY: number;
}

async function liveSample(page: Page): Promise<LiveSample | null> {
  return page.evaluate(() => {
    const heat = document.querySelector<HTMLElement>('[data-testid="live-heat"]');
    const verdict = document.querySelector<HTMLElement>('[data-testid="verdict"]');
    if (!heat?.dataset.frame || !verdict) return null;
    return { frame: Number(heat.dataset.frame), verdict: verdict.dataset.verdict ?? '', score: Number(heat.dataset.score), hotX: Number(heat.dataset.hotX), hotY: Number(heat.dataset.hotY) };
  });
}

/** Live samples until both verdicts were seen `n` times each (or the timeout). */
async function collectVerdicts(page: Page, n: number, timeoutMs = 120_000): Promise<LiveSample[]> {
  const seen = new Map<number, LiveSample>();
  const t0 = Date.now();
  const count = (v: string) => [...seen.values()].filter((s) => s.verdict === v).length;
  while (Date.now() - t0 < timeoutMs && (count('ok') < n || count('anomaly') < n)) {
    const s = await liveSample(page);
    if (s) seen.set(s.frame, s);
    await page.waitForTimeout(60);
  }
  return [...seen.values()];
}

async function startCamera(page: Page): Promise<void> {
  if ((await page.getByTestId('camera-view').count()) === 0) await page.getByTestId('camera-toggle').click();
  await page.getByTestId('camera-start').click();
  await page.locator('[data-testid="live-heat"][data-frame]').waitFor({ timeout: 120_000 });
}

/** Camera frames in the store's image list, classified by which gallery part their pixels are nearest to. */
async function capturedFrames(page: Page): Promise<{ name: string; capturedAt: string; nearest: 'good' | 'defect'; score: number }[]> {
  return page.evaluate(async ([goodFile, defectFile]) => {
    const read = async (file: string) => {
      const bmp = await createImageBitmap(await (await fetch(file)).blob());
      const ctx = new OffscreenCanvas(bmp.width, bmp.height).getContext('2d')!;
      ctx.drawImage(bmp, 0, 0);
      return ctx.getImageData(0, 0, bmp.width, bmp.height).data;
    };
    const refs = { good: await read(goodFile), defect: await read(defectFile) };
    const mad = (a: ArrayLike<number>, b: ArrayLike<number>) => {
      let s = 0;
      for (let i = 0; i < a.length; i++) if (i % 4 !== 3) s += Math.abs(a[i] - b[i]);
      return s / ((a.length * 3) / 4);
    };
    type Item = { name: string; origin?: string; capturedAt?: string; score: number | null; image: { pixels: { rgba: Uint8ClampedArray } } | null };
    const items = (window as unknown as { __rdInspector: { store: { getState(): { items: Item[] } } } }).__rdInspector.store.getState().items;
    return items
      .filter((i) => i.origin === 'camera' && i.image)
      .map((i) => {
        const px = i.image!.pixels.rgba;
        return { name: i.name, capturedAt: i.capturedAt ?? '', nearest: mad(px, refs.good) < mad(px, refs.defect) ? ('good' as const) : ('defect' as const), score: i.score ?? Number.NaN };
      });
  }, [good.file, defective.file]);
}

describe(`live camera on wasm (${category.id}, fake camera)`, () => {
  let dir: string;
  let video: string;
  let browser: Browser;
  let app: InstrumentedPage;
  let page: Page;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rd-camera-'));
    video = path.join(dir, 'camera.y4m');
    execFileSync(
      process.execPath,
      [path.join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'cli/make-camera-video.ts', '--out', video, '--category', category.id, '--good', good.file, '--defect', defective.file, '--segment-frames', String(SEGMENT_FRAMES), '--fps', '10'],
      { cwd: REPO_ROOT, stdio: 'pipe' },
    );
    browser = await launchChromium(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`]);
    app = await openApp(browser, inject('baseUrl'), '?backend=wasm');
    page = app.page;
    await waitForModel(page);
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the live heatmap and verdict: the verdict flips on the defect and its hottest point lies in the mask', async () => {
    await startCamera(page);
    expect(await page.getByTestId('camera-crop-note').textContent()).toMatch(/No ROI: the whole frame \(384×256\) centre-cropped to the model’s square aspect \(256×256\)/);
    const samples = await collectVerdicts(page, 3);
    const anomalies = samples.filter((s) => s.verdict === 'anomaly');
    expect(samples.filter((s) => s.verdict === 'ok').length).toBeGreaterThanOrEqual(3);
    expect(anomalies.length).toBeGreaterThanOrEqual(3);
    const mask = readPublicPng(defective.mask!);
    for (const s of anomalies) expect(maskHitNear(mask, s.hotX * mask.width, s.hotY * mask.height, 8)).toBe(true);
    await page.locator('[data-testid="verdict"][data-verdict="anomaly"]').waitFor({ timeout: 30_000 });
    await screenshot(page, 'camera-01-live-anomaly');
    await page.locator('[data-testid="verdict"][data-verdict="ok"]').waitFor({ timeout: 30_000 });
    await screenshot(page, 'camera-02-live-ok');
  });

  it('shows frames per second and latency, and no main-thread task takes over 50 ms', async () => {
    const stats = page.getByTestId('camera-stats');
    expect(Number(await stats.getAttribute('data-fps'))).toBeGreaterThan(0);
    const p50 = Number(await stats.getAttribute('data-p50'));
    const p95 = Number(await stats.getAttribute('data-p95'));
    expect(p50).toBeGreaterThan(0);
    expect(p95).toBeGreaterThanOrEqual(p50);
    // Three 4-second windows of live inference; the median window's longest task decides (one task
    // stretched by the OS scheduling other processes on the cores does not).
    const worst: number[] = [];
    for (let i = 0; i < 3; i++) {
      await app.resetLongTasks();
      await page.waitForTimeout(4000);
      worst.push(Math.max(0, ...(await app.longTasks())));
    }
    worst.sort((a, b) => a - b);
    console.log(`camera: ${await stats.textContent()} — longest main-thread task per 4 s window: ${worst.map((w) => w.toFixed(0)).join(', ')} ms`);
    expect(worst[1]).toBeLessThanOrEqual(50);
  });

  it('capture (button and C key) adds the current frame with its map; auto-capture adds the defective frames and no good ones', async () => {
    const listed = () => page.getByTestId('image-list-item').count();
    const before = await listed();
    await page.getByTestId('camera-capture').click();
    await expect.poll(listed, { timeout: 10_000 }).toBe(before + 1);
    await page.locator('body').focus();
    await page.keyboard.press('c');
    await expect.poll(listed, { timeout: 10_000 }).toBe(before + 2);
    const manual = await capturedFrames(page);
    expect(manual).toHaveLength(2);
    for (const m of manual) expect(m.capturedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    await page.getByTestId('camera-auto-capture').check();
    await expect.poll(async () => (await capturedFrames(page)).length, { timeout: 120_000, interval: 500 }).toBeGreaterThanOrEqual(2 + 4);
    await page.getByTestId('camera-auto-capture').uncheck();
    const auto = (await capturedFrames(page)).slice(2);
    expect(auto.map((a) => a.nearest)).toEqual(auto.map(() => 'defect'));
    // At most one per second.
    const times = auto.map((a) => Date.parse(a.capturedAt)).sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(1000);
    await waitForIdle(page);
    await screenshot(page, 'camera-03-captured');
  });

  it('listed images are inferred while the camera keeps running: neither starves the other', async () => {
    const frames = () => page.evaluate(() => (window as unknown as { __rdInspector: { store: { getState(): { liveStats: { frames: number } } } } }).__rdInspector.store.getState().liveStats.frames);
    const before = await page.getByTestId('image-list-item').count();
    const f0 = await frames();
    const files = category.samples.filter((s) => s.label === 'defect').slice(0, 3).map((s) => s.file);
    for (const f of files) await page.locator(`[data-testid="gallery-item"][data-file="${f}"]`).click();
    await expect.poll(() => page.getByTestId('image-list-item').count(), { timeout: 30_000 }).toBe(before + files.length);
    await waitForIdle(page);
    const f1 = await frames();
    // While the three images waited, camera frames kept being analysed: at least one between each two
    // images (the worker answers in arrival order, one request of each in flight), i.e. n − 1 frames.
    expect(f1 - f0).toBeGreaterThanOrEqual(files.length - 1);
    expect(await page.getByTestId('camera-view').count()).toBe(1);
  });

  it('stop releases the camera: every track of the stream ends', async () => {
    await page.evaluate(() => {
      (window as unknown as { __stream: MediaStream }).__stream = document.querySelector<HTMLVideoElement>('[data-testid="camera-video"]')!.srcObject as MediaStream;
    });
    await page.getByTestId('camera-stop').click();
    const state = await page.evaluate(() => {
      const s = (window as unknown as { __stream: MediaStream }).__stream;
      return { tracks: s.getTracks().map((t) => t.readyState), video: document.querySelectorAll('[data-testid="camera-video"]').length };
    });
    expect(state.tracks.length).toBeGreaterThan(0);
    expect(state.tracks.every((t) => t === 'ended')).toBe(true);
    expect(state.video).toBe(0);
  });

  it('the ROI drawn on the picture survives a reload (per model)', async () => {
    await startCamera(page);
    const box = (await page.getByTestId('camera-box').boundingBox())!;
    // The part spans x 64..320 of the 384-px-wide frame: draw around its left half.
    await page.mouse.move(box.x + box.width * (64 / 384), box.y + box.height * 0.1);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * (192 / 384), box.y + box.height * 0.9, { steps: 5 });
    await page.mouse.up();
    const note = () => page.getByTestId('camera-crop-note').textContent();
    await expect.poll(note).toMatch(/^ROI 128×205 px of 384×256/);
    await page.getByTestId('camera-stop').click();

    await page.reload();
    await waitForModel(page);
    await startCamera(page);
    expect(await note()).toMatch(/^ROI 128×205 px of 384×256/);
    expect(await page.locator('[data-testid="camera-crop"].camera-crop-roi').count()).toBe(1);
    await screenshot(page, 'camera-04-roi');
    await page.getByTestId('camera-clear-roi').click();
    expect(await note()).toMatch(/^No ROI/);
  });

  it('a camera unplugged while running is explained, and the rest of the app keeps working', async () => {
    await page.evaluate(() => {
      const s = document.querySelector<HTMLVideoElement>('[data-testid="camera-video"]')!.srcObject as MediaStream;
      (window as unknown as { __stream: MediaStream }).__stream = s;
      // What Chromium fires when the device goes away (track.stop() by the page fires nothing).
      s.getVideoTracks()[0].dispatchEvent(new Event('ended'));
    });
    expect(await page.getByTestId('camera-error').textContent()).toMatch(/unplugged/);
    expect(await page.evaluate(() => (window as unknown as { __stream: MediaStream }).__stream.getTracks().every((t) => t.readyState === 'ended'))).toBe(true);
    await page.getByTestId('camera-toggle').click();
    const before = await page.getByTestId('image-list-item').count();
    await page.locator(`[data-testid="gallery-item"][data-file="${defective.file}"]`).click();
    await expect.poll(() => page.getByTestId('image-list-item').count()).toBe(before + 1);
    await waitForIdle(page);
    expect(await page.getByTestId('verdict').getAttribute('data-verdict')).toBe('anomaly');
  });

  it('no request left localhost during the camera flow', () => {
    expect(app.foreignRequests).toEqual([]);
  });
});

describe('camera failures in a browser', () => {
  it('permission denied and no camera are explained; images still work', async () => {
    const cases: { flags: string[]; text: RegExp }[] = [
      { flags: ['--use-fake-device-for-media-stream', '--deny-permission-prompts'], text: /Camera access was denied/ },
      { flags: ['--use-fake-ui-for-media-stream'], text: /No camera found/ },
    ];
    for (const c of cases) {
      const browser = await launchChromium(c.flags);
      try {
        const app = await openApp(browser, inject('baseUrl'), '?backend=wasm');
        await waitForModel(app.page);
        await app.page.getByTestId('camera-toggle').click();
        await app.page.getByTestId('camera-start').click();
        await expect.poll(() => app.page.getByTestId('camera-error').textContent(), { timeout: 30_000 }).toMatch(c.text);
        await app.page.getByTestId('camera-toggle').click();
        await app.page.locator(`[data-testid="gallery-item"][data-file="${good.file}"]`).click();
        await waitForIdle(app.page);
        expect(await app.page.getByTestId('image-list-item').count()).toBe(1);
        expect(app.foreignRequests).toEqual([]);
      } finally {
        await browser.close();
      }
    }
  });
});

/** Page-level helpers shared by the e2e files: waiting for the model, loading samples, reading the viewer, screenshots. */
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { RgbImage } from '../src/data/image';
import type { GalleryIndex, GallerySample } from '../src/data/synthetic/plan';
import { REPO_ROOT } from '../harness/browser';

/** Where the e2e screenshots go (not committed). */
export const ARTIFACTS = path.join(REPO_ROOT, 'artifacts/e2e');

export type SampleEntry = GallerySample;
export type SampleIndex = GalleryIndex;

export function readSampleIndex(): SampleIndex {
  return JSON.parse(readFileSync(path.join(REPO_ROOT, 'public/samples/index.json'), 'utf8')) as SampleIndex;
}

/** The category's defect sample with the largest mask: localisation checks should not hinge on a 10-px speck. */
export function largestDefect(samples: readonly SampleEntry[]): SampleEntry {
  return samples
    .filter((s) => s.label === 'defect' && s.mask)
    .map((s) => {
      const m = readPublicPng(s.mask!);
      let area = 0;
      for (let i = 0; i < m.width * m.height; i++) if (m.data[i * 4] > 127) area++;
      return { s, area };
    })
    .sort((a, b) => b.area - a.area)[0].s;
}

/** A file of the app's public folder (gallery images, masks), as the server would send it. */
export function readPublicFile(rel: string): Buffer {
  return readFileSync(path.join(REPO_ROOT, 'public', rel));
}

export function readPublicPng(rel: string): PNG {
  return PNG.sync.read(readPublicFile(rel));
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Runs `click` and returns the download it starts: suggested file name and bytes. */
export async function downloadOf(page: Page, click: () => Promise<void>): Promise<{ name: string; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  return { name: download.suggestedFilename(), bytes: await readFile(await download.path()) };
}

/** Is pixel (x, y) of a mask PNG set, or within `slack` px of a set pixel? */
export function maskHitNear(mask: PNG, x: number, y: number, slack: number): boolean {
  for (let dy = -slack; dy <= slack; dy++) {
    for (let dx = -slack; dx <= slack; dx++) {
      const px = Math.round(x) + dx;
      const py = Math.round(y) + dy;
      if (px < 0 || py < 0 || px >= mask.width || py >= mask.height) continue;
      if (mask.data[(py * mask.width + px) * 4] > 127) return true;
    }
  }
  return false;
}

export async function waitForModel(page: Page, timeout = 240_000): Promise<void> {
  await page.getByTestId('model-status').filter({ hasText: /ready/i }).waitFor({ timeout });
}

export async function backendName(page: Page): Promise<string> {
  return (await page.getByTestId('backend-badge').textContent())?.trim().toLowerCase() ?? '';
}

/** Clicks a gallery sample and waits until its inference is done; returns its list item's name. */
export async function inspectSample(page: Page, file: string, timeout = 240_000): Promise<void> {
  const before = await page.getByTestId('image-list-item').count();
  await page.locator(`[data-testid="gallery-item"][data-file="${file}"]`).click();
  await expect.poll(() => page.getByTestId('image-list-item').count(), { timeout: 30_000 }).toBeGreaterThan(before);
  await waitForIdle(page, timeout);
}

/** Waits until no listed image is pending inference. */
export async function waitForIdle(page: Page, timeout = 240_000): Promise<void> {
  await page.waitForFunction(
    () => [...document.querySelectorAll('[data-testid="image-list-item"]')].every((e) => e.getAttribute('data-verdict') !== 'pending'),
    undefined,
    { timeout, polling: 200 },
  );
}

export interface ViewerState {
  score: number;
  hotX: number;
  hotY: number;
  renderMs: number;
  /** A digest of the overlay canvas pixels, to tell whether the rendered overlay changed. */
  digest: string;
}

export async function viewerState(page: Page): Promise<ViewerState> {
  // Two animation frames first: the viewer draws in an effect after React commits the new state.
  await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
  return page.getByTestId('overlay-canvas').evaluate(async (el) => {
    const canvas = el as HTMLCanvasElement;
    const ctx = canvas.getContext('2d');
    let digest = '';
    if (ctx && canvas.width > 0) {
      const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      const hash = await crypto.subtle.digest('SHA-256', px);
      digest = [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, '0')).join('');
    }
    return {
      score: Number(canvas.dataset.score),
      hotX: Number(canvas.dataset.hotX),
      hotY: Number(canvas.dataset.hotY),
      renderMs: Number(canvas.dataset.renderMs),
      digest,
    };
  });
}

/**
 * Drops files on the drop zone through a real DataTransfer, as a user's drag and drop does. The files are
 * built in the page first (a separate task), so the long-task measurement sees only the app's own work.
 */
export async function dropFiles(page: Page, files: { name: string; type: string; bytes: Buffer }[], onStaged?: () => Promise<void>): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, type: f.type, b64: f.bytes.toString('base64') }));
  await page.evaluate(async (items) => {
    const dt = new DataTransfer();
    for (const it of items) {
      const blob = await (await fetch(`data:${it.type};base64,${it.b64}`)).blob();
      dt.items.add(new File([blob], it.name, { type: it.type }));
    }
    (window as unknown as { __staged: DataTransfer }).__staged = dt;
  }, payload);
  await onStaged?.();
  await page.getByTestId('drop-zone').evaluate((zone) => {
    const dt = (window as unknown as { __staged: DataTransfer }).__staged;
    for (const type of ['dragenter', 'dragover', 'drop']) {
      zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }
  });
}

export interface PngFile {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/** 8-bit RGB pixels as an RGB PNG. */
export function rgbPng(image: RgbImage): Buffer {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}

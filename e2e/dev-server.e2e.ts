/**
 * `npm start` on a fresh install: the dev server pre-bundles every dependency the page and its worker
 * import before the first page is served, so the first visit is the only load — no "optimized
 * dependencies changed. reloading" and no second navigation — and the model becomes ready.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launchChromium, startDevServer, type DevServer } from '../harness/browser';
import { waitForModel } from './app-helpers';

describe('dev server, first visit after install', () => {
  let browser: Browser;
  let server: DevServer;
  let cacheDir: string;

  beforeAll(async () => {
    cacheDir = await mkdtemp(path.join(os.tmpdir(), 'rd-inspector-vite-'));
    server = await startDevServer(cacheDir);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  it('loads the page once and runs the model without a dependency re-optimisation', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    let loads = 0;
    page.on('load', () => loads++);
    await page.goto(`${server.baseUrl}?backend=wasm`);
    await waitForModel(page);
    // A late re-optimisation reloads after the worker's imports are found: give it time to show.
    await page.waitForTimeout(2000);
    const reloads = server.log.filter((l) => /optimized dependencies changed|reloading/i.test(l));
    expect(reloads).toEqual([]);
    expect(loads).toBe(1);
    await context.close();
  });
});

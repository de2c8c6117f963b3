/**
 * Debian Chromium through playwright-core (never a downloaded browser), plus the page instrumentation
 * every e2e test wants: requests to anything but the local server, console errors, long main-thread tasks.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { preview } from 'vite';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ARTIFACTS = path.join(REPO_ROOT, 'artifacts/e2e');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const BASE_FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
/** Software WebGPU (SwiftShader over Vulkan): the only WebGPU adapter on a machine without a GPU. */
export const SWIFTSHADER_WEBGPU_FLAGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader'];

export async function launchChromium(extraFlags: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...BASE_FLAGS, ...extraFlags] });
}

export interface InstrumentedPage {
  context: BrowserContext;
  page: Page;
  /** Every URL the page requested that is not on the local preview server (must stay empty). */
  foreignRequests: string[];
  consoleErrors: string[];
  /** Durations (ms) of main-thread long tasks observed since `resetLongTasks`. */
  longTasks(): Promise<number[]>;
  resetLongTasks(): Promise<void>;
}

export async function openApp(browser: Browser, baseUrl: string, query = ''): Promise<InstrumentedPage> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const origin = new URL(baseUrl).origin;
  const foreignRequests: string[] = [];
  const consoleErrors: string[] = [];
  // Requests from the page and from its workers both pass through the context.
  context.on('request', (req) => {
    const url = req.url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return;
    if (new URL(url).origin !== origin) foreignRequests.push(url);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(`${baseUrl}${query}`);
  return {
    context,
    page,
    foreignRequests,
    consoleErrors,
    longTasks: () => page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks.slice()),
    resetLongTasks: () => page.evaluate(() => {
      (window as unknown as { __longTasks: number[] }).__longTasks = [];
    }),
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** `vite preview` of a build (default dist/) on a free localhost port. */
export async function startPreview(outDir?: string): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  const server = await preview({
    root: REPO_ROOT,
    logLevel: 'warn',
    ...(outDir ? { build: { outDir } } : {}),
    preview: { port: 0, host: '127.0.0.1', strictPort: false, open: false },
  });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('the preview server has no port');
  return {
    baseUrl: `http://127.0.0.1:${address.port}/`,
    close: () => new Promise<void>((resolve) => server.httpServer.close(() => resolve())),
  };
}

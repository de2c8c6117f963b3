/**
 * Driving the app in a real browser, for everything that does so: the e2e tests (e2e/), the browser
 * benchmarks (cli/bench-browser.ts) and any later tool that measures the app in Chromium. It lives
 * here, not in e2e/ or cli/, so that tests and tools both use it without importing each other.
 *
 *   buildApp()       production build of the app's pages (vite.config.ts), into dist/ or a folder of one's own
 *   startPreview()   `vite preview` of such a build on a free localhost port
 *   startDevServer() the `npm start` dev server (vite.config.ts) on a free localhost port, with its own cache
 *   launchChromium() Debian's headless Chromium through playwright-core (never a downloaded browser)
 *   openApp()        a fresh page on the served build, instrumented: requests leaving the local server,
 *                    console errors, renderer crashes, main-thread long tasks
 *
 * Node only (Vite, playwright-core); imports nothing from cli/ or e2e/.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build, createServer, loadConfigFromFile, preview } from 'vite';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const BASE_FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
/** Software WebGPU (SwiftShader over Vulkan): the only WebGPU adapter on a machine without a GPU. */
export const SWIFTSHADER_WEBGPU_FLAGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader'];

/** Headless Chromium at {@link CHROMIUM} with the flags every run needs plus `extraFlags`. */
export async function launchChromium(extraFlags: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...BASE_FLAGS, ...extraFlags] });
}

export interface BuildOptions {
  /** Output folder (default dist/). A tool builds into its own, so it never replaces the dist/ an e2e run may be serving. */
  outDir?: string;
  /** HTML pages to build, relative to the repository root (e.g. ['bench.html']); default: every page vite.config.ts lists. */
  pages?: readonly string[];
}

/**
 * Production build with vite.config.ts. NODE_ENV is production while it runs: vitest sets it to `test`, and
 * Vite would then bundle React's development build; tests and benchmarks measure what users get.
 */
export async function buildApp(opts: BuildOptions = {}): Promise<void> {
  const loaded = await loadConfigFromFile({ command: 'build', mode: 'production' }, path.join(REPO_ROOT, 'vite.config.ts'), REPO_ROOT, 'warn');
  const config = loaded?.config ?? {};
  const { rollupOptions: _r, rolldownOptions, ...buildOptions } = config.build ?? {};
  const input = opts.pages
    ? Object.fromEntries(opts.pages.map((p) => [path.basename(p, '.html'), path.join(REPO_ROOT, p)]))
    : rolldownOptions?.input;
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      ...config,
      configFile: false,
      root: REPO_ROOT,
      mode: 'production',
      logLevel: 'warn',
      build: { ...buildOptions, ...(opts.outDir ? { outDir: opts.outDir, emptyOutDir: true } : {}), rolldownOptions: { ...rolldownOptions, input } },
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

export interface PreviewServer {
  /** http://127.0.0.1:<port>/ */
  baseUrl: string;
  close(): Promise<void>;
}

/** `vite preview` of a build (default dist/) on a free localhost port. */
export async function startPreview(outDir?: string): Promise<PreviewServer> {
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

export interface DevServer extends PreviewServer {
  /** Everything the server logged (info and warnings), e.g. "optimized dependencies changed. reloading". */
  log: string[];
}

/**
 * The dev server `npm start` runs (vite.config.ts), on a free localhost port. `cacheDir` is its dependency
 * pre-bundling cache: a fresh folder is a first visit after install, without touching the shared
 * node_modules/.vite of other servers.
 */
export async function startDevServer(cacheDir: string): Promise<DevServer> {
  const log: string[] = [];
  const record = (msg: string) => log.push(msg);
  const server = await createServer({
    root: REPO_ROOT,
    configFile: path.join(REPO_ROOT, 'vite.config.ts'),
    cacheDir,
    clearScreen: false,
    customLogger: {
      info: record,
      warn: record,
      warnOnce: record,
      error: record,
      clearScreen: () => undefined,
      hasErrorLogged: () => false,
      hasWarned: false,
    },
    server: { port: 0, host: '127.0.0.1', strictPort: false, open: false },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('the dev server has no port');
  return { baseUrl: `http://127.0.0.1:${address.port}/`, log, close: () => server.close() };
}

export interface InstrumentedPage {
  context: BrowserContext;
  page: Page;
  /** Every URL the page requested that is not on the local preview server (must stay empty). */
  foreignRequests: string[];
  consoleErrors: string[];
  /** Whether the page's renderer crashed (usually out of memory). */
  crashed(): boolean;
  /** Durations (ms) of main-thread long tasks observed since `resetLongTasks`. */
  longTasks(): Promise<number[]>;
  resetLongTasks(): Promise<void>;
}

/**
 * A new browser context and page, instrumented, at `baseUrl` + `pathAndQuery` (e.g. '?backend=wasm', or
 * 'bench.html?…' for the bench page). The instrumentation is in place before the page loads.
 */
export async function openApp(browser: Browser, baseUrl: string, pathAndQuery = ''): Promise<InstrumentedPage> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const origin = new URL(baseUrl).origin;
  const foreignRequests: string[] = [];
  const consoleErrors: string[] = [];
  let crashed = false;
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
  page.on('crash', () => {
    crashed = true;
  });
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(`${baseUrl}${pathAndQuery}`);
  return {
    context,
    page,
    foreignRequests,
    consoleErrors,
    crashed: () => crashed,
    longTasks: () => page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks.slice()),
    resetLongTasks: () => page.evaluate(() => {
      (window as unknown as { __longTasks: number[] }).__longTasks = [];
    }),
  };
}

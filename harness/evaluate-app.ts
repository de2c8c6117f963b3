/**
 * Driving the Evaluate tab as a user does, for the e2e test and `npm run eval:browser`: import a model
 * bundle folder through "Your models" (model.json, weights.bin, meta.json given to the import input),
 * make it the active model, give a dataset folder to the Evaluate tab's directory input, wait for the
 * result and download its JSON report. Node only (playwright-core); imports nothing from cli/ or e2e/.
 */
import type { Page } from 'playwright-core';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export async function openTab(page: Page, tab: 'inspect' | 'teach' | 'evaluate' | 'models'): Promise<void> {
  await page.getByTestId(`tab-${tab}`).click();
}

/** Waits for the header's model status to read "ready". */
export async function waitForReadyModel(page: Page, timeout = 240_000): Promise<void> {
  await page.getByTestId('model-status').filter({ hasText: /ready/i }).waitFor({ timeout });
}

/** Imports the bundle in `dir` into the library and makes it the active model; returns its library id. */
export async function importAndUseBundle(page: Page, dir: string, timeout = 240_000): Promise<string> {
  await openTab(page, 'models');
  const items = page.getByTestId('library-item');
  await page.getByTestId('library').waitFor({ timeout });
  const before = new Set(await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-id') ?? '')));
  await page.getByTestId('import-input').setInputFiles(['model.json', 'weights.bin', 'meta.json'].map((f) => path.join(dir, f)));
  const deadline = Date.now() + timeout;
  let id: string | undefined;
  while (!id) {
    const ids = await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-id') ?? ''));
    id = ids.find((x) => x && !before.has(x));
    if (id) break;
    const banner = await page.getByTestId('error-banner').allTextContents();
    const error = await page.locator('.library-panel .hint-warn').allTextContents();
    if (banner.length > 0 || error.length > 0) throw new Error(`the bundle ${dir} was not imported: ${[...banner, ...error].join(' ')}`);
    if (Date.now() > deadline) throw new Error(`the bundle ${dir} did not appear in "Your models" within ${timeout / 1000} s`);
    await page.waitForTimeout(200);
  }
  await page.locator(`[data-testid="library-item"][data-id="${id}"] [data-testid="library-use"]`).click();
  await page.waitForFunction(
    (want) => {
      const s = (window as unknown as { __rdInspector: { store: { getState(): { activeModelId: string | null; modelStatus: string } } } }).__rdInspector.store.getState();
      return s.activeModelId === want && (s.modelStatus === 'ready' || s.modelStatus === 'error');
    },
    id,
    { timeout, polling: 200 },
  );
  await waitForReadyModel(page, 1000);
  return id;
}

/** Gives `dataDir` to the Evaluate tab's directory input and waits until the evaluation ends; returns its status. */
export async function evaluateFolder(page: Page, dataDir: string, timeout = 600_000): Promise<void> {
  await openTab(page, 'evaluate');
  type EvalState = { evalStatus: string; evalError: string | null; evalResult: { date: string } | null };
  const state = () => page.evaluate(() => {
    const s = (window as unknown as { __rdInspector: { store: { getState(): EvalState } } }).__rdInspector.store.getState();
    return { status: s.evalStatus, error: s.evalError, date: s.evalResult?.date ?? null };
  });
  const before = (await state()).date;
  await page.getByTestId('eval-folder-input').setInputFiles(dataDir);
  await page.waitForFunction(
    (prev) => {
      const s = (window as unknown as { __rdInspector: { store: { getState(): EvalState } } }).__rdInspector.store.getState();
      return s.evalStatus === 'error' || s.evalStatus === 'cancelled' || (s.evalStatus === 'done' && s.evalResult?.date !== prev);
    },
    before,
    { timeout, polling: 250 },
  );
  const end = await state();
  if (end.status !== 'done') throw new Error(`the evaluation of ${dataDir} ended "${end.status}": ${end.error ?? ''}`);
}

/** Clicks `testId` and returns the downloaded file's name and text. */
export async function downloadText(page: Page, testId: string): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  return { name: download.suggestedFilename(), text: await readFile(await download.path(), 'utf8') };
}

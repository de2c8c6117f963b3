/**
 * npm run eval:browser -- --data <category dir> --model <bundle dir> [--json] [--backend wasm|webgl|webgpu] [--no-build]
 *
 * The CLI's evaluation (`npm run eval`) run through the app in headless Chromium: the bundle is imported in
 * "Your models" as a user would (model.json, weights.bin, meta.json), made active, and the dataset folder is
 * given to the Evaluate tab's directory input; the tab's JSON export is read back. Prints the keys of
 * `npm run eval -- --json` (image_auroc, pixel_auroc, pro, n_images, …) plus the streaming method's error
 * bounds. Works on any MVTec-layout folder (train/ is not read).
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp, launchChromium, openApp, startPreview } from '../harness/browser';
import { downloadText, evaluateFolder, importAndUseBundle } from '../harness/evaluate-app';
import { UserError, choiceOption, intOption, parseCliArgs, runCli } from './lib/cli-support';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Own build folder, so this never replaces the dist/ an e2e run may be serving. */
const OUT_DIR = path.join(ROOT, '.cache', 'eval-browser-dist');

const USAGE = `usage: npm run eval:browser -- --data <category dir> --model <bundle dir> [options]
  --backend B     wasm | webgl | webgpu: the app's ?backend= (default wasm); auto: no ?backend=, the app picks as for a user
  --timeout MIN   for the whole evaluation (default 30)
  --no-build      serve the previous build in .cache/eval-browser-dist as it is
  --json          one JSON object on stdout (progress stays on stderr)`;

function requireDir(p: string, what: string): string {
  const abs = path.resolve(p);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new UserError(`${what} is not a folder: ${abs}`);
  return abs;
}

async function main(): Promise<void> {
  const { values: a } = parseCliArgs(process.argv.slice(2), {
    data: { type: 'string' }, model: { type: 'string' }, backend: { type: 'string' }, timeout: { type: 'string' },
    'no-build': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean' },
  }, USAGE);
  if (a.help) {
    console.log(USAGE);
    return;
  }
  if (!a.data || !a.model) throw new UserError(`--data and --model are required\n\n${USAGE}`);
  const data = requireDir(a.data, '--data');
  if (!existsSync(path.join(data, 'test'))) throw new UserError(`test folder missing: ${path.join(data, 'test')}`);
  const model = requireDir(a.model, '--model');
  for (const f of ['model.json', 'weights.bin', 'meta.json']) {
    if (!existsSync(path.join(model, f))) throw new UserError(`--model: ${path.join(model, f)} is missing (a bundle folder holds model.json, weights.bin, meta.json)`);
  }
  const backend = choiceOption(a.backend, 'backend', 'wasm', ['wasm', 'webgl', 'webgpu', 'auto'] as const);
  const timeoutMs = intOption(a.timeout, 'timeout', 30, 1, 24 * 60) * 60_000;
  const log = (m: string) => process.stderr.write(`${m}\n`);

  if (!a['no-build'] || !existsSync(path.join(OUT_DIR, 'index.html'))) {
    log('building the app…');
    await buildApp({ outDir: OUT_DIR, pages: ['index.html'] });
  }
  const server = await startPreview(OUT_DIR);
  const browser = await launchChromium();
  try {
    const app = await openApp(browser, server.baseUrl, backend === 'auto' ? '' : `?backend=${backend}`);
    log(`importing ${model}…`);
    await importAndUseBundle(app.page, model, timeoutMs);
    log(`evaluating ${data}…`);
    const t0 = Date.now();
    await evaluateFolder(app.page, data, timeoutMs);
    const { text } = await downloadText(app.page, 'eval-export-json');
    const report = JSON.parse(text) as Record<string, unknown>;
    const used = (await app.page.getByTestId('backend-badge').textContent())?.trim().toLowerCase() ?? backend;
    log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const out = {
      category: path.basename(data),
      model,
      image_auroc: report.image_auroc,
      pixel_auroc: report.pixel_auroc,
      pro: report.pro,
      n_images: report.n_images,
      n_good: report.n_good,
      n_anomalous: report.n_anomalous,
      n_pixel_images: report.n_pixel_images,
      n_anomalous_without_mask: report.n_anomalous_without_mask,
      pixel_auroc_error_bound: report.pixel_auroc_error_bound,
      pro_error_bound: report.pro_error_bound,
      sigma: report.sigma,
      scales: report.scales,
      backend: used,
      date: report.date,
    };
    if (app.crashed()) throw new Error('the page crashed during the evaluation');
    if (a.json) {
      process.stdout.write(JSON.stringify(out) + '\n');
    } else {
      const f = (v: unknown) => (typeof v === 'number' ? v.toFixed(4) : 'n/a');
      console.log(`${out.category}: image AUROC ${f(out.image_auroc)}, pixel AUROC ${f(out.pixel_auroc)}, PRO ${f(out.pro)} (${String(out.n_images)} images, ${String(out.n_pixel_images)} with pixel labels; in Chromium on ${used})`);
    }
    await app.context.close();
  } finally {
    await browser.close();
    await server.close();
  }
}

runCli(main);

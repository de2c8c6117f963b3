/**
 * npm run bench:browser [-- --json] [--backends wasm,webgl] [--webgpu] [--images N] [--epochs N] …
 *
 * The browser side of the benchmarks: builds the app (bench.html is its second page), serves the build
 * with `vite preview` on a free localhost port and runs bench.html in Debian's headless Chromium once
 * per backend, in a fresh browser each time: inference through the app's worker (stage timings), the
 * viewer's re-render of a 256² map for σ 1/4/8 (issue #4: target < 16 ms), fine-tuning time per epoch
 * (issue #5) and the worker's tensor count. Prints figures; asserts nothing.
 */
import type { Browser } from 'playwright-core';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, SWIFTSHADER_WEBGPU_FLAGS, buildApp, launchChromium, openApp, startPreview } from '../harness/browser';
import {
  BENCH_BACKENDS, PROJECTION, RERENDER_TARGET_MS, benchQuery, type BenchBackend, type BenchError, type BenchResult,
} from '../src/bench/bench-core';
import { cameraLine, measureCamera, type CameraBenchResult } from './lib/camera-bench';
import { UserError, formatSeconds, intOption, numberOption, parseCliArgs, runCli } from './lib/cli-support';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Own output folder, so a bench build never replaces the dist/ an e2e run may be serving. */
const OUT_DIR = path.join(ROOT, '.cache', 'bench-dist');

const USAGE = `usage: npm run bench:browser -- [options]
  --backends LIST     comma-separated, from ${BENCH_BACKENDS.join(', ')} (default wasm,webgl)
  --webgpu            also run webgpu, on SwiftShader's software WebGPU adapter (the only one without a GPU)
  --images N          normal images to fine-tune on, 0 = skip fine-tuning (default 10)
  --epochs N          fine-tuning epochs (default 2)
  --size N            side of the generated images in px (default 256; the worker resizes to the model input)
  --model ID          shipped model, a folder under public/models/students/ (default fabric)
  --reps N            timed inferences after one warm-up (default 5)
  --renders N         timed re-renders per σ (default 20)
  --timeout MIN       per backend, minutes (default 60; WebGL here is SwiftShader, i.e. the CPU)
  --chromium-flags S  extra Chromium flags for every run, e.g. on a GPU machine
                      "--enable-unsafe-webgpu --enable-features=Vulkan --use-angle=vulkan"
  --camera-seconds N  camera mode on wasm: the app's live view on Chromium's fake camera, measured
                      for N s after a warm-up (default 20; 0 = skip)
  --no-build          serve the previous build in .cache/bench-dist as it is
  --json              one JSON object on stdout (progress stays on stderr)`;

interface Machine {
  cpus: number;
  model: string;
  memoryGiB: number;
  platform: string;
  loadAvgStart: number[];
  loadAvgEnd: number[];
}

interface BackendRun {
  requested: BenchBackend;
  ok: boolean;
  wallMs: number;
  error: BenchError | null;
  result: BenchResult | null;
  consoleErrors: string[];
}

function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    model: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAvgStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
    loadAvgEnd: [],
  };
}

function checkModelFiles(root: string, model: string, where: string): void {
  const dir = path.join(root, 'models', 'students', model);
  if (!existsSync(path.join(dir, 'meta.json'))) throw new UserError(`--model ${model}: no model at ${path.relative(ROOT, dir)} (${where})`);
  let teacher: string;
  try {
    teacher = (JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8')) as { teacher: { id: string } }).teacher.id;
  } catch (e) {
    throw new UserError(`${path.relative(ROOT, dir)}/meta.json cannot be read: ${(e as Error).message}`);
  }
  const teacherDir = path.join(root, 'models', 'teacher', teacher);
  if (!existsSync(path.join(teacherDir, 'model.json'))) {
    throw new UserError(`model ${model} needs teacher ${teacher}, which is not in ${path.relative(ROOT, teacherDir)} (npm run models:teacher -- --teacher ${teacher})`);
  }
}

type Poll = { result: BenchResult | null; error: BenchError | null; progress: string };

async function runBackend(baseUrl: string, backend: BenchBackend, query: string, flags: string[], timeoutMs: number, log: (s: string) => void): Promise<BackendRun & { chromium: string }> {
  const t0 = performance.now();
  const browser: Browser = await launchChromium(flags);
  const chromium = browser.version();
  let consoleErrors: string[] = [];
  const finish = (r: Omit<BackendRun, 'requested' | 'wallMs' | 'consoleErrors'>) => ({ ...r, requested: backend, wallMs: performance.now() - t0, consoleErrors, chromium });
  try {
    const app = await openApp(browser, baseUrl, `bench.html${query}`);
    const { page } = app;
    consoleErrors = app.consoleErrors;
    let shown = '';
    let shownAt = 0;
    for (;;) {
      if (app.crashed()) return finish({ ok: false, error: { stage: 'page', message: 'the page crashed (out of memory?)' }, result: null });
      const s: Poll = await page.evaluate(() => ({ result: window.__benchResult ?? null, error: window.__benchError ?? null, progress: window.__benchProgress ?? '' }));
      if (s.result) return finish({ ok: s.result.trainingError === null, error: null, result: s.result });
      if (s.error) return finish({ ok: false, error: s.error, result: null });
      const elapsed = performance.now() - t0;
      if (elapsed > timeoutMs) return finish({ ok: false, error: { stage: s.progress || 'start', message: `no result after ${formatSeconds(timeoutMs / 1000)} (raise --timeout)` }, result: null });
      // Progress lines: on a new stage at once, within one stage every 10 s at most.
      const stageOf = (t: string) => t.split(/[:…]/)[0];
      if (s.progress && s.progress !== shown && (stageOf(s.progress) !== stageOf(shown) || performance.now() - shownAt > 10_000)) {
        log(`  [${backend} ${formatSeconds(elapsed / 1000)}] ${s.progress}`);
        shown = s.progress;
        shownAt = performance.now();
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  } catch (e) {
    return finish({ ok: false, error: { stage: 'browser', message: (e as Error).message }, result: null });
  } finally {
    await browser.close().catch(() => undefined);
  }
}

const fmt = (x: number | null | undefined, digits = 1, width = 0): string => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits)).padStart(width);

function summary(run: BackendRun) {
  const r = run.result;
  if (!r) return null;
  const m = r.inference.median;
  const sigma8 = r.rerender.figures.find((f) => f.sigma === 8) ?? r.rerender.figures[r.rerender.figures.length - 1];
  const t = r.training;
  return {
    backend: r.backend,
    fell_back: r.backend !== run.requested,
    renderer: r.renderer,
    teacher_ms: m.teacherMs,
    student_ms: m.studentMs,
    maps_ms: m.mapsMs,
    total_ms: m.totalMs,
    round_trip_ms: m.roundTripMs,
    rerender_ms: Object.fromEntries(r.rerender.figures.map((f) => [`sigma_${f.sigma}`, f.totalMs])),
    rerender_sigma8_ms: sigma8.totalMs,
    rerender_under_target: sigma8.totalMs < RERENDER_TARGET_MS,
    features_s: t ? t.featuresMs / 1000 : null,
    epoch_s: t ? (t.steadyEpochMs ?? t.epochMs[0] ?? Number.NaN) / 1000 : null,
    epoch_includes_compile: t ? t.steadyEpochMs === null : null,
    epochs_s: t ? t.epochMs.map((x) => x / 1000) : null,
    calibration_s: t ? t.calibrationMs / 1000 : null,
    training_total_s: t ? t.totalMs / 1000 : null,
    projected_10x20_s: t?.projected10x20Ms != null ? t.projected10x20Ms / 1000 : null,
    tensors: r.tensors,
  };
}

function printReport(runs: BackendRun[], chromium: string, mach: Machine, opts: { images: number; epochs: number; size: number; model: string }, wallMs: number): void {
  const first = runs.find((r) => r.result)?.result;
  console.log(`Chromium ${chromium} (headless, ${CHROMIUM}); machine: ${mach.cpus} × ${mach.model}, ${mach.memoryGiB} GiB, ${mach.platform}`);
  console.log(`load average (1/5/15 min) at start ${mach.loadAvgStart.join(' / ')}, at end ${mach.loadAvgEnd.join(' / ')}`);
  if (first) {
    const mm = first.model;
    console.log(`model ${opts.model} (${mm.teacher}, input ${mm.inputSize}², student ${mm.widths.join('/')} e${mm.embedChannels}, scales ${mm.scales.join('+')} ${mm.fusion}); image ${opts.size}²; ` +
      `inference median of ${first.params.reps} after a warm-up; re-render median of ${first.params.renders} (fresh MapSmoother + turbo colormap + putImageData, ${first.rerender.mapSize}² map)`);
  }
  const trainCol = `s/epoch (${opts.images} img)`;
  console.log('');
  console.log(`backend  teacher_ms  student_ms  maps_ms  total_ms  rerender_σ8_ms (<${RERENDER_TARGET_MS})  features_s  ${trainCol}  ${PROJECTION.images} img × ${PROJECTION.epochs} ep (projected)`);
  for (const run of runs) {
    const s = summary(run);
    if (!s) {
      console.log(`${run.requested.padEnd(8)} failed at ${run.error?.stage ?? '?'}: ${run.error?.message ?? 'unknown error'}`);
      continue;
    }
    const name = s.fell_back ? `${run.requested}→${s.backend}` : s.backend;
    const target = `${fmt(s.rerender_sigma8_ms, 1)} ${s.rerender_under_target ? 'ok' : 'SLOW'}`;
    const epoch = s.epoch_s === null ? '-' : `${fmt(s.epoch_s, 1)}${s.epoch_includes_compile ? '*' : ''}`;
    const proj = s.projected_10x20_s === null ? '-' : `${formatSeconds(s.projected_10x20_s)} (${fmt(s.projected_10x20_s, 0)} s)`;
    console.log(`${name.padEnd(8)} ${fmt(s.teacher_ms, 1, 10)} ${fmt(s.student_ms, 1, 11)} ${fmt(s.maps_ms, 1, 8)} ${fmt(s.total_ms, 1, 9)} ${target.padStart(24)} ${fmt(s.features_s, 1, 11)} ${epoch.padStart(trainCol.length + 1)}  ${proj}`);
  }
  console.log('');
  for (const run of runs) {
    const r = run.result;
    const s = summary(run);
    const head = `${run.requested}:`;
    if (!r || !s) {
      if (run.consoleErrors.length) console.log(`${head} console errors: ${run.consoleErrors.slice(0, 5).join(' | ')}`);
      continue;
    }
    if (s.fell_back) console.log(`${head} asked for ${run.requested}, ran on ${r.backend} (${r.backendNotes.join('; ') || 'no reason given'})`);
    for (const c of r.backendChanges) console.log(`${head} backend changed to ${c.info.backend} during the run: ${c.reason}`);
    console.log(`${head} ${r.renderer ? `renderer ${r.renderer}; ` : ''}${r.backend === 'wasm' ? `${r.crossOriginIsolated ? 'cross-origin isolated' : 'not cross-origin isolated: wasm runs single-threaded'}; ` : ''}model load ${fmt(r.model.loadMs, 0)} ms; ` +
      `warm-up inference ${fmt(r.inference.warmup.totalMs, 0)} ms; round trip ${fmt(s.round_trip_ms, 1)} ms (median, incl. transfer)`);
    console.log(`${head} re-render ` + r.rerender.figures.map((f) => `σ${f.sigma} ${fmt(f.totalMs, 1)} ms (smooth ${fmt(f.smoothMs, 1)} + colormap ${fmt(f.colormapMs, 1)} + canvas ${fmt(f.canvasMs, 1)})`).join(', '));
    const t = r.training;
    if (t) {
      console.log(`${head} fine-tuning ${t.status}: ${t.images} images (${t.trainImages} trained, ${t.heldOutImages} held out), ${t.epochs} epochs × ${t.stepsPerEpoch} steps; ` +
        `features ${fmt(t.featuresMs / 1000, 1)} s, first step ${fmt(t.firstStepMs / 1000, 1)} s, epochs ${t.epochMs.map((x) => fmt(x / 1000, 1)).join(' / ')} s, ` +
        `calibration ${fmt(t.calibrationMs / 1000, 1)} s, total ${fmt(t.totalMs / 1000, 1)} s; losses ${t.epochLosses.map((x) => x.toFixed(4)).join(', ')}` +
        (t.message ? `; ${t.message}` : ''));
    }
    if (r.trainingError) console.log(`${head} fine-tuning FAILED (${r.trainingError.kind}): ${r.trainingError.message}`);
    console.log(`${head} tensors in the worker: ${r.tensors.afterLoad} after load, ${r.tensors.afterInference} after ${r.params.reps + 1} inferences` +
      (r.tensors.afterTraining !== null ? `, ${r.tensors.afterTraining} after fine-tuning (the trained model replaces the loaded one)` : ''));
  }
  if (runs.some((r) => r.result?.training?.steadyEpochMs === null)) console.log('* one epoch only: includes the first step\'s kernel/shader compilation (run --epochs 2 or more for a steady figure)');
  if (opts.images > 0) console.log(`projection: features and calibration × ${PROJECTION.images}/${opts.images} images, ${PROJECTION.epochs} steady epochs scaled by training images (held-out excluded), first-epoch overhead once`);
  console.log(`wall time ${formatSeconds(wallMs / 1000)}`);
}

/** Camera mode on wasm (cli/lib/camera-bench.ts); a failure is reported, not thrown, so the other figures still print. */
async function runCamera(baseUrl: string, seconds: number, model: string, flags: string[], log: (s: string) => void): Promise<CameraBenchResult | { error: string } | null> {
  if (seconds <= 0) return null;
  const publicDir = path.join(ROOT, 'public');
  if (!existsSync(path.join(OUT_DIR, 'index.html'))) return { error: `no index.html in ${path.relative(ROOT, OUT_DIR)} (run once without --no-build)` };
  log(`camera: the app's live view on wasm with Chromium's fake camera, ${seconds} s …`);
  try {
    const r = await measureCamera({ baseUrl, publicDir, backend: 'wasm', model, seconds, extraFlags: flags });
    log(`camera: ${r.fps.toFixed(1)} frames/s`);
    return r;
  } catch (e) {
    return { error: (e as Error).message };
  }
}

async function main(): Promise<void> {
  const { values: a } = parseCliArgs(process.argv.slice(2), {
    json: { type: 'boolean' }, backends: { type: 'string' }, webgpu: { type: 'boolean' }, images: { type: 'string' }, epochs: { type: 'string' },
    size: { type: 'string' }, model: { type: 'string' }, reps: { type: 'string' }, renders: { type: 'string' }, timeout: { type: 'string' },
    'chromium-flags': { type: 'string' }, 'no-build': { type: 'boolean' }, help: { type: 'boolean' }, 'camera-seconds': { type: 'string' },
  }, USAGE);
  if (a.help) {
    console.log(USAGE);
    return;
  }
  const backends = (a.backends ?? 'wasm,webgl').split(',').map((b) => b.trim()).filter(Boolean);
  for (const b of backends) if (!(BENCH_BACKENDS as readonly string[]).includes(b)) throw new UserError(`--backends: unknown backend "${b}" (${BENCH_BACKENDS.join(', ')})`);
  if (a.webgpu && !backends.includes('webgpu')) backends.push('webgpu');
  if (backends.length === 0) throw new UserError('--backends: name at least one backend');
  const images = intOption(a.images, 'images', 10, 0, 100);
  const epochs = intOption(a.epochs, 'epochs', 2, 1, 200);
  const size = intOption(a.size, 'size', 256, 32, 2048);
  const reps = intOption(a.reps, 'reps', 5, 1, 100);
  const renders = intOption(a.renders, 'renders', 20, 1, 500);
  const timeoutMs = numberOption(a.timeout, 'timeout', 60, 0, 24 * 60, true) * 60_000;
  const cameraSeconds = intOption(a['camera-seconds'], 'camera-seconds', 20, 0, 600);
  const model = a.model ?? 'fabric';
  if (!/^[A-Za-z0-9][\w.-]*$/.test(model)) throw new UserError(`--model must be a folder name under public/models/students/, got "${model}"`);
  const extraFlags = (a['chromium-flags'] ?? '').split(/\s+/).filter(Boolean);
  if (!existsSync(CHROMIUM)) throw new UserError(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);

  const log = (s: string) => process.stderr.write(s + '\n');
  const mach = machine();
  const t0 = performance.now();
  if (a['no-build']) {
    if (!existsSync(path.join(OUT_DIR, 'bench.html'))) throw new UserError(`--no-build: there is no previous build in ${path.relative(ROOT, OUT_DIR)} (run once without --no-build)`);
    checkModelFiles(OUT_DIR, model, 'in the previous build');
  } else {
    checkModelFiles(path.join(ROOT, 'public'), model, 'run npm run make:models, or name another --model');
    log(`building into ${path.relative(ROOT, OUT_DIR)} …`);
    const tb = performance.now();
    // bench.html alone: the bench does not need the app's own page (and a half-edited app cannot break it).
    await buildApp({ outDir: OUT_DIR, pages: cameraSeconds > 0 ? ['bench.html', 'index.html'] : ['bench.html'] });
    log(`built in ${((performance.now() - tb) / 1000).toFixed(1)} s`);
  }

  const server = await startPreview(OUT_DIR);
  const runs: BackendRun[] = [];
  let chromium = '?';
  let camera: CameraBenchResult | { error: string } | null;
  try {
    for (const backend of backends as BenchBackend[]) {
      const flags = [...extraFlags, ...(backend === 'webgpu' ? (a.webgpu ? SWIFTSHADER_WEBGPU_FLAGS : ['--enable-unsafe-webgpu']) : [])];
      const query = benchQuery({ backend, images, epochs, size, model, reps, renders });
      log(`${backend}: ${server.baseUrl}bench.html${query}${flags.length ? ` (flags ${flags.join(' ')})` : ''}`);
      const run = await runBackend(server.baseUrl, backend, query, flags, timeoutMs, log);
      chromium = run.chromium;
      const { chromium: _c, ...rest } = run;
      runs.push(rest);
      log(`${backend}: ${run.ok ? 'done' : `FAILED at ${run.error?.stage ?? 'fine-tuning'}: ${run.error?.message ?? run.result?.trainingError?.message}`} in ${formatSeconds(run.wallMs / 1000)}`);
    }
    camera = await runCamera(server.baseUrl, cameraSeconds, model, extraFlags, log);
  } finally {
    await server.close();
  }
  mach.loadAvgEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const wallMs = performance.now() - t0;

  if (a.json) {
    const report = {
      chromium: { version: chromium, path: CHROMIUM, headless: true },
      machine: mach,
      params: { backends, images, epochs, size, model, reps, renders },
      rerender_target_ms: RERENDER_TARGET_MS,
      projection: PROJECTION,
      backends: runs.map((r) => ({ requested: r.requested, ok: r.ok, wall_s: r.wallMs / 1000, error: r.error, summary: summary(r), result: r.result, console_errors: r.consoleErrors })),
      wall_s: wallMs / 1000,
      date: new Date().toISOString(),
      camera,
    };
    process.stdout.write(JSON.stringify(report) + '\n');
  } else {
    printReport(runs, chromium, mach, { images, epochs, size, model }, wallMs);
    if (camera) console.log('error' in camera ? `camera: FAILED: ${camera.error}` : cameraLine(camera));
  }
  const failed = runs.filter((r) => !r.ok);
  if (failed.length) throw new UserError(`${failed.map((r) => r.requested).join(', ')}: no complete result (see above)`, 1);
}

runCli(main);

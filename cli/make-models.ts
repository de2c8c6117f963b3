/**
 * npm run make:models [-- --category fabric,wood --epochs N --reuse]
 *
 * Trains the default (shipped) model of each synthetic category made by `npm run make:samples`,
 * evaluates it, measures what weight quantization costs (float16 and uint8 copies, each evaluated
 * again), and publishes the smallest copy whose image and pixel AUROC stay within QUANTIZATION_TOLERANCE
 * of float32 into public/models/students/<category>/ (model.json, weights.bin, meta.json, eval.json),
 * plus public/models/students/index.json for the app's model picker.
 *
 * Every step is one of the project's CLIs (train, eval, quantize), run as a child process, so the
 * shipped models are exactly what those commands produce.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ModelMeta } from '../src/engine/model-meta';
import { DEFAULT_TRAIN_CONFIG } from '../src/engine/train';
import { CATEGORIES, CATEGORY_IDS } from '../src/data/synthetic';
import { UserError, intOption, parseCliArgs, runCli } from './lib/cli-support';
import { REPO_ROOT, readJson, writeJsonAtomic } from './lib/model-bundle';
import type { EvalReport } from './eval';

const USAGE = `usage: npm run make:models [-- options]
  --data DIR        generated categories (default .cache/synthetic, from npm run make:samples)
  --category LIST   comma list (default: every category of the generator)
  --epochs N        training epochs (default ${DEFAULT_TRAIN_CONFIG.epochs})
  --work DIR        training runs (default runs/defaults)
  --reuse           keep an existing trained float32 bundle in the work folder instead of retraining`;

/** A quantized copy is shipped only when it loses at most this much image or pixel AUROC. */
export const QUANTIZATION_TOLERANCE = 0.002;
/** Shipped models: the small student (same accuracy as the default one on cookies, 40% less to download). */
const TRAIN_OPTIONS = ['--widths', '32,64,128', '--embed', '192', '--map-scales', '2,3', '--seed', '0'];
const QUANTIZATIONS = ['float16', 'uint8'] as const;

interface Candidate {
  dtype: string;
  dir: string;
  bytes: number;
  report: EvalReport;
}

function run(script: string, args: string[]): string {
  const rel = path.relative(REPO_ROOT, script);
  console.error(`$ tsx ${rel} ${args.join(' ')}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new UserError(`${rel} failed (exit ${r.status})`);
  return r.stdout;
}

async function weightsBytes(dir: string): Promise<number> {
  return (await stat(path.join(dir, 'weights.bin'))).size;
}

async function evaluate(dataDir: string, modelDir: string): Promise<EvalReport> {
  const out = run(path.join(REPO_ROOT, 'cli/eval.ts'), ['--data', dataDir, '--model', modelDir, '--json', '--quiet']);
  return JSON.parse(out.trim().split('\n').pop()!) as EvalReport;
}

async function main(): Promise<void> {
  const { values: a } = parseCliArgs(process.argv.slice(2), {
    data: { type: 'string' }, category: { type: 'string' }, epochs: { type: 'string' }, work: { type: 'string' },
    reuse: { type: 'boolean' }, help: { type: 'boolean' },
  }, USAGE);
  if (a.help) {
    console.log(USAGE);
    return;
  }
  const dataRoot = path.resolve(a.data ?? path.join(REPO_ROOT, '.cache/synthetic'));
  const workRoot = path.resolve(a.work ?? path.join(REPO_ROOT, 'runs/defaults'));
  const epochs = intOption(a.epochs, 'epochs', DEFAULT_TRAIN_CONFIG.epochs, 1, 1000);
  const known: readonly string[] = CATEGORY_IDS;
  const wanted = a.category ? a.category.split(',').map((s) => s.trim()) : known;
  for (const c of wanted) if (!known.includes(c)) throw new UserError(`unknown category "${c}" (have: ${known.join(', ')})`);
  const publishRoot = path.join(REPO_ROOT, 'public/models/students');

  for (const id of wanted) {
    const dataDir = path.join(dataRoot, id);
    if (!existsSync(path.join(dataDir, 'train'))) throw new UserError(`${dataDir} missing: run npm run make:samples first`);
    const work = path.join(workRoot, id);
    const floatDir = path.join(work, 'float32');
    const t0 = Date.now();
    if (!(a.reuse && existsSync(path.join(floatDir, 'meta.json')))) {
      await rm(floatDir, { recursive: true, force: true });
      run(path.join(REPO_ROOT, 'cli/train.ts'), ['--data', dataDir, '--out', floatDir, '--epochs', String(epochs), ...TRAIN_OPTIONS, '--quiet']);
    }
    const candidates: Candidate[] = [{ dtype: 'float32', dir: floatDir, bytes: await weightsBytes(floatDir), report: await evaluate(dataDir, floatDir) }];
    for (const dtype of QUANTIZATIONS) {
      const dir = path.join(work, dtype);
      run(path.join(REPO_ROOT, 'cli/quantize.ts'), ['--model', floatDir, '--out', dir, '--dtype', dtype]);
      candidates.push({ dtype, dir, bytes: await weightsBytes(dir), report: await evaluate(dataDir, dir) });
    }
    const base = candidates[0].report;
    const fits = (c: Candidate) =>
      base.image_auroc - c.report.image_auroc <= QUANTIZATION_TOLERANCE &&
      (base.pixel_auroc ?? 0) - (c.report.pixel_auroc ?? 0) <= QUANTIZATION_TOLERANCE;
    const chosen = candidates.filter(fits).sort((x, y) => x.bytes - y.bytes)[0];

    const dest = path.join(publishRoot, id);
    await rm(dest, { recursive: true, force: true });
    await mkdir(dest, { recursive: true });
    for (const f of ['model.json', 'weights.bin', 'meta.json']) await copyFile(path.join(chosen.dir, f), path.join(dest, f));
    const rel = path.relative(path.join(REPO_ROOT, 'public'), dest).split(path.sep).join('/');
    await writeJsonAtomic(path.join(dest, 'eval.json'), {
      ...chosen.report,
      model: rel,
      data: `npm run make:samples (${path.relative(REPO_ROOT, dataDir)})`,
      quantization: {
        shipped: chosen.dtype,
        rule: `smallest storage whose image and pixel AUROC are within ${QUANTIZATION_TOLERANCE} of float32`,
        candidates: candidates.map((c) => ({
          dtype: c.dtype, bytes: c.bytes, image_auroc: c.report.image_auroc, pixel_auroc: c.report.pixel_auroc, pro: c.report.pro,
        })),
      },
    });
    console.error(`${id}: shipped ${chosen.dtype} (${(chosen.bytes / 1e6).toFixed(2)} MB), image AUROC ${chosen.report.image_auroc.toFixed(4)}, ` +
      `pixel AUROC ${chosen.report.pixel_auroc?.toFixed(4)}, PRO ${chosen.report.pro?.toFixed(4)} — ${((Date.now() - t0) / 60000).toFixed(1)} min`);
  }

  // The index lists every published category (also ones not rebuilt in this run), in the gallery's order.
  const models = [];
  for (const c of CATEGORIES) {
    const dir = path.join(publishRoot, c.id);
    if (!existsSync(path.join(dir, 'meta.json'))) continue;
    const meta = await readJson<ModelMeta>(path.join(dir, 'meta.json'), 'model meta');
    const report = await readJson<EvalReport>(path.join(dir, 'eval.json'), 'eval report');
    models.push({
      id: c.id,
      title: c.title,
      path: `models/students/${c.id}`,
      teacher: `${meta.teacher.id}/${meta.teacher.tapSet}`,
      weights: meta.weights ?? { quantization: 'float32', bytes: await weightsBytes(dir) },
      eval: { image_auroc: report.image_auroc, pixel_auroc: report.pixel_auroc, pro: report.pro },
    });
  }
  await writeJsonAtomic(path.join(publishRoot, 'index.json'), { version: 1, generator: 'npm run make:models', models });
}

runCli(main);

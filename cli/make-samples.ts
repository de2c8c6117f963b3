/**
 * npm run make:samples -- [--out DIR] [--seed N] [--category NAME] [--gallery DIR | --no-gallery]
 *
 * Writes the procedural inspection datasets (src/data/synthetic) in MVTec layout, with 0/255 PNG
 * masks, and a small gallery of test images with an index.json for the app. Output is a pure
 * function of the seed and counts: a rerun rewrites the same bytes.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CATEGORY_IDS, DEFAULT_COUNTS, IMAGE_SIZE, datasetPlan, galleryIndexJson, galleryPlan, renderSample,
  type CategoryId, type DatasetCounts, type SampleId,
} from '../src/data/synthetic/index.ts';
import { ProgressLine, UserError, intOption, parseCliArgs, runCli } from './lib/cli-support';
import { writePng } from './lib/image-io';
import { REPO_ROOT } from './lib/model-bundle';

const USAGE = `usage: npm run make:samples -- [options]
  --out DIR          dataset root, one MVTec-layout folder per category (default .cache/synthetic)
  --seed N           generator seed (default 1; the committed gallery uses 1)
  --category NAME    ${CATEGORY_IDS.join(', ')}; repeat or comma-separate (default: all)
  --gallery DIR      where the sample gallery goes (default public/samples)
  --no-gallery       do not write the gallery
  --train N          images in train/good (default ${DEFAULT_COUNTS.train})
  --test-good N      images in test/good (default ${DEFAULT_COUNTS.testGood})
  --test-defect N    images per test/<defect> folder (default ${DEFAULT_COUNTS.testDefect})
  --quiet            no progress output
  --help`;

/** Written into each generated category folder; only folders carrying it are ever cleared. */
const MARKER = '.synthetic.json';

function parseCategories(values: string[] | undefined): CategoryId[] {
  if (!values || values.length === 0) return [...CATEGORY_IDS];
  const names = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  for (const name of names) {
    if (!(CATEGORY_IDS as readonly string[]).includes(name)) {
      throw new UserError(`--category must be one of ${CATEGORY_IDS.join(', ')}, got "${name}"`);
    }
  }
  // Generation order follows the registry, whatever order the user gave.
  return CATEGORY_IDS.filter((id) => names.includes(id));
}

/** Empty a category folder written by an earlier run; refuse to touch anything else. */
async function prepareCategoryDir(dir: string): Promise<void> {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    if (!existsSync(path.join(dir, MARKER))) {
      throw new UserError(`${dir} exists and was not written by make:samples; choose another --out or remove it`);
    }
    for (const sub of ['train', 'test', 'ground_truth']) await rm(path.join(dir, sub), { recursive: true, force: true });
  }
  await mkdir(dir, { recursive: true });
}

async function writeSample(id: SampleId, imagePath: string, maskPath: string | null): Promise<void> {
  const sample = renderSample(id);
  await writePng(imagePath, sample.image.data, IMAGE_SIZE, IMAGE_SIZE);
  if (maskPath) {
    if (!sample.mask) throw new Error(`defect image ${imagePath} has no mask`);
    await writePng(maskPath, sample.mask, IMAGE_SIZE, IMAGE_SIZE);
  }
}

async function main(): Promise<void> {
  const { values: a } = parseCliArgs(process.argv.slice(2), {
    out: { type: 'string' }, seed: { type: 'string' }, category: { type: 'string', multiple: true },
    gallery: { type: 'string' }, 'no-gallery': { type: 'boolean' }, train: { type: 'string' },
    'test-good': { type: 'string' }, 'test-defect': { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean' },
  }, USAGE);
  if (a.help) {
    console.log(USAGE);
    return;
  }
  if (a.gallery !== undefined && a['no-gallery']) throw new UserError('--gallery and --no-gallery exclude each other');
  const seed = intOption(a.seed, 'seed', 1, 0, 2 ** 31 - 1);
  const counts: DatasetCounts = {
    train: intOption(a.train, 'train', DEFAULT_COUNTS.train, 0, 10_000),
    testGood: intOption(a['test-good'], 'test-good', DEFAULT_COUNTS.testGood, 0, 10_000),
    testDefect: intOption(a['test-defect'], 'test-defect', DEFAULT_COUNTS.testDefect, 0, 10_000),
  };
  const categories = parseCategories(a.category);
  const outRoot = path.resolve(a.out ?? path.join(REPO_ROOT, '.cache/synthetic'));
  const galleryRoot = a['no-gallery'] ? null : path.resolve(a.gallery ?? path.join(REPO_ROOT, 'public/samples'));
  const quiet = Boolean(a.quiet);
  const start = performance.now();

  const summary: string[] = [];
  for (const category of categories) {
    const plan = datasetPlan(category, seed, counts);
    const categoryStart = performance.now();
    if (plan.length > 0) {
      const dir = path.join(outRoot, category);
      await prepareCategoryDir(dir);
      const progress = new ProgressLine(category, plan.length, process.stderr, quiet);
      for (let i = 0; i < plan.length; i++) {
        const item = plan[i];
        await writeSample(item.id, path.join(dir, item.image), item.mask && path.join(dir, item.mask));
        if (i + 1 < plan.length) progress.update(i + 1);
      }
      progress.done();
      await writeFile(path.join(dir, MARKER), `${JSON.stringify({ generator: 'npm run make:samples', seed, counts }, null, 2)}\n`);
    }
    const perFolder = new Map<string, number>();
    for (const item of plan) {
      const folder = path.posix.dirname(item.image);
      perFolder.set(folder, (perFolder.get(folder) ?? 0) + 1);
    }
    const folders = [...perFolder].map(([folder, n]) => `${folder} ${n}`).join(', ');
    summary.push(`${category}: ${folders || 'no dataset images'} (${((performance.now() - categoryStart) / 1000).toFixed(1)} s)`);

    if (galleryRoot) {
      const dir = path.join(galleryRoot, category);
      await mkdir(dir, { recursive: true });
      // The gallery folder holds only generated PNGs: drop those of an earlier plan.
      for (const name of readdirSync(dir)) if (name.endsWith('.png')) await rm(path.join(dir, name));
      for (const g of galleryPlan(category, seed)) await writeSample(g.id, path.join(dir, g.image), g.mask && path.join(dir, g.mask));
    }
  }
  if (galleryRoot) {
    await mkdir(galleryRoot, { recursive: true });
    await writeFile(path.join(galleryRoot, 'index.json'), galleryIndexJson(seed));
  }

  console.log(`seed ${seed}, ${IMAGE_SIZE}×${IMAGE_SIZE}, dataset in ${outRoot}`);
  for (const line of summary) console.log(`  ${line}`);
  if (galleryRoot) console.log(`gallery: ${galleryRoot} (${categories.join(', ')}) + index.json`);
  console.log(`done in ${((performance.now() - start) / 1000).toFixed(1)} s`);
}

runCli(main);

/**
 * npm run eval -- --data <category dir> --model <model dir> [--out dir] [--heatmaps dir] [--json]
 *
 * Image AUROC (score = max of the smoothed map), pixel AUROC and PRO (MVTec definition, FPR ≤ 0.3,
 * normalised; see src/metrics/pro.ts) over test/, per-image scores as CSV, optional heatmap PNGs.
 * Anomalous images without a mask count for the image metrics and are skipped for pixel metrics.
 */
import * as tf from '@tensorflow/tfjs';
import { disposeAnomalyMap, MAX_MAP_SIGMA } from '../src/engine/anomaly-map';
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ReverseDistillationPipeline } from '../src/engine/pipeline';
import { inferWithViews, VIEW_SET_NAMES, type ViewSet } from '../src/engine/test-time-views';
import { blendOverlay, renderHeatmap } from '../src/data/colormap';
import { resizeNearestMask } from '../src/data/image';
import { auroc, pooledPixelMetrics } from '../src/metrics';
import { initBackend } from './lib/backend';
import { ProgressLine, UserError, choiceOption, numberOption, parseCliArgs, runCli, scalesOption, threadsOption, THREADS_USAGE } from './lib/cli-support';
import { scanMvtecCategory } from './lib/dataset';
import { readMask, writePng } from './lib/image-io';
import { readInput } from './lib/training-data';
import { loadBundle, writeJsonAtomic } from './lib/model-bundle';
import { EVIDENCE_ARGS, EVIDENCE_USAGE, evidenceOptions, evidenceSource, fusedSource, trainingFiles, type Evidence } from './lib/evidence';

const USAGE = `usage: npm run eval -- --data <category dir> --model <model dir> [options]
  --out DIR        where eval.json and scores.csv go (default <model>/eval-<category>)
  --heatmaps DIR   also write one overlay PNG per test image
  --sigma X        Gaussian σ (default: the model's meta.json)
  --scales LIST    scales fused into the map, e.g. 2,3 (1 = stride 4, 2 = stride 8, 3 = stride 16; default: the model's meta.json)
  --views SET      test-time views averaged into the map: ${VIEW_SET_NAMES.join(' | ')} (default none; flips = as is,
                   mirrored left-right, top-bottom and both: 4 inferences per image)
${EVIDENCE_USAGE}
  --backend B      wasm | cpu (default wasm)
  --json           print one JSON object on stdout (progress stays on stderr)
  --quiet          no progress output
${THREADS_USAGE}`;

export interface EvalReport {
  category: string;
  model: string;
  image_auroc: number;
  pixel_auroc: number | null;
  pro: number | null;
  n_images: number;
  n_good: number;
  n_anomalous: number;
  n_pixel_images: number;
  n_anomalous_without_mask: number;
  sigma: number;
  scales: number[];
  views: ViewSet;
  evidence: Evidence;
  /** Where the bank came from: the model's bundle (accurate profile), the category's training images, or none (rd). */
  bank_source: 'model' | 'training-images' | null;
  /** fused: the divisors of the two evidences (mean image scores on held-out training images). */
  evidence_scales: { rd: number; nn: number } | null;
  bank_vectors: number;
  /** The bank's random projection (null: none, or rd). */
  bank_dims: number | null;
  input_size: number;
  teacher: string;
  inference_ms: number;
  backend: string;
  date: string;
}

async function main(): Promise<void> {
  const { values: a } = parseCliArgs(process.argv.slice(2), {
    data: { type: 'string' }, model: { type: 'string' }, out: { type: 'string' }, heatmaps: { type: 'string' },
    sigma: { type: 'string' }, scales: { type: 'string' }, views: { type: 'string' }, ...EVIDENCE_ARGS, backend: { type: 'string' }, threads: { type: 'string' }, json: { type: 'boolean' }, quiet: { type: 'boolean' },
    help: { type: 'boolean' },
  }, USAGE);
  if (a.help) {
    console.log(USAGE);
    return;
  }
  if (!a.data || !a.model) throw new UserError(`--data and --model are required\n\n${USAGE}`);
  const backendName = choiceOption(a.backend, 'backend', 'wasm', ['wasm', 'cpu'] as const);
  const quiet = Boolean(a.quiet);
  const category = scanMvtecCategory(path.resolve(a.data), { requireTest: true });
  const modelDir = path.resolve(a.model);
  const backend = await initBackend(backendName, { threads: threadsOption(a.threads) });
  const { meta, student, teacher, evidence: stored } = await loadBundle(modelDir);
  const sigma = numberOption(a.sigma, 'sigma', meta.map.sigma, 0, MAX_MAP_SIGMA);
  const size = meta.inputSize;
  const scales = scalesOption(a.scales, 'scales', meta.map.scales ?? [1, 2, 3]);
  const views = choiceOption(a.views, 'views', 'none', VIEW_SET_NAMES);
  const parsed = evidenceOptions(a);
  const { bankOptions } = parsed;
  // no --evidence: the model's own profile (its stored bank); an explicit choice rebuilds from the training images
  const useStored = stored !== null && a.evidence === undefined;
  const evidence: Evidence = useStored ? 'fused' : parsed.evidence;
  if (evidence !== 'rd' && views !== 'none') throw new UserError('--views works with the rd evidence only (a model of the accurate profile: add --evidence rd)');
  const pipeline = new ReverseDistillationPipeline(teacher, student, size, sigma, meta.map.fusion, scales.map((k) => k - 1));
  const outDir = path.resolve(a.out ?? path.join(modelDir, `eval-${category.name}`));
  if (stored && !useStored) stored.dispose();
  const source = useStored ? fusedSource(pipeline, stored) : evidence === 'rd' ? null : await evidenceSource(evidence, pipeline, trainingFiles(category.train, size), bankOptions, quiet);

  const scores: number[] = [];
  const labels: number[] = [];
  const pixelMaps: Float32Array[] = [];
  const pixelMasks: Uint8Array[] = [];
  const heatmapMaps: Float32Array[] = [];
  let inferMs = 0;
  const progress = new ProgressLine('eval', category.test.length, process.stderr, quiet);
  for (let i = 0; i < category.test.length; i++) {
    const item = category.test[i];
    const x = await readInput(item.path, size);
    const t0 = performance.now();
    let map: Float32Array;
    let score: number;
    if (source) {
      const m = source.map(x);
      map = (await m.data()) as Float32Array;
      score = map.reduce((hi, v) => (v > hi ? v : hi), -Infinity);
      m.dispose();
    } else {
      const r = inferWithViews(pipeline, x, views);
      map = (await r.map.data()) as Float32Array;
      score = (await r.scores.data())[0];
      disposeAnomalyMap(r);
    }
    inferMs += performance.now() - t0;
    tf.dispose(x);
    scores.push(score);
    labels.push(item.label);
    if (item.label === 0 || item.maskPath) {
      let mask: Uint8Array;
      if (item.maskPath) {
        const m = await readMask(item.maskPath);
        mask = m.width === size && m.height === size ? m.data : resizeNearestMask(m.data, m.width, m.height, size, size);
      } else {
        mask = new Uint8Array(size * size);
      }
      pixelMaps.push(map);
      pixelMasks.push(mask);
    }
    if (a.heatmaps) heatmapMaps.push(map);
    progress.update(i + 1);
  }
  progress.done();
  if (!labels.includes(0) || !labels.includes(1)) throw new UserError(`${category.root}/test needs both good and anomalous images for AUROC`);

  const imageAuroc = auroc(scores, labels);
  let pixelAuroc: number | null = null;
  let pro: number | null = null;
  if (pixelMasks.some((m) => m.some((v) => v !== 0))) {
    ({ pixelAuroc, pro } = pooledPixelMetrics(pixelMaps, pixelMasks, size));
  }

  const report: EvalReport = {
    category: category.name,
    model: modelDir,
    image_auroc: imageAuroc,
    pixel_auroc: pixelAuroc,
    pro,
    n_images: category.test.length,
    n_good: labels.filter((l) => l === 0).length,
    n_anomalous: labels.filter((l) => l === 1).length,
    n_pixel_images: pixelMaps.length,
    n_anomalous_without_mask: category.test.filter((t) => t.label === 1 && !t.maskPath).length,
    sigma,
    scales,
    views,
    evidence,
    bank_source: useStored ? 'model' : source ? 'training-images' : null,
    evidence_scales: evidence === 'fused' && source ? source.scales : null,
    bank_vectors: source?.bankSize ?? 0,
    bank_dims: useStored ? (meta.evidence?.bank.projectionSeed === null ? null : (meta.evidence?.bank.dims ?? null)) : source ? bankOptions.projectTo : null,
    input_size: size,
    teacher: `${meta.teacher.id}/${meta.teacher.tapSet}`,
    inference_ms: inferMs / category.test.length,
    backend,
    date: new Date().toISOString(),
  };
  await mkdir(outDir, { recursive: true });
  await writeJsonAtomic(path.join(outDir, 'eval.json'), report);
  const csv = ['path,defect,label,score', ...category.test.map((t, i) => `${JSON.stringify(path.relative(category.root, t.path))},${t.defect},${t.label},${scores[i]}`)];
  await writeFile(path.join(outDir, 'scores.csv'), csv.join('\n') + '\n');

  if (a.heatmaps) {
    // One colour scale for the whole test set, so heatmaps can be compared with each other.
    const hi = Math.max(...scores);
    const dir = path.resolve(a.heatmaps);
    for (let i = 0; i < category.test.length; i++) {
      const item = category.test[i];
      const x = await readInput(item.path, size);
      const rgb = Uint8Array.from(await tf.mul(x, 255).data());
      x.dispose();
      const heat = renderHeatmap(heatmapMaps[i], size, size, { min: 0, max: hi, colormap: 'turbo' });
      const overlay = blendOverlay({ width: size, height: size, data: rgb }, heat, 0.5);
      await writePng(path.join(dir, item.defect, `${path.parse(item.path).name}.png`), overlay, size, size);
    }
  }

  if (a.json) {
    process.stdout.write(JSON.stringify(report) + '\n');
  } else {
    const f = (v: number | null) => (v === null ? 'n/a' : v.toFixed(4));
    console.log(`${category.name}: image AUROC ${f(imageAuroc)}, pixel AUROC ${f(pixelAuroc)}, PRO ${f(pro)} ` +
      `(${report.n_images} images, ${report.n_pixel_images} with pixel labels; ${report.inference_ms.toFixed(0)} ms/image on ${backend})`);
    console.log(`report: ${path.join(outDir, 'eval.json')}, scores: ${path.join(outDir, 'scores.csv')}`);
  }
  source?.dispose();
  student.dispose();
  teacher.dispose();
}

runCli(main);

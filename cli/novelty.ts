/**
 * npm run novelty -- --class <0-9> | --all [options]
 *
 * The paper's one-class novelty-detection protocol on Fashion-MNIST: train on the training images of
 * one class, score all 10 000 test images (image score = max of the anomaly map), AUROC with the
 * other nine classes as anomalies. `--all` runs the ten classes and reports the mean.
 */
import * as tf from '@tensorflow/tfjs';
import { imageScores, MAX_MAP_SIGMA } from '../src/engine/anomaly-map';
import { ReverseDistillationPipeline } from '../src/engine/pipeline';
import { pixelsToInput } from '../src/engine/preprocess';
import { Student, DEFAULT_EMBED_CHANNELS, DEFAULT_WIDTHS } from '../src/engine/student';
import { TeacherFeatureCache } from '../src/engine/feature-cache';
import { DEFAULT_TEACHER, TEACHER_IDS } from '../src/engine/teacher-specs';
import { DEFAULT_TRAIN_CONFIG, Trainer } from '../src/engine/train';
import { auroc } from '../src/metrics';
import { initBackend } from './lib/backend';
import { ProgressLine, UserError, choiceOption, intOption, numberOption, parseCliArgs, runCli, threadsOption, THREADS_USAGE } from './lib/cli-support';
import { FASHION_MNIST_CLASSES, indicesOfClass, readFashionMnist } from './lib/fashion-mnist';
import { loadTeacher } from './lib/model-bundle';
import type { Teacher } from '../src/engine/teacher';
import { EVIDENCE_ARGS, EVIDENCE_USAGE, evidenceOptions, evidenceSource, type Evidence } from './lib/evidence';
import type { FeatureBankOptions } from '../src/engine/feature-bank';

const USAGE = `usage: npm run novelty -- (--class <0-9> | --all) [options]
  --size N          input side, multiple of 32 (default 64; the 28×28 images are upsampled)
  --epochs N        epochs (default 4)
  --train-limit N   training images of the class to use (default 1000 of 6000)
  --test-limit N    test images to score (default all 10000; a seeded random subset otherwise)
  --batch N         batch size (default 16)
  --lr X            learning rate (default ${DEFAULT_TRAIN_CONFIG.learningRate})
  --sigma X         Gaussian σ of the map (default 1 = 4·size/256)
  --teacher ID      ${TEACHER_IDS.join(' | ')} (default ${DEFAULT_TEACHER})
  --taps NAME       tap set (default: the teacher's default)
  --seed N          seed (default 0)
${EVIDENCE_USAGE}
  --json            print one JSON object on stdout
  --quiet           no progress output
${THREADS_USAGE}`;

interface Fmnist {
  images: Uint8Array;
  labels: Uint8Array;
  n: number;
}

function imageAt(d: Fmnist, i: number, size: number): tf.Tensor4D {
  return pixelsToInput({ width: 28, height: 28, data: d.images.subarray(i * 784, (i + 1) * 784), channels: 1 }, size);
}

interface ClassResult {
  class: number;
  name: string;
  auroc: number;
  train_images: number;
  test_images: number;
  final_loss: number;
  train_seconds: number;
  test_seconds: number;
}

async function runClass(
  c: number, teacher: Teacher, train: Fmnist, test: Fmnist, testIdx: number[],
  o: { size: number; epochs: number; trainLimit: number; batch: number; lr: number; sigma: number; seed: number; quiet: boolean; evidence: Evidence; bankOptions: FeatureBankOptions },
): Promise<ClassResult> {
  const trainIdx = indicesOfClass(train.labels, c).slice(0, o.trainLimit);
  const t0 = performance.now();
  const cache = await TeacherFeatureCache.build(teacher, trainIdx.length, (i) => imageAt(train, trainIdx[i], o.size), { chunk: 32 });
  const student = new Student({ tapChannels: teacher.channels as [number, number, number], widths: [...DEFAULT_WIDTHS], embedChannels: DEFAULT_EMBED_CHANNELS, decoderBlocks: 1 }, o.seed);
  const trainer = new Trainer(student, cache, { ...DEFAULT_TRAIN_CONFIG, epochs: o.epochs, batchSize: o.batch, learningRate: o.lr, seed: o.seed });
  const steps = o.epochs * Math.ceil(trainIdx.length / o.batch);
  const progress = new ProgressLine(`class ${c} train`, steps, process.stderr, o.quiet);
  let done = 0;
  const losses = await trainer.run({ onStep: ({ loss }) => progress.update(++done, `loss ${loss.toFixed(4)}`) });
  progress.done();
  const t1 = performance.now();

  const pipeline = new ReverseDistillationPipeline(teacher, student, o.size, o.sigma);
  const source = await evidenceSource(o.evidence, pipeline, { count: trainIdx.length, load: (i) => imageAt(train, trainIdx[i], o.size) }, o.bankOptions, o.quiet);
  const scores: number[] = [];
  const chunk = 50;
  const testProgress = new ProgressLine(`class ${c} test`, testIdx.length, process.stderr, o.quiet);
  for (let s = 0; s < testIdx.length; s += chunk) {
    const x = tf.tidy(() => tf.concat(testIdx.slice(s, s + chunk).map((i) => imageAt(test, i, o.size)), 0));
    const m = source.map(x);
    const best = imageScores(m);
    scores.push(...(await best.data()));
    tf.dispose([x, m, best]);
    testProgress.update(Math.min(testIdx.length, s + chunk));
  }
  testProgress.done();
  const labels = testIdx.map((i) => (test.labels[i] === c ? 0 : 1));
  source.dispose();
  trainer.dispose();
  student.dispose();
  return {
    class: c,
    name: FASHION_MNIST_CLASSES[c],
    auroc: auroc(scores, labels),
    train_images: trainIdx.length,
    test_images: testIdx.length,
    final_loss: losses.at(-1) ?? Number.NaN,
    train_seconds: (t1 - t0) / 1000,
    test_seconds: (performance.now() - t1) / 1000,
  };
}

async function main(): Promise<void> {
  const { values: a } = parseCliArgs(process.argv.slice(2), {
    class: { type: 'string' }, all: { type: 'boolean' }, size: { type: 'string' }, epochs: { type: 'string' },
    'train-limit': { type: 'string' }, 'test-limit': { type: 'string' }, batch: { type: 'string' }, lr: { type: 'string' },
    sigma: { type: 'string' }, teacher: { type: 'string' }, taps: { type: 'string' }, seed: { type: 'string' },
    ...EVIDENCE_ARGS, json: { type: 'boolean' }, threads: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean' },
  }, USAGE);
  if (a.help) {
    console.log(USAGE);
    return;
  }
  if ((a.class === undefined) === !a.all) throw new UserError(`give either --class <0-9> or --all\n\n${USAGE}`);
  const classes = a.all ? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] : [intOption(a.class, 'class', 0, 0, 9)];
  const size = intOption(a.size, 'size', 64, 32, 512);
  if (size % 32 !== 0) throw new UserError(`--size must be a multiple of 32, got ${size}`);
  const o = {
    size,
    epochs: intOption(a.epochs, 'epochs', 4, 1, 1000),
    trainLimit: intOption(a['train-limit'], 'train-limit', 1000, 2, 6000),
    batch: intOption(a.batch, 'batch', 16, 2, 256),
    lr: numberOption(a.lr, 'lr', DEFAULT_TRAIN_CONFIG.learningRate, 0, 1, true),
    sigma: numberOption(a.sigma, 'sigma', (4 * size) / 256, 0, MAX_MAP_SIGMA),
    seed: intOption(a.seed, 'seed', 0, 0, 2 ** 31 - 1),
    quiet: Boolean(a.quiet),
    ...evidenceOptions(a),
  };
  const testLimit = intOption(a['test-limit'], 'test-limit', 10000, 10, 10000);
  const teacherId = choiceOption(a.teacher, 'teacher', DEFAULT_TEACHER, TEACHER_IDS);

  const backend = await initBackend('wasm', { threads: threadsOption(a.threads) });
  const [train, test] = await Promise.all([readFashionMnist('train'), readFashionMnist('test')]);
  let testIdx = Array.from({ length: test.n }, (_, i) => i);
  if (testLimit < test.n) {
    // A fixed stride subset keeps every class represented in proportion.
    const step = test.n / testLimit;
    testIdx = Array.from({ length: testLimit }, (_, i) => Math.floor(i * step));
  }
  const teacher = await loadTeacher(teacherId, a.taps);
  const results: ClassResult[] = [];
  for (const c of classes) {
    const r = await runClass(c, teacher, train, test, testIdx, o);
    results.push(r);
    if (!o.quiet) process.stderr.write(`class ${c} (${r.name}): AUROC ${r.auroc.toFixed(4)} (train ${r.train_seconds.toFixed(0)} s, test ${r.test_seconds.toFixed(0)} s)\n`);
  }
  teacher.dispose();
  const mean = results.reduce((s, r) => s + r.auroc, 0) / results.length;
  const report = {
    dataset: 'fashion-mnist',
    protocol: 'one-class: train on one class, test on all test images, others anomalous',
    mean_auroc: mean,
    per_class: results,
    teacher: `${teacherId}/${teacher.tapSet}`,
    options: { ...o, testLimit },
    backend,
    date: new Date().toISOString(),
  };
  if (a.json) process.stdout.write(JSON.stringify(report) + '\n');
  else {
    for (const r of results) console.log(`${r.class} ${r.name.padEnd(12)} AUROC ${r.auroc.toFixed(4)}`);
    console.log(`mean AUROC ${mean.toFixed(4)} over ${results.length} class(es)`);
  }
}

runCli(main);

/**
 * npm run train -- --data <MVTec-layout category dir> --out <dir> [options]
 *
 * Trains the OCBE + student decoder of reverse distillation on train/good of one category against a
 * frozen converted teacher, checkpoints every epoch (resumable with --resume) and writes a model
 * bundle: model.json + weights.bin + meta.json (with the score threshold). By default every 5th image is
 * held out of training and calibrates the threshold, by the same rule as the browser's Teach
 * (src/metrics/normal-calibration.ts); `--calibration training` trains on every image (the papers'
 * protocol, used by the ablation) and takes the optimistic rule on the training images' own scores.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedTensor } from '../src/engine/train';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { FUSIONS, Fusion, MAX_MAP_SIGMA } from '../src/engine/anomaly-map';
import { imageScoreOfTaps, type TapSource } from '../src/engine/evidence';
import { LOSS_FORMS, LossForm } from '../src/engine/loss';
import { PROFILES, type Profile } from '../src/engine/model-meta';
import { buildModelMeta, heldOutCalibrationFields } from '../src/engine/bundle-contract';
import { ReverseDistillationPipeline } from '../src/engine/pipeline';
import { validateInputSize } from '../src/engine/preprocess';
import { DEFAULT_EMBED_CHANNELS, DEFAULT_WIDTHS, Student, StudentConfig } from '../src/engine/student';
import { DEFAULT_TEACHER, TEACHER_IDS } from '../src/engine/teacher-specs';
import { DEFAULT_TRAIN_CONFIG, Trainer, TrainerState, TrainingDivergedError, type TrainConfig } from '../src/engine/train';
import { calibrateFromNormals, holdOutSplit } from '../src/metrics';
import { initBackend } from './lib/backend';
import {
  ProgressLine, UserError, choiceOption, formatSeconds, intListOption, intOption, numberOption, parseCliArgs, runCli, scalesOption, threadsOption, THREADS_USAGE,
} from './lib/cli-support';
import { datasetFingerprint, evenlySpaced, scanMvtecCategory } from './lib/dataset';
import { loadCheckpoint, loadTeacher, saveBundle, saveCheckpoint, writeJsonAtomic } from './lib/model-bundle';
import { tapsOf, trainingEvidence, trainingFiles } from './lib/evidence';
import { buildFeatureCache } from './lib/training-data';

const USAGE = `usage: npm run train -- --data <category dir> --out <model dir> [options]
  --epochs N        epochs (default ${DEFAULT_TRAIN_CONFIG.epochs})
  --batch N         batch size (default ${DEFAULT_TRAIN_CONFIG.batchSize})
  --lr X            Adam learning rate (default ${DEFAULT_TRAIN_CONFIG.learningRate}; betas ${DEFAULT_TRAIN_CONFIG.beta1}, ${DEFAULT_TRAIN_CONFIG.beta2} as in the paper)
  --size N          input side, multiple of 32 (default 256)
  --seed N          random seed (default 0)
  --teacher ID      ${TEACHER_IDS.join(' | ')} (default ${DEFAULT_TEACHER})
  --taps NAME       tap set of the teacher (default: the teacher's default)
  --loss FORM       flattened (official code, default) | per-position (paper)
  --widths A,B,C    student widths at strides 4,8,16 (default ${DEFAULT_WIDTHS.join(',')})
  --embed N         one-class embedding channels (default ${DEFAULT_EMBED_CHANNELS})
  --sigma X         default Gaussian σ stored in meta.json (default 4)
  --fusion F        sum | product (default sum)
  --map-scales L    scales fused into the map, stored in meta.json (default 2,3; the paper fuses 1,2,3)
  --limit N         use only N training images, evenly spaced over the sorted names
  --calibration C   held-out (default: every 5th image is not trained on and sets the threshold, as in the
                    browser) | training (train on every image; optimistic threshold from their own scores)
  --profile P       fast (default: RD's map alone) | accurate (RD's map fused with the teacher's nearest-
                    neighbour evidence; stores a 20000-vector bank in weights.bin, ≈ 2.4× the inference time)
  --resume          continue from <out>/checkpoint
  --backend B       wasm | cpu (default wasm)
  --quiet           no progress output
${THREADS_USAGE}`;

interface SavedState extends TrainerState {
  config: StudentConfig;
  fingerprint: string;
  options: Record<string, unknown>;
  /** Training minutes spent up to this checkpoint. */
  minutes: number;
}

async function main(): Promise<void> {
  const { values: a } = parseCliArgs(process.argv.slice(2), {
    data: { type: 'string' }, out: { type: 'string' }, epochs: { type: 'string' }, batch: { type: 'string' },
    lr: { type: 'string' }, size: { type: 'string' }, seed: { type: 'string' }, teacher: { type: 'string' },
    taps: { type: 'string' }, loss: { type: 'string' }, widths: { type: 'string' }, embed: { type: 'string' },
    sigma: { type: 'string' }, fusion: { type: 'string' }, 'map-scales': { type: 'string' }, limit: { type: 'string' }, calibration: { type: 'string' }, profile: { type: 'string' }, resume: { type: 'boolean' },
    backend: { type: 'string' }, threads: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean' },
  }, USAGE);
  if (a.help) {
    console.log(USAGE);
    return;
  }
  if (!a.data || !a.out) throw new UserError(`--data and --out are required\n\n${USAGE}`);
  const epochs = intOption(a.epochs, 'epochs', DEFAULT_TRAIN_CONFIG.epochs, 1, 10000);
  const batchSize = intOption(a.batch, 'batch', DEFAULT_TRAIN_CONFIG.batchSize, 1, 256);
  const learningRate = numberOption(a.lr, 'lr', DEFAULT_TRAIN_CONFIG.learningRate, 0, 1, true);
  const size = intOption(a.size, 'size', 256, 32, 1024);
  try {
    validateInputSize(size);
  } catch (e) {
    throw new UserError(`--size: ${(e as Error).message}`);
  }
  const seed = intOption(a.seed, 'seed', DEFAULT_TRAIN_CONFIG.seed, 0, 2 ** 31 - 1);
  const teacherId = choiceOption(a.teacher, 'teacher', DEFAULT_TEACHER, TEACHER_IDS);
  const lossForm = choiceOption<LossForm>(a.loss, 'loss', DEFAULT_TRAIN_CONFIG.lossForm, LOSS_FORMS);
  const widths = intListOption(a.widths, 'widths', DEFAULT_WIDTHS, 3, 1, 2048) as [number, number, number];
  const embed = intOption(a.embed, 'embed', DEFAULT_EMBED_CHANNELS, 1, 4096);
  const sigma = numberOption(a.sigma, 'sigma', 4, 0, MAX_MAP_SIGMA);
  const fusion = choiceOption<Fusion>(a.fusion, 'fusion', 'sum', FUSIONS);
  // Default 2,3: the stride-4 scale adds more noise than signal on all three evaluation sets (README).
  const mapScales = scalesOption(a['map-scales'], 'map-scales', [2, 3]);
  const limit = intOption(a.limit, 'limit', Number.MAX_SAFE_INTEGER, 1, Number.MAX_SAFE_INTEGER);
  const calibration = choiceOption(a.calibration, 'calibration', 'held-out', ['held-out', 'training'] as const);
  const profile = choiceOption<Profile>(a.profile, 'profile', 'fast', PROFILES);
  const backendName = choiceOption(a.backend, 'backend', 'wasm', ['wasm', 'cpu'] as const);
  const quiet = Boolean(a.quiet);
  const log = (s: string) => {
    if (!quiet) process.stderr.write(s + '\n');
  };

  const category = scanMvtecCategory(path.resolve(a.data), { requireTest: false });
  // --limit takes an evenly spaced subset of the sorted names, so that a folder sorted by capture
  // session (e.g. magnetic_tile's exp1…exp6) is still covered as a whole.
  const selected = evenlySpaced(category.train, limit);
  const split = calibration === 'held-out' ? holdOutSplit(selected.length) : { train: selected.map((_, i) => i), heldOut: [] };
  const files = split.train.map((i) => selected[i]);
  const heldOutFiles = split.heldOut.map((i) => selected[i]);
  const outDir = path.resolve(a.out);
  const checkpointDir = path.join(outDir, 'checkpoint');

  const backend = await initBackend(backendName, { threads: threadsOption(a.threads) });
  const teacher = await loadTeacher(teacherId, a.taps);
  const taps = teacher.taps.map((t) => ({ name: t.name, stride: t.stride, channels: t.channels }));
  const tapChannels = teacher.channels as [number, number, number];
  const studentConfig: StudentConfig = { tapChannels, widths, embedChannels: embed, decoderBlocks: 1 };
  const fingerprint = await datasetFingerprint(files);
  const options = { epochs, batchSize, learningRate, size, seed, teacherId, tapSet: teacher.tapSet, lossForm, limit: selected.length, calibration };
  log(`train: ${category.name}, ${files.length} images (${heldOutFiles.length} more held out for the threshold), teacher ${teacherId}/${teacher.tapSet}, size ${size}, backend ${backend}`);

  // Resume, or start fresh.
  let student: Student;
  let resumeState: SavedState | null = null;
  let optimizerState: NamedTensor[] | null = null;
  if (a.resume) {
    if (!existsSync(path.join(checkpointDir, 'state.json'))) throw new UserError(`--resume: no checkpoint in ${checkpointDir}`);
    const ck = await loadCheckpoint<SavedState>(checkpointDir);
    if (ck.state.fingerprint !== fingerprint) throw new UserError('--resume: the training images differ from the checkpoint\'s');
    if (JSON.stringify(ck.state.config) !== JSON.stringify(studentConfig)) throw new UserError('--resume: the student/teacher options differ from the checkpoint\'s');
    const { epochs: _e, ...rest } = options;
    const { epochs: _ce, ...ckRest } = ck.state.options as typeof options;
    if (JSON.stringify(rest) !== JSON.stringify(ckRest)) throw new UserError('--resume: training options differ from the checkpoint\'s (only --epochs may change)');
    student = ck.student;
    optimizerState = ck.optimizer;
    resumeState = ck.state;
    log(`resuming after epoch ${ck.state.epoch}`);
  } else {
    student = new Student(studentConfig, seed);
    await rm(checkpointDir, { recursive: true, force: true });
  }
  log(`student: ${(student.parameterCount() / 1e6).toFixed(2)} M parameters`);

  const cache = await buildFeatureCache(teacher, files, size, quiet);
  const trainConfig: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, epochs, batchSize, learningRate, seed, lossForm };
  const trainer = new Trainer(student, cache, trainConfig);
  if (resumeState && optimizerState) {
    await trainer.restoreOptimizerState(optimizerState);
    tf.dispose(optimizerState.map((o) => o.tensor));
    trainer.state = { epoch: resumeState.epoch, rngState: resumeState.rngState, losses: resumeState.losses };
  }
  await mkdir(outDir, { recursive: true });

  const t0 = performance.now();
  const totalSteps = Math.max(0, epochs - trainer.state.epoch) * Math.ceil(files.length / Math.min(batchSize, files.length));
  const progress = new ProgressLine('train', totalSteps, process.stderr, quiet);
  let stepsDone = 0;
  let running = Number.NaN;
  try {
    await trainer.run({
      onStep: ({ epoch, loss }) => {
        stepsDone += 1;
        running = Number.isNaN(running) ? loss : 0.9 * running + 0.1 * loss;
        progress.update(stepsDone, `epoch ${epoch + 1}/${epochs} loss ${running.toFixed(4)}`);
      },
      onEpochEnd: async ({ epoch, meanLoss }) => {
        const opt = await trainer.optimizerState();
        await saveCheckpoint(checkpointDir, student, opt, {
          ...trainer.state, config: studentConfig, fingerprint, options,
          minutes: (resumeState?.minutes ?? 0) + (performance.now() - t0) / 60000,
        } satisfies SavedState);
        tf.dispose(opt.map((o) => o.tensor));
        progress.update(stepsDone, `epoch ${epoch + 1}/${epochs} mean loss ${meanLoss.toFixed(4)} (checkpoint saved)`, true);
      },
    });
  } catch (e) {
    if (e instanceof TrainingDivergedError) {
      throw new UserError(`${e.message}${existsSync(checkpointDir) ? ` (last good checkpoint: ${checkpointDir}; continue with --resume and a lower --lr)` : ''}`, 1);
    }
    throw e;
  }
  progress.done();
  const minutes = (performance.now() - t0) / 60000;

  // Calibration: image scores of the training images under the final weights, from the cached teacher
  // features (no second decode or teacher pass), and of the held-out images — of the fused map for the
  // accurate profile, whose bank and divisors come first.
  const pipeline = new ReverseDistillationPipeline(teacher, student, size, sigma, fusion, mapScales.map((k) => k - 1));
  const trained: TapSource = { count: files.length, taps: async (i) => cache.batch([i]) };
  const heldOut = tapsOf(pipeline, trainingFiles(heldOutFiles, size), heldOutFiles.map((_, i) => i));
  const evidence = profile === 'accurate' ? await trainingEvidence(pipeline, trained, heldOut, quiet) : null;
  const scoreOf = (taps: tf.Tensor4D[]): Promise<number> => imageScoreOfTaps(pipeline, evidence, taps);
  const scores: number[] = [];
  const heldOutScores: number[] = [];
  const calib = new ProgressLine('calibrate', files.length + heldOutFiles.length, process.stderr, quiet);
  for (let i = 0; i < files.length; i++) {
    scores.push(await scoreOf(await trained.taps(i)));
    calib.update(i + 1);
  }
  for (let i = 0; i < heldOut.count; i++) {
    heldOutScores.push(await scoreOf(await heldOut.taps(i)));
    calib.update(scores.length + heldOutScores.length);
  }
  calib.done();
  const meta = buildModelMeta({
    teacher: { id: teacherId, tapSet: teacher.tapSet, taps },
    student: studentConfig,
    inputSize: size,
    normalization: { inputRange: [0, 1], resize: 'bilinear to size×size after 2× box reductions' },
    map: { sigma, fusion, scales: mapScales },
    lossForm,
    calibration: heldOutCalibrationFields(calibrateFromNormals(heldOutScores, scores)),
    training: { config: trainConfig, losses: trainer.state.losses, minutes: (resumeState?.minutes ?? 0) + minutes, backend },
    dataset: { name: category.name, fingerprint, trainImages: files.length },
  });
  await saveBundle(outDir, student, meta, evidence);
  await writeJsonAtomic(path.join(outDir, 'train-scores.json'), {
    files: files.map((f) => path.relative(category.root, f)), scores,
    heldOutFiles: heldOutFiles.map((f) => path.relative(category.root, f)), heldOutScores,
  });
  log(`done in ${formatSeconds(minutes * 60)}; final loss ${trainer.state.losses.at(-1)?.toFixed(4)}; model written to ${outDir}`);
  trainer.dispose();
  evidence?.dispose();
  student.dispose();
  teacher.dispose();
}

runCli(main);

/**
 * npm run bench [-- --json] [--profile] [--backends wasm,cpu] [--model dir] [--reps N]
 *
 * --profile adds per-kernel timings of one inference (stderr). When /usr/bin/python3 has torch and
 * torchvision, the PyTorch references of cli/torch-reference.py run afterwards on the same machine.
 * Inference cost of one 256² image at batch 1 (teacher, student, maps + blur), one training step at
 * batch 8, model sizes, and the tensor count around 100 inferences. Prints figures; asserts nothing.
 */
import * as tf from '@tensorflow/tfjs';
import { disposeAnomalyMap } from '../src/engine/anomaly-map';
import { statSync } from 'node:fs';
import path from 'node:path';
import { ReverseDistillationPipeline } from '../src/engine/pipeline';
import { Student, defaultStudentConfig } from '../src/engine/student';
import { DEFAULT_TEACHER } from '../src/engine/teacher-specs';
import { FEATURE_BANK_DEFAULTS, FeatureBank } from '../src/engine/feature-bank';
import { Trainer, DEFAULT_TRAIN_CONFIG } from '../src/engine/train';
import { initBackend, NodeBackend } from './lib/backend';
import { UserError, intListOption, intOption, parseCliArgs, runCli, threadsOption } from './lib/cli-support';
import { TEACHER_ROOT, loadBundle, loadTeacher } from './lib/model-bundle';
import { runTorchReference } from './lib/torch-reference';
import type { Teacher } from '../src/engine/teacher';

const USAGE = `usage: npm run bench -- [--json] [--profile] [--backends wasm,cpu] [--model <model dir>] [--teacher id] [--size N] [--reps N] [--threads N] [--widths A,B,C --embed N]`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

interface BackendFigures {
  backend: string;
  teacher_ms: number;
  student_ms: number;
  maps_ms: number;
  total_ms: number;
  train_step_ms: number | null;
  /** eval --evidence fused: the nearest-neighbour map on top of total_ms (wasm only). */
  nn_evidence_ms: number | null;
  train_batch: number;
  tensors_before: number | null;
  tensors_after_100: number | null;
}

/**
 * Per-kernel times of one inference (tf.profile: on wasm each kernel runs synchronously, so its time is its
 * wall time), summed by kernel name and by stage, largest first.
 */
async function profileInference(pipeline: ReverseDistillationPipeline, x: tf.Tensor4D, log: (s: string) => void): Promise<void> {
  const info = await tf.profile(async () => {
    const r = pipeline.infer(x);
    await r.map.data();
    disposeAnomalyMap(r);
  });
  const byKernel = new Map<string, { n: number; ms: number }>();
  let total = 0;
  for (const k of info.kernels) {
    if (k.name.endsWith('__op')) continue; // the op's wrapper scope: its kernel is listed on its own
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const e = byKernel.get(k.name) ?? { n: 0, ms: 0 };
    byKernel.set(k.name, { n: e.n + 1, ms: e.ms + ms });
    total += ms;
  }
  log(`profile: ${info.kernels.length} kernels, ${total.toFixed(1)} ms in kernels, ${info.newTensors} new tensors, peak ${(info.peakBytes / 1e6).toFixed(1)} MB`);
  log('  kernel                       calls   total_ms   share');
  for (const [name, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms)) {
    log(`  ${name.padEnd(28)} ${String(e.n).padStart(5)} ${e.ms.toFixed(2).padStart(10)} ${((100 * e.ms) / Math.max(total, 1e-9)).toFixed(1).padStart(6)} %`);
  }
}

async function benchBackend(backend: NodeBackend, threads: number, profile: boolean, shape: { widths?: [number, number, number]; embed?: number }, modelDir: string | undefined, teacherId: string, size: number, reps: number, log: (s: string) => void): Promise<BackendFigures & { student_params: number; student_widths: string; student_bytes: number; teacher_bytes: number; teacher: string }> {
  await initBackend(backend, { threads });
  let teacher: Teacher;
  let student: Student;
  let sigma = 4;
  if (modelDir) {
    const b = await loadBundle(path.resolve(modelDir));
    teacher = b.teacher;
    student = b.student;
    sigma = b.meta.map.sigma;
    b.evidence?.dispose(); // the nearest-neighbour figure below uses a default-sized bank: its cost depends on sizes only
  } else {
    teacher = await loadTeacher(teacherId, undefined);
    const config = defaultStudentConfig(teacher.channels as [number, number, number]);
    student = new Student({ ...config, widths: shape.widths ?? config.widths, embedChannels: shape.embed ?? config.embedChannels }, 0);
  }
  const pipeline = new ReverseDistillationPipeline(teacher, student, size, sigma);
  const x = tf.randomUniform([1, size, size, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const timings: { teacherMs: number; studentMs: number; mapsMs: number }[] = [];
  for (let i = 0; i < reps + 1; i++) {
    const { result, timings: t } = await pipeline.inferTimed(x);
    disposeAnomalyMap(result);
    if (i > 0) timings.push(t); // first run compiles/warms up
  }
  const teacherMs = median(timings.map((t) => t.teacherMs));
  const studentMs = median(timings.map((t) => t.studentMs));
  const mapsMs = median(timings.map((t) => t.mapsMs));
  log(`${backend}: teacher ${teacherMs.toFixed(1)} ms, student ${studentMs.toFixed(1)} ms, maps ${mapsMs.toFixed(1)} ms`);
  if (profile) await profileInference(pipeline, x, log);

  // Tensor count around 100 plain inferences (wasm only: on cpu that would take many minutes).
  let before: number | null = null;
  let after: number | null = null;
  if (backend === 'wasm') {
    before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) {
      const r = pipeline.infer(x);
      await r.scores.data();
      disposeAnomalyMap(r);
    }
    after = tf.memory().numTensors;
    log(`${backend}: tensors before ${before}, after 100 inferences ${after}`);
  }

  // One training step at batch 8 with teacher features as the training loop sees them (cached).
  let stepMs: number | null = null;
  const batch = 8;
  if (backend === 'wasm') {
    const taps = tf.tidy(() => teacher.features(tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 2) as tf.Tensor4D));
    const source = { count: batch, batch: (idx: number[]) => taps.map((t) => tf.gather(t, idx)) as tf.Tensor4D[] };
    const fresh = new Student(student.config, 0);
    const trainer = new Trainer(fresh, source, { ...DEFAULT_TRAIN_CONFIG, batchSize: batch });
    const all = Array.from({ length: batch }, (_, i) => i);
    trainer.step(all);
    const steps: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      trainer.step(all);
      steps.push(performance.now() - t0);
    }
    stepMs = median(steps);
    log(`${backend}: training step (batch ${batch}, cached teacher features) ${stepMs.toFixed(0)} ms`);
    trainer.dispose();
    fresh.dispose();
    tf.dispose(taps);
  }

  // Nearest-neighbour evidence (the accurate profile, eval --evidence fused): the bank's distances on the same teacher taps, with a
  // default-sized bank of random unit-length embeddings (cost depends on the sizes only, not the values).
  let nnMs: number | null = null;
  if (backend === 'wasm') {
    const grid = size / 8;
    const dim = teacher.channels.reduce((a, b) => a + b, 0);
    const rows = tf.tidy(() => tf.div(tf.randomNormal([FEATURE_BANK_DEFAULTS.maxVectors, dim], 0, 1, 'float32', 3), Math.sqrt(dim)));
    const bank = FeatureBank.fromEmbeddings([(await rows.data()) as Float32Array], dim, FEATURE_BANK_DEFAULTS);
    rows.dispose();
    const taps = tf.tidy(() => teacher.features(x));
    const runs: number[] = [];
    for (let i = 0; i < reps + 1; i++) {
      const t0 = performance.now();
      const m = bank.map(taps, grid, size, size, sigma);
      await m.data();
      m.dispose();
      if (i > 0) runs.push(performance.now() - t0);
    }
    nnMs = median(runs);
    log(`${backend}: nearest-neighbour evidence (${bank.size} × ${FEATURE_BANK_DEFAULTS.projectTo ?? dim} bank) ${nnMs.toFixed(1)} ms on top`);
    tf.dispose(taps);
    bank.dispose();
  }

  const teacherBytes = statSync(path.join(TEACHER_ROOT, teacher.meta.id, 'weights.bin')).size;
  const studentBytes = [...student.store.variables.values()].reduce((n, v) => n + v.size * 4, 0);
  const figures = {
    backend,
    teacher: `${teacher.meta.id}/${teacher.tapSet}`,
    teacher_ms: teacherMs,
    student_ms: studentMs,
    maps_ms: mapsMs,
    total_ms: teacherMs + studentMs + mapsMs,
    train_step_ms: stepMs,
    nn_evidence_ms: nnMs,
    train_batch: batch,
    tensors_before: before,
    tensors_after_100: after,
    student_params: student.parameterCount(),
    student_widths: `${student.config.widths.join('/')} e${student.config.embedChannels}`,
    student_bytes: studentBytes,
    teacher_bytes: teacherBytes,
  };
  x.dispose();
  student.dispose();
  teacher.dispose();
  return figures;
}

async function main(): Promise<void> {
  const { values: a } = parseCliArgs(process.argv.slice(2), {
    json: { type: 'boolean' }, profile: { type: 'boolean' }, backends: { type: 'string' }, model: { type: 'string' }, teacher: { type: 'string' },
    size: { type: 'string' }, reps: { type: 'string' }, threads: { type: 'string' }, widths: { type: 'string' }, embed: { type: 'string' }, help: { type: 'boolean' },
  }, USAGE);
  if (a.help) {
    console.log(USAGE);
    return;
  }
  const backends = (a.backends ?? 'wasm,cpu').split(',').map((b) => b.trim());
  for (const b of backends) if (b !== 'wasm' && b !== 'cpu') throw new UserError(`--backends: unknown backend "${b}" (wasm, cpu)`);
  const size = intOption(a.size, 'size', 256, 32, 1024);
  const reps = intOption(a.reps, 'reps', 5, 1, 100);
  const threads = threadsOption(a.threads);
  const shape = {
    widths: a.widths === undefined ? undefined : (intListOption(a.widths, 'widths', [], 3, 1, 2048) as [number, number, number]),
    embed: a.embed === undefined ? undefined : intOption(a.embed, 'embed', 0, 1, 4096),
  };
  if (a.model && (shape.widths || shape.embed)) throw new UserError('--widths/--embed describe a fresh student; they cannot be combined with --model');
  const log = (s: string) => process.stderr.write(s + '\n');
  const results = [];
  for (const b of backends) results.push(await benchBackend(b as NodeBackend, threads, a.profile === true, shape, a.model, a.teacher ?? DEFAULT_TEACHER, size, b === 'cpu' ? Math.min(reps, 2) : reps, log));
  const primary = results[0];
  // After the tfjs runs, so that the two never share the cores.
  const torch = runTorchReference(size, threads, Math.max(reps, 10));
  if (typeof torch === 'string') log(`PyTorch references skipped: ${torch}`);
  const ref = typeof torch === 'string' ? null : torch;
  const report = {
    backend: primary.backend,
    size,
    batch: 1,
    teacher: primary.teacher,
    teacher_ms: primary.teacher_ms,
    student_ms: primary.student_ms,
    maps_ms: primary.maps_ms,
    total_ms: primary.total_ms,
    train_step_ms: primary.train_step_ms,
    train_batch: primary.train_batch,
    model_bytes: { teacher: primary.teacher_bytes, student: primary.student_bytes },
    student_params: primary.student_params,
    student_widths: primary.student_widths,
    tensors: { before: primary.tensors_before, after_100_inferences: primary.tensors_after_100 },
    torch_rd_r18_ms: ref?.rd_r18_ms ?? null,
    torch_same_arch_ms: ref?.same_arch_ms ?? null,
    ratio_vs_torch_r18: ref ? primary.total_ms / ref.rd_r18_ms : null,
    ratio_vs_torch_same_arch: ref ? primary.total_ms / ref.same_arch_ms : null,
    torch_rd_r18_min_ms: ref?.rd_r18_min_ms ?? null,
    torch_same_arch_min_ms: ref?.same_arch_min_ms ?? null,
    torch_threads: ref?.threads ?? null,
    backends: results.map(({ student_params: _p, student_widths: _w, student_bytes: _s, teacher_bytes: _t, ...r }) => r),
    date: new Date().toISOString(),
  };
  if (a.json) {
    process.stdout.write(JSON.stringify(report) + '\n');
    return;
  }
  console.log(`image ${size}×${size}, batch 1, ${primary.teacher}`);
  console.log('backend  teacher_ms  student_ms  maps_ms  total_ms  train_step_ms(b8)');
  for (const r of report.backends) {
    console.log(`${r.backend.padEnd(8)} ${r.teacher_ms.toFixed(1).padStart(10)} ${r.student_ms.toFixed(1).padStart(11)} ${r.maps_ms.toFixed(1).padStart(8)} ${r.total_ms.toFixed(1).padStart(9)} ${r.train_step_ms === null ? '        -' : r.train_step_ms.toFixed(0).padStart(17)}`);
  }
  if (primary.nn_evidence_ms !== null) console.log(`nearest-neighbour evidence (accurate profile): +${primary.nn_evidence_ms.toFixed(1)} ms per image`);
  console.log(`model bytes: teacher ${primary.teacher_bytes}, student ${primary.student_bytes} (${(primary.student_params / 1e6).toFixed(2)} M params, widths ${primary.student_widths})`);
  console.log(`tensors: ${primary.tensors_before} before, ${primary.tensors_after_100} after 100 inferences`);
  if (ref) {
    console.log(`PyTorch ${ref.torch} (CPU, ${ref.threads} threads, random weights, no blur): RD-ResNet18 ${ref.rd_r18_ms.toFixed(1)} ms, ` +
      `same architecture ${ref.same_arch_ms.toFixed(1)} ms (fastest runs ${ref.rd_r18_min_ms.toFixed(1)} / ${ref.same_arch_min_ms.toFixed(1)} ms); ${primary.backend} total / RD-ResNet18 = ${report.ratio_vs_torch_r18!.toFixed(2)}, ` +
      `/ same architecture = ${report.ratio_vs_torch_same_arch!.toFixed(2)}`);
  }
}

runCli(main);

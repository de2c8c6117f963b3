/**
 * Model bundles on disk: `model.json` + `weights.bin` (a tfjs weights manifest, saved through a tf.io
 * handler) and `meta.json`; and the converted teachers under public/models/teacher/<id>/.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedTensor } from '../../src/engine/train';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkBundle, parseModelMeta } from '../../src/engine/bundle-contract';
import { FusedEvidence } from '../../src/engine/evidence';
import type { ModelMeta } from '../../src/engine/model-meta';
import { Student } from '../../src/engine/student';
import { Teacher, TeacherMeta } from '../../src/engine/teacher';
import { bankFromArtifacts, studentFromArtifacts, studentToArtifacts, weightDataToArrayBuffer } from '../../src/engine/weights-io';
import { UserError } from './cli-support';
import { fileSystemHandler } from './file-io';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TEACHER_ROOT = path.join(REPO_ROOT, 'public/models/teacher');

export async function readJson<T>(file: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UserError(`${what} not found: ${file}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new UserError(`${what} is not valid JSON: ${file}`);
  }
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(value, null, 2) + '\n');
  await rename(tmp, file);
}

export async function loadTeacherMeta(id: string, root = TEACHER_ROOT): Promise<TeacherMeta> {
  const file = path.join(root, id, 'meta.json');
  if (!existsSync(file)) {
    throw new UserError(`teacher "${id}" is not converted yet (${file} missing): run \`npm run models:teacher -- --teacher ${id}\``);
  }
  return readJson<TeacherMeta>(file, 'teacher meta');
}

export async function loadTeacher(id: string, tapSet: string | undefined, root = TEACHER_ROOT): Promise<Teacher> {
  const meta = await loadTeacherMeta(id, root);
  if (tapSet !== undefined && !meta.tapSets[tapSet]) {
    throw new UserError(`teacher "${id}" has no tap set "${tapSet}" (have: ${Object.keys(meta.tapSets).join(', ')})`);
  }
  return Teacher.load(fileSystemHandler(path.join(root, id)), meta, tapSet ?? meta.defaultTapSet);
}

/** Writes model.json + weights.bin; `bank`: the accurate profile's bank, one more weights entry. */
export async function saveStudentWeights(dir: string, student: Student, bank?: { vectors: Float32Array; shape: [number, number] }): Promise<void> {
  await mkdir(dir, { recursive: true });
  await fileSystemHandler(dir).save(await studentToArtifacts(student, bank));
}

async function readArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  if (!existsSync(path.join(dir, 'model.json'))) throw new UserError(`no model.json in ${dir}`);
  try {
    return await fileSystemHandler(dir).load!();
  } catch (e) {
    throw new UserError(`cannot read the student weights in ${dir}: ${(e as Error).message}`);
  }
}

function studentOf(dir: string, artifacts: tf.io.ModelArtifacts): Student {
  try {
    return studentFromArtifacts(artifacts);
  } catch (e) {
    throw new UserError(`${dir}: ${(e as Error).message}`);
  }
}

export async function loadStudentWeights(dir: string): Promise<Student> {
  return studentOf(dir, await readArtifacts(dir));
}

/** Writes the bundle; `evidence` (accurate profile): its bank goes into weights.bin and its meta into meta.json. */
export async function saveBundle(dir: string, student: Student, meta: ModelMeta, evidence: FusedEvidence | null = null): Promise<void> {
  await saveStudentWeights(dir, student, evidence ? await evidence.bankEntry() : undefined);
  await writeJsonAtomic(path.join(dir, 'meta.json'), evidence ? { ...meta, evidence: evidence.meta } : meta);
}

export interface LoadedBundle {
  meta: ModelMeta;
  student: Student;
  teacher: Teacher;
  /** The stored nearest-neighbour evidence of a model of the accurate profile; null for the fast one. */
  evidence: FusedEvidence | null;
}

/** Loads a bundle and its teacher; refuses a bundle whose meta does not fit the converted teacher. */
export async function loadBundle(dir: string, teacherRoot = TEACHER_ROOT): Promise<LoadedBundle> {
  if (!existsSync(dir)) throw new UserError(`model folder not found: ${dir}`);
  const metaFile = path.join(dir, 'meta.json');
  const parsed = parseModelMeta(await readJson(metaFile, 'model meta'));
  if (!parsed.meta) throw new UserError(`${metaFile}: ${parsed.reason}`);
  const meta = parsed.meta;
  const teacherMeta = await loadTeacherMeta(meta.teacher.id, teacherRoot);
  const mismatch = checkBundle({ meta, teacher: teacherMeta });
  if (mismatch) throw new UserError(`model ${dir} does not match the converted teacher: ${mismatch}`);
  const artifacts = await readArtifacts(dir);
  const corrupt = checkBundle({ meta, artifacts });
  if (corrupt) throw new UserError(`model ${dir}: ${corrupt}`);
  const student = studentOf(dir, artifacts);
  const misfit = checkBundle({ meta, student: student.config });
  if (misfit) {
    student.dispose();
    throw new UserError(`model ${dir}: ${misfit}`);
  }
  let evidence: FusedEvidence | null = null;
  try {
    const vectors = meta.evidence ? bankFromArtifacts(artifacts) : null;
    if (meta.evidence && vectors) evidence = FusedEvidence.fromStored(meta.evidence, vectors);
  } catch (e) {
    student.dispose();
    throw new UserError(`model ${dir}: ${(e as Error).message}`);
  }
  const teacher = await loadTeacher(meta.teacher.id, meta.teacher.tapSet, teacherRoot);
  return { meta, student, teacher, evidence };
}

/** Checkpoint = student weights + Adam state + trainer state, written to a temp folder then swapped in. */
export async function saveCheckpoint(dir: string, student: Student, optimizer: NamedTensor[], state: object): Promise<void> {
  const tmp = `${dir}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await saveStudentWeights(tmp, student);
  const { data, specs } = await tf.io.encodeWeights(optimizer.map((o, i) => ({ name: `opt_${i}`, tensor: o.tensor })));
  await writeFile(path.join(tmp, 'optimizer.bin'), new Uint8Array(weightDataToArrayBuffer(data)));
  await writeJsonAtomic(path.join(tmp, 'optimizer.json'), { specs });
  await writeJsonAtomic(path.join(tmp, 'state.json'), state);
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
}

export async function loadCheckpoint<S>(dir: string): Promise<{ student: Student; optimizer: NamedTensor[]; state: S }> {
  const student = await loadStudentWeights(dir);
  const { specs } = await readJson<{ specs: tf.io.WeightsManifestEntry[] }>(path.join(dir, 'optimizer.json'), 'optimizer state');
  const bin = await readFile(path.join(dir, 'optimizer.bin'));
  const buf = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  const named = tf.io.decodeWeights(buf, specs);
  const optimizer = specs.map((s) => ({ name: s.name, tensor: named[s.name] }));
  const state = await readJson<S>(path.join(dir, 'state.json'), 'trainer state');
  return { student, optimizer, state };
}

/**
 * Convert the pretrained CNNs shipped in nsfwjs@4.4.0 (MIT) into size-agnostic, truncated tfjs teacher
 * models for reverse distillation.
 *
 *   npx tsx cli/convert-teacher.ts [--teacher <id> ...|--all] [--out public/models/teacher] [--force] [--no-verify]
 *
 * Output per teacher: <out>/<id>/{model.json, weights.bin, meta.json}. The conversion is pure JSON/byte
 * surgery on the original artifacts (nsfwjs's own loader is not used):
 *  - layers models: keep only layers that are ancestors of some tap (of any tap set), make the input
 *    [null,null,null,3], list every tap layer as a model output, drop the training config;
 *  - graph models: keep only nodes that are ancestors of some tap node, make the input placeholder
 *    [-1,-1,-1,3], drop the fixed-size signature;
 *  - weights: the kept tensors' bytes are copied unchanged (still uint8-quantized with their min/scale);
 *  - layers models are then rewritten as fused graph models (BatchNorm folded into the convolutions, bias +
 *    ReLU6 and explicit padding fused into one op; cli/lib/fuse-layers.ts) with float32 weights: the taps
 *    equal the original model's intermediate outputs up to float rounding (tested to 1e-4).
 * meta.json is written last; an existing meta.json means "done" (skipped unless --force).
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { initBackend } from './lib/backend';
import { fileSystemHandler, specByteLength } from './lib/file-io';
import { fuseLayersModel } from './lib/fuse-layers';
import { Teacher } from '../src/engine/teacher';
import {
  TEACHER_FORMAT_VERSION,
  TEACHER_IDS,
  TEACHER_SPECS,
  allTapNames,
  isTeacherId,
  tapShapesFor,
  teacherMetaFromSpec,
  type TeacherId,
  type TeacherMeta,
  type TeacherSpec,
} from '../src/engine/teacher-specs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_TEACHER_OUT = path.join(REPO_ROOT, 'public', 'models', 'teacher');
const NSFWJS_VERSION = '4.4.0';

// ---------------------------------------------------------------------------------------------------
// Reading the nsfwjs model modules

export interface SourceArtifacts {
  /** The model.json object exported by model.min.js. */
  modelJSON: tf.io.ModelJSON;
  weightSpecs: tf.io.WeightsManifestEntry[];
  /** All shards concatenated, in manifest order. */
  weightData: ArrayBuffer;
  nsfwjsVersion: string;
}

function nsfwjsRoot(): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  let dir = path.dirname(require.resolve('nsfwjs'));
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (existsSync(pj)) {
      const json = require(pj) as { name?: string; version?: string };
      if (json.name === 'nsfwjs') return { dir, version: json.version ?? '?' };
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error('convert-teacher: cannot locate the nsfwjs package root');
    dir = up;
  }
}

/**
 * Load one nsfwjs model from its JS modules: model.min.js exports the model.json object and each
 * group1-shardXofY.min.js exports the shard's bytes as a base64 string.
 */
export function loadNsfwjsArtifacts(id: TeacherId): SourceArtifacts {
  const require = createRequire(import.meta.url);
  const { dir: root, version } = nsfwjsRoot();
  const modelDir = path.join(root, 'dist', 'models', TEACHER_SPECS[id].nsfwjsModel);
  const modelJSON = require(path.join(modelDir, 'model.min.js')) as tf.io.ModelJSON;
  if (!modelJSON?.modelTopology || !Array.isArray(modelJSON.weightsManifest)) {
    throw new Error(`convert-teacher: ${modelDir}/model.min.js does not export a model.json object`);
  }
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const chunks: Buffer[] = [];
  for (const group of modelJSON.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) {
      const b64: unknown = require(path.join(modelDir, `${p.replace(/\.bin$/, '')}.min.js`));
      if (typeof b64 !== 'string') throw new Error(`convert-teacher: shard ${p} of ${id} is not a base64 string`);
      chunks.push(Buffer.from(b64, 'base64'));
    }
  }
  const all = Buffer.concat(chunks);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  const expected = weightSpecs.reduce((n, s) => n + specByteLength(s), 0);
  if (expected !== weightData.byteLength) {
    throw new Error(`convert-teacher: ${id} shards hold ${weightData.byteLength} bytes, manifest expects ${expected}`);
  }
  return { modelJSON, weightSpecs, weightData, nsfwjsVersion: version };
}

/** ModelArtifacts of the ORIGINAL (untruncated, fixed-size) nsfwjs model, e.g. for tf.io.fromMemory. */
export function originalArtifacts(id: TeacherId): tf.io.ModelArtifacts {
  const src = loadNsfwjsArtifacts(id);
  const j = src.modelJSON;
  return {
    modelTopology: j.modelTopology,
    format: j.format,
    generatedBy: j.generatedBy,
    convertedBy: j.convertedBy,
    userDefinedMetadata: j.userDefinedMetadata,
    signature: j.signature,
    weightSpecs: src.weightSpecs,
    weightData: src.weightData,
  };
}

// ---------------------------------------------------------------------------------------------------
// Truncation

/** Keep only the weights whose owner is in `keep`, copying their (still quantized) bytes. */
function selectWeights(specs: tf.io.WeightsManifestEntry[], data: ArrayBuffer, owner: (s: tf.io.WeightsManifestEntry) => string, keep: Set<string>) {
  const kept: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const s of specs) {
    const len = specByteLength(s);
    if (keep.has(owner(s))) {
      kept.push(s);
      parts.push(new Uint8Array(data, offset, len));
    }
    offset += len;
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return { weightSpecs: kept, weightData: out.buffer };
}

/** Ancestors (inclusive) of `targets` in a DAG given by name → input names. */
function ancestors(targets: string[], inputsOf: (name: string) => string[]): Set<string> {
  const seen = new Set<string>();
  const stack = [...targets];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...inputsOf(n));
  }
  return seen;
}

interface KerasLayerJSON {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: unknown[];
}
interface KerasTopology {
  keras_version?: string;
  backend?: string;
  model_config: { class_name: string; config: { name?: string; layers: KerasLayerJSON[]; input_layers: unknown[]; output_layers: unknown[] } };
  training_config?: unknown;
}

function kerasInboundNames(layer: KerasLayerJSON): string[] {
  const names: string[] = [];
  for (const node of layer.inbound_nodes) {
    if (!Array.isArray(node)) throw new Error(`convert-teacher: unsupported inbound_nodes format in layer ${layer.name}`);
    for (const ref of node) {
      if (!Array.isArray(ref) || typeof ref[0] !== 'string') throw new Error(`convert-teacher: unsupported inbound node in layer ${layer.name}`);
      names.push(ref[0]);
    }
  }
  return names;
}

function truncateLayersModel(spec: TeacherSpec, src: SourceArtifacts): tf.io.ModelArtifacts {
  const topo = structuredClone(src.modelJSON.modelTopology) as KerasTopology;
  const cfg = topo.model_config.config;
  const byName = new Map(cfg.layers.map((l) => [l.name, l]));
  const taps = allTapNames(spec);
  for (const t of taps) if (!byName.has(t)) throw new Error(`convert-teacher: ${spec.id} has no layer "${t}"`);
  const keep = ancestors(taps, (n) => kerasInboundNames(byName.get(n)!));

  cfg.layers = cfg.layers.filter((l) => keep.has(l.name));
  for (const l of cfg.layers) {
    if (l.class_name === 'InputLayer') {
      const shape = l.config.batch_input_shape as (number | null)[];
      l.config.batch_input_shape = [null, null, null, shape[shape.length - 1]];
    }
  }
  const order = new Map(cfg.layers.map((l, i) => [l.name, i]));
  cfg.output_layers = [...taps].sort((a, b) => order.get(a)! - order.get(b)!).map((n) => [n, 0, 0]);
  cfg.name = `${spec.id}_teacher`;
  delete topo.training_config;

  const w = selectWeights(src.weightSpecs, src.weightData, (s) => s.name.slice(0, s.name.lastIndexOf('/')), keep);
  return {
    modelTopology: topo,
    format: 'layers-model',
    generatedBy: `keras v${topo.keras_version ?? '?'}`,
    convertedBy: `rd-inspector convert-teacher (nsfwjs@${src.nsfwjsVersion}, truncated, size-agnostic)`,
    ...w,
  };
}

interface GraphNodeJSON {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, { shape?: { dim?: { size: string }[] } } & Record<string, unknown>>;
}

function truncateGraphModel(spec: TeacherSpec, src: SourceArtifacts): tf.io.ModelArtifacts {
  const topo = structuredClone(src.modelJSON.modelTopology) as { node: GraphNodeJSON[]; versions?: unknown; library?: unknown };
  if (topo.library != null) throw new Error(`convert-teacher: ${spec.id}: graph functions (library) are not supported`);
  const byName = new Map(topo.node.map((n) => [n.name, n]));
  const taps = allTapNames(spec);
  for (const t of taps) if (!byName.has(t)) throw new Error(`convert-teacher: ${spec.id} has no node "${t}"`);
  // Input refs look like "name", "name:1", "name:out:0" or "^name" (control dependency).
  const refName = (r: string) => r.replace(/^\^/, '').split(':')[0];
  const keep = ancestors(taps, (n) => (byName.get(n)!.input ?? []).map(refName));

  topo.node = topo.node.filter((n) => keep.has(n.name));
  for (const n of topo.node) {
    const dims = n.op === 'Placeholder' ? n.attr?.shape?.shape?.dim : undefined;
    if (dims && dims.length === 4) for (let i = 0; i < 3; i++) dims[i] = { size: '-1' };
  }

  const w = selectWeights(src.weightSpecs, src.weightData, (s) => s.name, keep);
  return {
    modelTopology: topo,
    format: 'graph-model',
    generatedBy: src.modelJSON.generatedBy,
    convertedBy: `${src.modelJSON.convertedBy ?? '?'}; rd-inspector convert-teacher (nsfwjs@${src.nsfwjsVersion}, truncated, size-agnostic)`,
    // The original signature pins the input to 224×224 and names the classifier output: dropped.
    ...w,
  };
}

export function truncateTeacher(id: TeacherId, src: SourceArtifacts = loadNsfwjsArtifacts(id)): tf.io.ModelArtifacts {
  const spec = TEACHER_SPECS[id];
  return spec.format === 'layers' ? truncateLayersModel(spec, src) : truncateGraphModel(spec, src);
}

/**
 * The truncated teacher as the app runs it: layers models become fused graph models (cli/lib/fuse-layers.ts);
 * the TF-Hub graph model was already fused (BN folded) by tfjs-converter and is kept as it is.
 */
export function fusedTeacher(id: TeacherId, src: SourceArtifacts = loadNsfwjsArtifacts(id)): tf.io.ModelArtifacts {
  const spec = TEACHER_SPECS[id];
  const truncated = truncateTeacher(id, src);
  return spec.format === 'layers' ? fuseLayersModel(truncated, new Set(allTapNames(spec))).artifacts : truncated;
}

// ---------------------------------------------------------------------------------------------------
// Conversion driver

export interface ConvertOptions {
  force?: boolean;
  /** Load the result and check every tap set's shapes at the default input size (needs a tf backend). */
  verify?: boolean;
  log?: (msg: string) => void;
}

export interface ConvertResult {
  id: TeacherId;
  dir: string;
  skipped: boolean;
  /** Bytes on disk: model.json + weights.bin + meta.json. */
  bytes?: { modelJson: number; weights: number; total: number };
  originalWeightBytes?: number;
  keptWeights?: number;
  convertMs?: number;
  verifyMs?: number;
}

export async function readTeacherMeta(dir: string): Promise<TeacherMeta> {
  return JSON.parse(await readFile(path.join(dir, 'meta.json'), 'utf8')) as TeacherMeta;
}

/** Load a converted teacher from <root>/<id>/ (Node). */
export async function loadTeacherFromDir(root: string, id: TeacherId, tapSet?: string): Promise<Teacher> {
  const dir = path.join(root, id);
  const meta = await readTeacherMeta(dir);
  return Teacher.load(fileSystemHandler(dir), meta, tapSet);
}

export async function convertTeacher(id: TeacherId, outRoot: string = DEFAULT_TEACHER_OUT, opts: ConvertOptions = {}): Promise<ConvertResult> {
  const log = opts.log ?? (() => {});
  const dir = path.join(outRoot, id);
  const metaPath = path.join(dir, 'meta.json');
  if (!opts.force && existsSync(metaPath)) {
    log(`${id}: ${path.relative(process.cwd(), metaPath)} exists, skipping (use --force to redo)`);
    return { id, dir, skipped: true };
  }
  const t0 = performance.now();
  const src = loadNsfwjsArtifacts(id);
  if (src.nsfwjsVersion !== NSFWJS_VERSION) log(`warning: nsfwjs ${src.nsfwjsVersion} installed, specs were written for ${NSFWJS_VERSION}`);
  const artifacts = fusedTeacher(id, src);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await fileSystemHandler(dir).save(artifacts);
  const meta = teacherMetaFromSpec(TEACHER_SPECS[id]);
  const convertMs = performance.now() - t0;

  let verifyMs: number | undefined;
  if (opts.verify) {
    const t1 = performance.now();
    await verifyTeacher(dir, meta);
    verifyMs = performance.now() - t1;
  }
  // meta.json last: its presence marks a complete conversion.
  await writeFile(metaPath, JSON.stringify(meta, null, 2) + '\n');

  const modelJson = (await stat(path.join(dir, 'model.json'))).size;
  const weights = (await stat(path.join(dir, 'weights.bin'))).size;
  const metaBytes = (await stat(metaPath)).size;
  const res: ConvertResult = {
    id,
    dir,
    skipped: false,
    bytes: { modelJson, weights, total: modelJson + weights + metaBytes },
    originalWeightBytes: src.weightData.byteLength,
    keptWeights: artifacts.weightSpecs?.length ?? 0,
    convertMs,
    verifyMs,
  };
  log(
    `${id}: ${res.keptWeights}/${src.weightSpecs.length} weights, ${(weights / 1e6).toFixed(2)} MB weights ` +
      `(original ${(src.weightData.byteLength / 1e6).toFixed(2)} MB) + ${(modelJson / 1e3).toFixed(0)} kB model.json → ` +
      `${path.relative(process.cwd(), dir) || dir} in ${convertMs.toFixed(0)} ms` +
      (verifyMs != null ? `, verified in ${verifyMs.toFixed(0)} ms` : ''),
  );
  return res;
}

/** Run every tap set once at the default input size and compare shapes with the meta. */
async function verifyTeacher(dir: string, meta: TeacherMeta): Promise<void> {
  const size = meta.defaultInputSize;
  for (const tapSet of Object.keys(meta.tapSets)) {
    const teacher = await Teacher.load(fileSystemHandler(dir), meta, tapSet);
    try {
      const shapes = tf.tidy(() => teacher.features(tf.zeros([1, size, size, 3])).map((f) => f.shape.slice(1)));
      const want = tapShapesFor(meta.tapSets[tapSet], size);
      if (JSON.stringify(shapes) !== JSON.stringify(want)) {
        throw new Error(`convert-teacher: ${meta.id}/${tapSet} tap shapes ${JSON.stringify(shapes)} at ${size}² ≠ expected ${JSON.stringify(want)}`);
      }
    } finally {
      teacher.dispose();
    }
  }
}

/** Is <root>/<id> converted with the current meta format? */
export async function isTeacherConverted(root: string, id: TeacherId): Promise<boolean> {
  const dir = path.join(root, id);
  if (!existsSync(path.join(dir, 'meta.json')) || !existsSync(path.join(dir, 'model.json'))) return false;
  try {
    return (await readTeacherMeta(dir)).formatVersion === TEACHER_FORMAT_VERSION;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------
// CLI

function usage(): string {
  return `usage: npx tsx cli/convert-teacher.ts [--teacher <${TEACHER_IDS.join('|')}> ...|--all] [--out <dir>] [--force] [--no-verify]`;
}

export async function main(argv: string[]): Promise<ConvertResult[]> {
  const ids: TeacherId[] = [];
  let out = DEFAULT_TEACHER_OUT;
  let force = false;
  let verify = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--all') ids.push(...TEACHER_IDS);
    else if (a === '--teacher' || a.startsWith('--teacher=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (!v || !isTeacherId(v)) throw new Error(`unknown teacher "${v}"\n${usage()}`);
      ids.push(v);
    } else if (a === '--out' || a.startsWith('--out=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (!v) throw new Error(`--out needs a directory\n${usage()}`);
      out = path.resolve(v);
    } else if (a === '--force') force = true;
    else if (a === '--no-verify') verify = false;
    else if (a === '--help' || a === '-h') {
      console.log(usage());
      return [];
    } else throw new Error(`unknown argument "${a}"\n${usage()}`);
  }
  if (ids.length === 0) ids.push('mobilenet_v2');
  const todo = [...new Set(ids)];
  const needsWork = force || todo.some((id) => !existsSync(path.join(out, id, 'meta.json')));
  if (verify && needsWork) await initBackend('wasm');
  const results: ConvertResult[] = [];
  for (const id of todo) results.push(await convertTeacher(id, out, { force, verify, log: (m) => console.log(m) }));
  return results;
}

const invokedDirectly = process.argv[1] != null && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}

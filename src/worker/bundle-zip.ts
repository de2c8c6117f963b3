/**
 * Model bundles as one .zip file, for export (download) and import (drop): exactly the CLI's bundle
 * layout — model.json (tfjs weights manifest, one group "weights.bin"), weights.bin, meta.json — so a
 * zip exported here unpacks into a folder that `npm run eval -- --model DIR` reads, and a folder written
 * by `npm run train` can be zipped (or its three files dropped together) and imported.
 *
 * Export goes through a tfjs save handler (tf.io.withSaveHandler), like any other tfjs destination;
 * the zip container is fflate (weights stored uncompressed: float32 noise does not deflate). Import
 * unzips or collects the dropped files, rebuilds ModelArtifacts with tfjs's own manifest reader and
 * checks format version, meta and weight bytes with the engine's bundle contract (bundle-contract.ts).
 * No DOM, no Node: runs in the worker and in Node tests.
 */
import * as tf from '@tensorflow/tfjs';
import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { checkBundle, parseModelMeta } from '../engine/bundle-contract';
import type { ModelMeta, TapInfo } from '../engine/model-meta';
import { InferenceError, messageOf } from './errors';
import { checkWeightBytes } from './model-files';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const META_JSON = 'meta.json';
/** Largest bundle content accepted on import (uncompressed). */
export const MAX_BUNDLE_BYTES = 512 * 2 ** 20;

/** One dropped or unzipped file. */
export interface BundleFile {
  name: string;
  bytes: Uint8Array;
}

/** The model.json the CLI writes for these artifacts (cli/lib/file-io's fileSystemHandler layout). */
export function modelJsonFor(artifacts: tf.io.ModelArtifacts): tf.io.ModelJSON {
  if (artifacts.modelTopology instanceof ArrayBuffer) throw new Error('bundle export: binary model topologies are not supported');
  const json: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology ?? {},
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.format != null) json.format = artifacts.format;
  if (artifacts.generatedBy != null) json.generatedBy = artifacts.generatedBy;
  if (artifacts.convertedBy !== undefined) json.convertedBy = artifacts.convertedBy;
  return json;
}

/** The three files of a bundle, zipped. `mtime` fixes the entries' dates (default: now). */
export function zipBundle(artifacts: tf.io.ModelArtifacts, meta: ModelMeta, opts: { mtime?: Date } = {}): Uint8Array<ArrayBuffer> {
  const weights = artifacts.weightData == null ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  checkWeightBytes({ ...artifacts, weightData: weights }, WEIGHTS_BIN);
  const mtime = opts.mtime ?? new Date();
  const files: Zippable = {
    [MODEL_JSON]: [strToU8(JSON.stringify(modelJsonFor(artifacts))), { level: 6, mtime }],
    [WEIGHTS_BIN]: [new Uint8Array(weights), { level: 0, mtime }],
    [META_JSON]: [strToU8(JSON.stringify(meta, null, 2) + '\n'), { level: 6, mtime }],
  };
  return zipSync(files);
}

/** A tfjs IOHandler whose save() zips the artifacts with `meta` and hands the bytes to `onZip`. */
export function bundleZipSaveHandler(meta: ModelMeta, onZip: (bytes: Uint8Array<ArrayBuffer>) => void, opts: { mtime?: Date } = {}): tf.io.IOHandler {
  return tf.io.withSaveHandler(async (artifacts) => {
    onZip(zipBundle(artifacts, meta, opts));
    // tfjs sizes split weight data itself: no second join of the weights.
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  });
}

/** Artifacts + meta → .zip bytes, through the save handler above. */
export async function exportBundleZip(artifacts: tf.io.ModelArtifacts, meta: ModelMeta, opts: { mtime?: Date } = {}): Promise<Uint8Array<ArrayBuffer>> {
  let out: Uint8Array<ArrayBuffer> | null = null;
  await bundleZipSaveHandler(meta, (bytes) => (out = bytes), opts).save!(artifacts);
  if (!out) throw new Error('bundle export: the save handler produced nothing');
  return out;
}

/** A file name for an exported bundle: the model's name, made safe, + ".zip". */
export function bundleFileName(name: string): string {
  const stem = name
    .normalize('NFKD')
    .replace(/[^\w.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 80);
  return `${stem || 'model'}.zip`;
}

function refuse(message: string): never {
  throw new InferenceError('model', message);
}

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5) && (bytes[3] === 4 || bytes[3] === 6);
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/**
 * Dropped files → bundle files by base name: .zip files are unpacked (a folder inside is fine; macOS
 * resource forks are skipped), other files are taken as they are. Two different files of one name
 * (two bundles dropped together) are refused.
 */
export function collectBundleFiles(files: readonly BundleFile[]): Map<string, Uint8Array> {
  if (!Array.isArray(files) || files.length === 0) throw new InferenceError('input', 'nothing to import: drop a bundle .zip or its model.json, weights.bin and meta.json');
  const out = new Map<string, Uint8Array>();
  const origin = new Map<string, string>();
  let total = 0;
  const add = (name: string, bytes: Uint8Array, from: string) => {
    const key = baseName(name);
    if (!key || key.startsWith('._') || name.includes('__MACOSX/')) return;
    const prev = out.get(key);
    if (prev && !(prev.length === bytes.length && prev.every((b, i) => b === bytes[i]))) {
      refuse(`the dropped files hold two different ${key} (${origin.get(key)} and ${from}): import one bundle at a time`);
    }
    total += bytes.length;
    if (total > MAX_BUNDLE_BYTES) refuse(`the bundle is larger than ${MAX_BUNDLE_BYTES / 2 ** 20} MiB`);
    out.set(key, bytes);
    origin.set(key, from);
  };
  for (const f of files) {
    if (!f || typeof f.name !== 'string' || !(f.bytes instanceof Uint8Array)) throw new InferenceError('input', 'import: each file needs a name and its bytes');
    if (isZip(f.bytes)) {
      let entries: Record<string, Uint8Array>;
      let declared = 0;
      try {
        entries = unzipSync(f.bytes, {
          filter: (e) => {
            declared += e.originalSize;
            if (declared > MAX_BUNDLE_BYTES) throw new Error(`more than ${MAX_BUNDLE_BYTES / 2 ** 20} MiB unpacked`);
            return !e.name.endsWith('/');
          },
        });
      } catch (e) {
        refuse(`${f.name} is damaged: its zip entries could not be read (${messageOf(e)})`);
      }
      for (const [name, bytes] of Object.entries(entries)) add(name, bytes, `${f.name}/${name}`);
    } else if (/\.zip$/i.test(f.name)) {
      // Without this it would count as a loose file, and the import would say model.json is missing.
      refuse(`${f.name} is not a zip archive, or it is damaged: it does not start like one`);
    } else {
      add(f.name, f.bytes, f.name);
    }
  }
  return out;
}

function parseJson(bytes: Uint8Array | undefined, name: string): unknown {
  if (!bytes) refuse(`${name} missing from the bundle`);
  try {
    return JSON.parse(strFromU8(bytes)) as unknown;
  } catch {
    return refuse(`${name} in the bundle is not valid JSON`);
  }
}

/** meta.json of a bundle, checked by the bundle contract (a newer format version is named as such). */
export function checkBundleMeta(raw: unknown): ModelMeta {
  const parsed = parseModelMeta(raw);
  return parsed.meta ?? refuse(parsed.newerFormat ? parsed.reason : `meta.json in the bundle: ${parsed.reason}`);
}

export interface ReadBundle {
  artifacts: tf.io.ModelArtifacts;
  meta: ModelMeta;
}

/**
 * Dropped files (a .zip, or model.json + weights.bin + meta.json) → artifacts + meta, checked: files
 * present, JSON valid, format version and meta, every weights file of the manifest present, weight
 * bytes exactly what the manifest describes. Refusals are InferenceError 'model' (or 'input').
 */
export async function readBundle(files: readonly BundleFile[]): Promise<ReadBundle> {
  const found = collectBundleFiles(files);
  const json = parseJson(found.get(MODEL_JSON), MODEL_JSON) as tf.io.ModelJSON | null;
  if (!json || typeof json !== 'object' || !Array.isArray(json.weightsManifest)) refuse('model.json in the bundle is not a tfjs model.json (no weightsManifest)');
  const meta = checkBundleMeta(parseJson(found.get(META_JSON), META_JSON));
  const artifacts = await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      for (const p of group.paths) {
        const bytes = found.get(baseName(p));
        if (!bytes) refuse(`${baseName(p)} missing from the bundle`);
        buffers.push(bytes.slice().buffer);
      }
    }
    return [tf.io.getWeightSpecs(manifest), buffers.length === 1 ? buffers[0] : tf.io.concatenateArrayBuffers(buffers)];
  });
  const corrupt = checkBundle({ meta, artifacts });
  if (corrupt) refuse(`the bundle is corrupt: ${corrupt}`);
  return { artifacts, meta };
}

/** The teacher a worker runs: id, tap set and its taps. */
export interface TeacherIdentity {
  id: string;
  tapSet: string;
  taps: readonly TapInfo[];
}

/** Null when the bundle fits the teacher, else the user-facing reason. */
export function bundleTeacherMismatch(meta: ModelMeta, teacher: TeacherIdentity): string | null {
  const bundle = `${meta.teacher.id}/${meta.teacher.tapSet}`;
  const app = `${teacher.id}/${teacher.tapSet}`;
  if (meta.teacher.id !== teacher.id || meta.teacher.tapSet !== teacher.tapSet) {
    return `this bundle was trained on teacher ${bundle}; this app runs ${app}`;
  }
  const why = checkBundle({ meta, teacher: { id: teacher.id, tapSets: { [teacher.tapSet]: teacher.taps } } });
  return why ? `this bundle does not fit this app's teacher ${app}: ${why}` : null;
}

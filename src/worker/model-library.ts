/**
 * The user's model library: students trained or imported in the browser, kept in IndexedDB through
 * tfjs's own IO handlers (`indexeddb://rd4ad-user/<id>`; tfjs reads `self.indexedDB`, so this runs in
 * the worker). Each entry is one tfjs model record: the student artifacts (float32 weights, as
 * trained) with the model's meta.json, its user-visible name and creation date in the artifacts'
 * `userDefinedMetadata` — one record per model, nothing to keep in sync.
 *
 * Listing uses tf.io.listModels (cheap: tfjs's info store) filtered by the prefix; names and metas
 * live in the model records, so each record is read once per worker session and then cached by its
 * save date. Renaming rewrites the record under the same id. Saving reads the record back and compares
 * its weight bytes, because an IndexedDB transaction can abort (quota) after tfjs has reported success.
 *
 * Failures: StorageError (kind 'storage': quota exhausted — "QuotaExceededError" or a message with
 * "quota" — or IndexedDB unusable, e.g. a private window); InferenceError 'model' (no such id,
 * unreadable record) or 'input' (bad name). The stores themselves are in model-storage.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { validateModelMeta, type ModelMeta } from '../engine/model-meta';
import { weightBytes } from '../engine/weights-io';
import { InferenceError, KindedError, StorageError, isQuotaError, messageOf } from './errors';
import { tfjsModelStorage, type ModelStorage } from './model-storage';
import type { LibraryListing, LibraryModelInfo, LibraryOrigin } from './types';

export type { LibraryListing, LibraryModelInfo, LibraryOrigin } from './types';
export { memoryModelStorage, tfjsModelStorage, type ModelStorage } from './model-storage';

export const LIBRARY_URL_PREFIX = 'indexeddb://rd4ad-user/';
/** Key of our entry in the artifacts' userDefinedMetadata. */
export const LIBRARY_METADATA_KEY = 'rd4ad';
export const MAX_NAME_LENGTH = 100;

interface StoredMetadata {
  version: 1;
  name: string;
  origin: LibraryOrigin;
  createdAt: string;
  meta: ModelMeta;
}

/** The loadModel source of a library model. */
export function librarySource(id: string): { kind: 'indexeddb'; id: string; url: string } {
  return { kind: 'indexeddb', id, url: `${LIBRARY_URL_PREFIX}${id}` };
}

function storageFailure(e: unknown, action: string): KindedError {
  if (e instanceof KindedError) return e;
  if (isQuotaError(e)) {
    return new StorageError(`not enough browser storage to ${action} (${messageOf(e)}): delete models you no longer need from the library, or free disk space`);
  }
  return new StorageError(`could not ${action}: ${messageOf(e)}`);
}

function isNotFound(e: unknown): boolean {
  return /cannot find model/i.test(messageOf(e));
}

export function checkModelName(name: unknown): string {
  if (typeof name !== 'string' || !name.trim()) throw new InferenceError('input', 'a model needs a name');
  const trimmed = name.trim().replace(/\s+/g, ' ');
  if (trimmed.length > MAX_NAME_LENGTH) throw new InferenceError('input', `a model name has at most ${MAX_NAME_LENGTH} characters`);
  return trimmed;
}

function checkId(id: unknown): string {
  if (typeof id !== 'string' || !/^[\w-]{1,64}$/.test(id)) throw new InferenceError('input', `not a library model id: ${JSON.stringify(id)}`);
  return id;
}

export function newModelId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '').replace('T', '-');
  const rand = Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, '0');
  return `m${stamp}-${rand}`;
}

function readMetadata(artifacts: tf.io.ModelArtifacts): StoredMetadata {
  const raw = (artifacts.userDefinedMetadata as Record<string, unknown> | undefined)?.[LIBRARY_METADATA_KEY] as Partial<StoredMetadata> | undefined;
  if (!raw || typeof raw !== 'object' || typeof raw.name !== 'string') throw new Error('the record has no rd4ad metadata');
  const meta = validateModelMeta(raw.meta);
  return { version: 1, name: raw.name, origin: raw.origin === 'imported' ? 'imported' : 'trained', createdAt: String(raw.createdAt ?? ''), meta };
}

function toInfo(id: string, stored: StoredMetadata, savedAt: string, bytes: number): LibraryModelInfo {
  const { meta } = stored;
  return {
    id,
    source: librarySource(id),
    name: stored.name,
    origin: stored.origin,
    createdAt: stored.createdAt,
    savedAt,
    bytes,
    teacher: `${meta.teacher.id}/${meta.teacher.tapSet}`,
    inputSize: meta.inputSize,
    threshold: meta.calibration?.threshold ?? null,
    optimistic: meta.calibration?.optimistic === true,
    meta,
  };
}

function isoDate(d: unknown): string {
  if (d instanceof Date) return d.toISOString();
  const parsed = new Date(String(d));
  return Number.isNaN(parsed.getTime()) ? '' : parsed.toISOString();
}

async function storageEstimate(): Promise<{ usage: number; quota: number } | null> {
  try {
    const storage = (globalThis.navigator as { storage?: { estimate?: () => Promise<{ usage?: number; quota?: number }> } } | undefined)?.storage;
    const e = await storage?.estimate?.();
    return e && typeof e.usage === 'number' && typeof e.quota === 'number' ? { usage: e.usage, quota: e.quota } : null;
  } catch {
    return null;
  }
}

export class ModelLibrary {
  private readonly storage: ModelStorage;
  /** id → info, valid while the record's save date is unchanged. */
  private readonly cache = new Map<string, LibraryModelInfo>();

  constructor(storage: ModelStorage = tfjsModelStorage()) {
    this.storage = storage;
  }

  static urlOf(id: string): string {
    return `${LIBRARY_URL_PREFIX}${id}`;
  }

  async list(): Promise<LibraryListing> {
    let all: Record<string, tf.io.ModelArtifactsInfo>;
    try {
      all = await this.storage.list();
    } catch (e) {
      throw storageFailure(e, 'list the saved models');
    }
    const models: LibraryModelInfo[] = [];
    const unreadable: LibraryListing['unreadable'] = [];
    const seen = new Set<string>();
    for (const [url, info] of Object.entries(all)) {
      if (!url.startsWith(LIBRARY_URL_PREFIX)) continue;
      const id = url.slice(LIBRARY_URL_PREFIX.length);
      seen.add(id);
      const savedAt = isoDate(info.dateSaved);
      const cached = this.cache.get(id);
      if (cached && cached.savedAt === savedAt) {
        models.push(cached);
        continue;
      }
      try {
        const artifacts = await this.storage.load(url);
        const entry = toInfo(id, readMetadata(artifacts), savedAt, weightBytes(artifacts));
        this.cache.set(id, entry);
        models.push(entry);
      } catch (e) {
        unreadable.push({ id, reason: messageOf(e) });
      }
    }
    for (const id of [...this.cache.keys()]) if (!seen.has(id)) this.cache.delete(id);
    models.sort((a, b) => (b.createdAt || b.savedAt).localeCompare(a.createdAt || a.savedAt));
    return { models, unreadable, storage: await storageEstimate() };
  }

  /** Stores student artifacts (float32, as trained or imported) with their meta under a new id. */
  async save(artifacts: tf.io.ModelArtifacts, meta: ModelMeta, name: string, origin: LibraryOrigin): Promise<LibraryModelInfo> {
    const clean = checkModelName(name);
    const id = newModelId();
    const stored: StoredMetadata = { version: 1, name: clean, origin, createdAt: new Date().toISOString(), meta };
    return this.write(id, artifacts, stored, `save "${clean}"`, true);
  }

  /** The stored artifacts and meta of one model (no tensors are created). */
  async load(id: string): Promise<{ artifacts: tf.io.ModelArtifacts; meta: ModelMeta; info: LibraryModelInfo }> {
    checkId(id);
    let artifacts: tf.io.ModelArtifacts;
    try {
      artifacts = await this.storage.load(ModelLibrary.urlOf(id));
    } catch (e) {
      if (isNotFound(e)) throw new InferenceError('model', `model "${id}" is not in the library (was it deleted?)`);
      throw storageFailure(e, `read model "${id}" from the library`);
    }
    let stored: StoredMetadata;
    try {
      stored = readMetadata(artifacts);
    } catch (e) {
      throw new InferenceError('model', `the library entry "${id}" is unreadable: ${messageOf(e)}`);
    }
    const info = toInfo(id, stored, this.cache.get(id)?.savedAt ?? '', weightBytes(artifacts));
    return { artifacts, meta: stored.meta, info };
  }

  /** Changes the user-visible name; the id (and so any reference to the model) stays. */
  async rename(id: string, name: string): Promise<LibraryModelInfo> {
    const clean = checkModelName(name);
    const { artifacts } = await this.load(id);
    const stored = readMetadata(artifacts);
    return this.write(id, artifacts, { ...stored, name: clean }, `rename "${stored.name}"`, false);
  }

  /** Replaces the stored meta.json's calibration (a threshold chosen from an evaluation); weights stay. */
  async setCalibration(id: string, calibration: ModelMeta['calibration']): Promise<LibraryModelInfo> {
    const { artifacts } = await this.load(id);
    const stored = readMetadata(artifacts);
    return this.write(id, artifacts, { ...stored, meta: { ...stored.meta, calibration } }, `store the threshold of "${stored.name}"`, false);
  }

  async remove(id: string): Promise<void> {
    checkId(id);
    try {
      await this.storage.remove(ModelLibrary.urlOf(id));
    } catch (e) {
      if (isNotFound(e)) throw new InferenceError('model', `model "${id}" is not in the library (was it deleted?)`);
      throw storageFailure(e, `delete model "${id}"`);
    }
    this.cache.delete(id);
  }

  private async write(id: string, artifacts: tf.io.ModelArtifacts, stored: StoredMetadata, action: string, isNew: boolean): Promise<LibraryModelInfo> {
    const url = ModelLibrary.urlOf(id);
    const weightData = artifacts.weightData == null ? undefined : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
    const record: tf.io.ModelArtifacts = {
      ...artifacts,
      weightData,
      userDefinedMetadata: { ...(artifacts.userDefinedMetadata ?? {}), [LIBRARY_METADATA_KEY]: stored as unknown as object },
    };
    const bytes = weightBytes(record);
    try {
      await this.storage.save(url, record);
      // An IndexedDB transaction can still abort (e.g. quota) after tfjs resolved the save: read it back.
      const back = await this.storage.load(url);
      if (weightBytes(back) !== bytes || readMetadata(back).name !== stored.name) throw new Error('the stored record differs from what was written (storage full?)');
    } catch (e) {
      this.cache.delete(id);
      // A new record that did not make it whole is removed (best effort); a renamed one keeps its old state.
      if (isNew) await this.storage.remove(url).catch(() => undefined);
      throw storageFailure(e, action);
    }
    let savedAt = new Date().toISOString();
    try {
      const info = (await this.storage.list())[url];
      if (info) savedAt = isoDate(info.dateSaved) || savedAt;
    } catch {
      // the date is cosmetic
    }
    const entry = toInfo(id, stored, savedAt, bytes);
    this.cache.set(id, entry);
    return entry;
  }
}

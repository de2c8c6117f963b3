/**
 * Where the model library keeps its records: tfjs's IndexedDB handlers and model management in the
 * browser (`indexeddb://…`), or the same store in memory for tests and for a session-only library.
 * Both behave alike, down to tfjs's "Cannot find model" message for a missing record.
 */
import * as tf from '@tensorflow/tfjs';
import { StorageError, messageOf } from './errors';

/** The part of tf.io the library uses (injectable for tests). */
export interface ModelStorage {
  save(url: string, artifacts: tf.io.ModelArtifacts): Promise<void>;
  load(url: string): Promise<tf.io.ModelArtifacts>;
  /** url → info, for every model of every registered tfjs store. */
  list(): Promise<Record<string, tf.io.ModelArtifactsInfo>>;
  remove(url: string): Promise<void>;
}

function handlerFor(url: string, kind: 'save' | 'load'): tf.io.IOHandler {
  const handlers = kind === 'save' ? tf.io.getSaveHandlers(url) : tf.io.getLoadHandlers(url);
  if (handlers.length === 0) throw new StorageError('the browser storage for models (IndexedDB) is not available here');
  return handlers[0];
}

/** tfjs's IndexedDB handlers and model management (tf.io.listModels / removeModel). */
export function tfjsModelStorage(): ModelStorage {
  return {
    async save(url, artifacts) {
      await handlerFor(url, 'save').save!(artifacts);
    },
    async load(url) {
      return handlerFor(url, 'load').load!();
    },
    async list() {
      try {
        return await tf.io.listModels();
      } catch (e) {
        // No IndexedDB manager registered (not a browser): an empty library, not an error.
        if (/Cannot find model manager/i.test(messageOf(e))) return {};
        throw e;
      }
    },
    async remove(url) {
      await tf.io.removeModel(url);
    },
  };
}

/**
 * The same store in memory (structured clones, tfjs's "Cannot find model" message): for tests, and for
 * a page that wants a session-only library where IndexedDB is unavailable. `full` simulates a full quota.
 */
export function memoryModelStorage(): ModelStorage & { full: boolean; readonly size: number } {
  const records = new Map<string, { artifacts: tf.io.ModelArtifacts; info: tf.io.ModelArtifactsInfo }>();
  const missing = (url: string) => new Error(`Cannot find model with path '${url.replace(/^indexeddb:\/\//, '')}' in IndexedDB.`);
  return {
    full: false,
    get size() {
      return records.size;
    },
    async save(url, artifacts) {
      if (this.full) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      const copy = structuredClone(artifacts);
      copy.weightData = copy.weightData == null ? undefined : tf.io.CompositeArrayBuffer.join(copy.weightData);
      records.set(url, { artifacts: copy, info: tf.io.getModelArtifactsInfoForJSON(copy) });
    },
    async load(url) {
      const r = records.get(url);
      if (!r) throw missing(url);
      return structuredClone(r.artifacts);
    },
    async list() {
      return Object.fromEntries([...records].map(([url, r]) => [url, { ...r.info }]));
    },
    async remove(url) {
      if (!records.delete(url)) throw missing(url);
    },
  };
}

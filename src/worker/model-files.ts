/**
 * How the inference service reads model files: meta.json and a tf.io handler for a folder's model.json +
 * weights. The default reads over HTTP(S) with fetch (the browser worker); Node tests inject their own
 * (cli/lib/file-io's fileSystemHandler, or tf.io.fromMemory). Failures are ModelFileError with a message
 * that names the file, e.g. "model files missing: /models/students/fabric/model.json (404)".
 */
import * as tf from '@tensorflow/tfjs';
import { weightBytesMismatch } from '../engine/bundle-contract';

export interface ModelFileLoader {
  /** Reads and parses one JSON file (meta.json). */
  readJson(url: string): Promise<unknown>;
  /** A tf.io handler that loads `${folderUrl}/model.json` and the weights it lists. */
  handler(folderUrl: string): tf.io.IOHandler;
}

/** A model file is missing, unreadable or corrupt. */
export class ModelFileError extends Error {
  override readonly name = 'ModelFileError';
}

type FetchFn = (url: string) => Promise<Response>;

async function fetchOk(url: string, fetchFn: FetchFn): Promise<Response> {
  let res: Response;
  try {
    res = await fetchFn(url);
  } catch (e) {
    throw new ModelFileError(`model files unreachable: ${url} (${(e as Error).message})`);
  }
  if (!res.ok) throw new ModelFileError(`model files missing: ${url} (${res.status})`);
  // A dev server's SPA fallback answers unknown paths with index.html and status 200.
  if ((res.headers.get('content-type') ?? '').includes('text/html')) {
    throw new ModelFileError(`model files missing: ${url} (the server returned an HTML page)`);
  }
  return res;
}

async function fetchJson(url: string, fetchFn: FetchFn): Promise<unknown> {
  const text = await (await fetchOk(url, fetchFn)).text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ModelFileError(`model files corrupt: ${url} is not valid JSON`);
  }
}

/** The browser's loader: plain fetch of `${folder}/model.json`, then of every weights file it lists (relative to the folder). */
export function fetchModelFiles(fetchFn: FetchFn = (url) => fetch(url)): ModelFileLoader {
  return {
    readJson: (url) => fetchJson(url, fetchFn),
    handler: (folderUrl) => ({
      async load(): Promise<tf.io.ModelArtifacts> {
        const jsonUrl = `${folderUrl}/model.json`;
        const json = (await fetchJson(jsonUrl, fetchFn)) as tf.io.ModelJSON | null;
        if (!json || typeof json !== 'object' || !Array.isArray(json.weightsManifest)) {
          throw new ModelFileError(`model files corrupt: ${jsonUrl} is not a tfjs model.json (no weightsManifest)`);
        }
        return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
          const buffers: ArrayBuffer[] = [];
          for (const group of manifest) {
            for (const p of group.paths) buffers.push(await (await fetchOk(`${folderUrl}/${p}`, fetchFn)).arrayBuffer());
          }
          return [tf.io.getWeightSpecs(manifest), buffers.length === 1 ? buffers[0] : buffers];
        });
      },
    }),
  };
}

/**
 * Refuses artifacts whose weight data is not exactly what the manifest describes (a truncated or
 * swapped weights.bin), before any tensor is created. `what` names the weights in the message.
 */
export function checkWeightBytes(artifacts: tf.io.ModelArtifacts, what: string): void {
  const why = weightBytesMismatch(artifacts, what);
  if (why) throw new ModelFileError(`model files corrupt: ${why}`);
}

/**
 * Node-side tfjs backend setup. tfjs-node cannot be installed here (it downloads libtensorflow), so the
 * CLIs run on the wasm backend (with the project's gradient kernels) or on the slow pure-JS cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';

export type NodeBackend = 'wasm' | 'cpu';

export interface BackendOptions {
  /** wasm worker threads; 1 = single-threaded. */
  threads?: number;
}

export async function initBackend(name: NodeBackend = 'wasm', opts: BackendOptions = {}): Promise<string> {
  if (name === 'wasm') {
    const require = createRequire(import.meta.url);
    const distDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    setWasmPaths(distDir + path.sep);
    if (opts.threads && opts.threads > 1) setThreadsCount(opts.threads);
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tfjs backend "${name}" failed to initialise`);
  await tf.ready();
  return tf.getBackend();
}

/**
 * Node-side tfjs backend setup. tfjs-node cannot be installed here (it downloads libtensorflow), so the
 * CLIs run on the wasm backend (with the project's gradient kernels) or on the slow pure-JS cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { registerWasmGradientKernels } from '../../src/engine/kernels/wasm-gradient-kernels';
import { backendFromThreadedModule, type ThreadedWasmModule } from '../../src/engine/threaded-wasm';

export type NodeBackend = 'wasm' | 'cpu';

export interface BackendOptions {
  /**
   * wasm threads (XNNPACK thread pool size, calling thread included); 1 = single-threaded (default).
   * In Node, > 1 loads the threaded-SIMD wasm build through worker_threads (see registerNodeThreadedWasm);
   * tfjs itself never enables threads in Node. Capped at 8 by the wasm build. Must be chosen before the
   * wasm backend is first initialised in the process.
   */
  threads?: number;
}

const WASM_PRIORITY = 2;
let nodeThreadedRequested = 0;

/**
 * Replaces tfjs' 'wasm' backend factory by one that instantiates the threaded-SIMD emscripten module in Node.
 *
 * Why tfjs cannot do it itself (tfjs-backend-wasm 4.22): the WASM_HAS_MULTITHREAD_SUPPORT flag is hard-wired to
 * false under Node, and even when forced to true its loader hands emscripten `blob:` URLs for the pthread
 * worker script and the main script, which Node's worker_threads cannot load. Here the worker script is
 * written to a temp file and the main script is given as a file path, which emscripten's Node pthread
 * support handles. The C++ side caps the pool at (logical cores / 2), read from os.cpus() when the module
 * is instantiated, so os.cpus() is briefly widened to 2 * threads entries during instantiation.
 * Workers are unref()'d so they do not keep the process alive.
 */
function registerNodeThreadedWasm(threads: number): void {
  const require = createRequire(import.meta.url);
  const factoryPath = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const outDir = path.dirname(factoryPath);
  const factory = require(factoryPath) as (cfg: object) => Promise<EmscriptenThreadedModule>;
  const { wasmWorkerContents } = require(path.join(outDir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  // The contents come from a template literal in which "\n" escapes were already turned into newlines.
  const workerSource = wasmWorkerContents.replace(/\n/g, '\\n');
  const hash = createHash('sha1').update(workerSource).digest('hex').slice(0, 12);
  const workerPath = path.join(os.tmpdir(), `tfjs-wasm-threaded-worker-${hash}.cjs`);
  if (!fs.existsSync(workerPath)) {
    const tmp = `${workerPath}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, workerSource);
    fs.renameSync(tmp, workerPath); // atomic: concurrent processes never see a partial file
  }

  try {
    tf.removeBackend('wasm'); // drop tfjs' single-threaded factory (registered on import)
  } catch {
    // not registered
  }
  tf.registerBackend(
    'wasm',
    async () => {
      const osMut = os as { cpus: typeof os.cpus };
      const realCpus = osMut.cpus;
      const cpus = realCpus();
      osMut.cpus = () => Array.from({ length: Math.max(cpus.length, 2 * threads) }, (_, i) => cpus[i % cpus.length]);
      let module: EmscriptenThreadedModule;
      try {
        module = await factory({
          locateFile: (p: string) => (p.endsWith('.worker.js') ? workerPath : path.join(outDir, p)),
          mainScriptUrlOrBlob: factoryPath,
        });
      } finally {
        osMut.cpus = realCpus;
      }
      setThreadsCount(threads);
      const backend = backendFromThreadedModule(module);
      for (const w of [...module.PThread.unusedWorkers, ...module.PThread.runningWorkers]) w.unref();
      return backend;
    },
    WASM_PRIORITY,
  );
}

interface EmscriptenThreadedModule extends ThreadedWasmModule {
  PThread: { unusedWorkers: { unref(): void }[]; runningWorkers: { unref(): void }[] };
}

export async function initBackend(name: NodeBackend = 'wasm', opts: BackendOptions = {}): Promise<string> {
  if (name === 'wasm') {
    const require = createRequire(import.meta.url);
    const distDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    setWasmPaths(distDir + path.sep);
    const threads = Math.min(8, Math.floor(opts.threads ?? 1));
    if (threads > 1) {
      const alreadyUp = tf.findBackend('wasm') != null;
      if (tf.env().getBool('IS_NODE')) {
        if (!alreadyUp && nodeThreadedRequested === 0) {
          registerNodeThreadedWasm(threads);
          nodeThreadedRequested = threads;
        }
      } else {
        setThreadsCount(threads);
      }
      if (alreadyUp && nodeThreadedRequested !== threads) {
        console.warn(`initBackend: wasm backend already initialised; threads=${threads} ignored`);
      }
    }
    registerWasmGradientKernels();
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tfjs backend "${name}" failed to initialise`);
  await tf.ready();
  return tf.getBackend();
}

/** Threads actually used by the wasm backend's XNNPACK pool (1 when single-threaded or not initialised). */
export function wasmThreadsInUse(): number {
  try {
    return tf.findBackend('wasm') != null ? Math.max(1, getThreadsCount()) : 1;
  } catch {
    return 1;
  }
}

/**
 * Browser-only backend setup for the inference worker: registers the WebGPU and wasm backends, serves the
 * wasm binaries from our own origin (Vite `?url` assets) and installs the project's wasm gradient kernels.
 * Kept out of inference-service.ts so that the service runs unchanged in Node tests.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import threadedFactory from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';
import threadedScript from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?url';
import { wasmWorkerContents } from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { registerWasmGradientKernels } from '../engine/kernels/wasm-gradient-kernels';
import { backendFromThreadedModule, type ThreadedWasmModule } from '../engine/threaded-wasm';
import type { BackendName } from './protocol';

export function prepareBrowserBackends(): void {
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
  });
  if (globalThis.crossOriginIsolated === true) registerThreadedWasm();
  registerWasmGradientKernels();
}

/**
 * Cross-origin isolated (the COOP/COEP headers of vite.config.ts): the wasm backend runs the threaded-SIMD
 * build, one XNNPACK thread per core (at most 8, the build's pthread pool). tfjs' own loader would hand the
 * pthread workers its factory's toString(), which the bundler's minification breaks; here they load the
 * unbundled script file instead. The C++ side caps the pool at hardwareConcurrency / 2 when the module is
 * instantiated, so the property is widened for that moment. Without isolation tfjs' single-threaded SIMD
 * build stays registered.
 */
function registerThreadedWasm(): void {
  const threads = Math.max(1, Math.min(8, navigator.hardwareConcurrency || 1));
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', async () => {
    Object.defineProperty(navigator, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
    try {
      const module = await threadedFactory({
        // Absolute: the pthread workers run from blob: URLs, against which a root-relative path is invalid.
        mainScriptUrlOrBlob: new URL(threadedScript, self.location.href).href,
        locateFile: (file: string) => {
          if (file.endsWith('.wasm')) return wasmThreaded;
          // Blob line endings: the contents hold "\n" escapes already turned into newlines.
          if (file.endsWith('.worker.js')) return URL.createObjectURL(new Blob([wasmWorkerContents.replace(/\n/g, '\\n')], { type: 'text/javascript' }));
          return file;
        },
      });
      setThreadsCount(threads);
      return backendFromThreadedModule(module as unknown as ThreadedWasmModule);
    } finally {
      delete (navigator as { hardwareConcurrency?: number }).hardwareConcurrency; // back to the prototype's getter
    }
  }, 2);
}

/** XNNPACK threads of the running wasm backend (1 = single-threaded), or null before wasm started. */
export function wasmThreads(): number | null {
  try {
    return tf.findBackend('wasm') != null ? Math.max(1, getThreadsCount()) : null;
  } catch {
    return null;
  }
}

interface GpuLike {
  requestAdapter(): Promise<unknown>;
}

/** Why a backend cannot start here (shown as a note), or null when it is worth trying. */
export async function probeBrowserBackend(name: BackendName): Promise<string | null> {
  if (name === 'webgpu') {
    const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
    if (!gpu) return 'not supported by this browser';
    try {
      if (!(await gpu.requestAdapter())) return 'no adapter';
    } catch (e) {
      return `no adapter (${(e as Error).message})`;
    }
  }
  if (name === 'webgl' && typeof OffscreenCanvas === 'undefined' && typeof document === 'undefined') {
    return 'no OffscreenCanvas in this worker';
  }
  return null;
}

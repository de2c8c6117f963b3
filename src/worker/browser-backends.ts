/**
 * Browser-only backend setup for the inference worker: registers the WebGPU and wasm backends, serves the
 * wasm binaries from our own origin (Vite `?url` assets) and installs the project's wasm gradient kernels.
 * Kept out of inference-service.ts so that the service runs unchanged in Node tests.
 */
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { registerWasmGradientKernels } from '../engine/kernels/wasm-gradient-kernels';
import type { BackendName } from './protocol';

export function prepareBrowserBackends(): void {
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
  });
  registerWasmGradientKernels();
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

/**
 * Browser backend selection: WebGPU when an adapter exists, else WebGL, else wasm (with the project's
 * gradient kernels, so training works there too). wasm binaries are served from our own origin.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { registerWasmGradientKernels } from '../engine/kernels/wasm-gradient-kernels';

export const BACKEND_ORDER = ['webgpu', 'webgl', 'wasm'] as const;

let selection: Promise<{ backend: string; notes: string[] }> | null = null;

/**
 * Starts the first backend that works, once per page: tfjs gives up on a backend whose asynchronous
 * initialisation is overtaken by another setBackend call, so concurrent callers (React's StrictMode runs
 * effects twice) must share one attempt.
 */
export function selectBackend(preferred?: string): Promise<{ backend: string; notes: string[] }> {
  selection ??= trySelectBackend(preferred);
  return selection;
}

async function trySelectBackend(preferred?: string): Promise<{ backend: string; notes: string[] }> {
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
  });
  registerWasmGradientKernels();
  const notes: string[] = [];
  const order = preferred ? [preferred, ...BACKEND_ORDER.filter((b) => b !== preferred)] : [...BACKEND_ORDER];
  for (const name of order) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return { backend: tf.getBackend(), notes };
      }
      notes.push(`${name}: not available`);
    } catch (e) {
      notes.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw new Error(`no tfjs backend could start (${notes.join('; ')})`);
}

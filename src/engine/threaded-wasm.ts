/**
 * The bridge from an instantiated emscripten module of tfjs-backend-wasm's threaded-SIMD build to a tfjs
 * BackendWasm — what tfjs' own init() does after instantiating it. The project instantiates that build
 * itself where tfjs' loader cannot: in Node (cli/lib/backend.ts: tfjs never enables threads there) and in
 * the bundled browser worker (src/worker/browser-backends.ts: tfjs hands the pthread workers the factory's
 * toString(), which a bundler's minification breaks).
 */
import { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export interface ThreadedWasmModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => unknown;
  tfjs?: Record<string, unknown>;
}

export function backendFromThreadedModule(module: ThreadedWasmModule): BackendWasm {
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]);
}

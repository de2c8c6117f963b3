/// <reference types="vite/client" />

/** tfjs-backend-wasm ships the pthread worker script of its threaded build as a CommonJS string export. */
declare module '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js' {
  export const wasmWorkerContents: string;
}

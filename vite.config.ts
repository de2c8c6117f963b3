import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const page = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/**
 * Cross-origin isolation: with these two headers the page may use SharedArrayBuffer, which tfjs-wasm needs
 * for its threaded SIMD build (XNNPACK on several cores). Any static host of the build must send them too;
 * without them everything still works, with wasm on one thread. require-corp is no burden here: the app
 * loads nothing from other origins (see the CSP in index.html).
 */
const CROSS_ORIGIN_ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // Two pages: the app, and the benchmark page driven by `npm run bench:browser` (src/bench/).
    rolldownOptions: { input: { main: page('./index.html'), bench: page('./bench.html') } },
  },
  server: { headers: CROSS_ORIGIN_ISOLATION },
  preview: { headers: CROSS_ORIGIN_ISOLATION },
  // The inference worker imports tfjs and its backends: module workers allow code splitting.
  worker: { format: 'es' },
  test: {
    include: ['src/**/*.test.ts', 'cli/**/*.test.ts'],
    environment: 'node',
    // tfjs kernels on a 2-core machine: numerical tests need generous time and no parallel workers
    // fighting over the same two cores.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});

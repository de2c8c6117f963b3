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
    rolldownOptions: {
      input: { main: page('./index.html'), bench: page('./bench.html') },
      // The worker (tfjs and its backends) is bundled inside one plugin callback (vite:worker-import-meta-url):
      // rolldown's [PLUGIN_TIMINGS] report names it on every build, which is expected and not actionable.
      checks: { bundlerTimings: false },
    },
  },
  server: { headers: CROSS_ORIGIN_ISOLATION },
  preview: { headers: CROSS_ORIGIN_ISOLATION },
  // The dev server scans only the pages for dependencies to pre-bundle; the worker's tfjs backends were
  // found on the first visit and the page reloaded once. Scanning the worker too makes the first load the only one.
  optimizeDeps: { entries: ['*.html', 'src/**/*.worker.ts'] },
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

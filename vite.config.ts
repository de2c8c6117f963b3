import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const page = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export default defineConfig({
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // Two pages: the app, and the benchmark page driven by `npm run bench:browser` (src/bench/).
    rolldownOptions: { input: { main: page('./index.html'), bench: page('./bench.html') } },
  },
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

import { defineConfig } from 'vitest/config';

// End-to-end tests: a production build served by `vite preview`, driven by Debian's Chromium through
// playwright-core. One file at a time: each launches a browser that runs tfjs on both cores.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    globalSetup: ['e2e/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    // expect.poll waits for the app (images decoded, a list updated), it does not time it: 1 s, vitest's
    // default, was too short for seven photos to decode while the worker held both cores (one CI run).
    expect: { poll: { timeout: 30_000 } },
  },
});
